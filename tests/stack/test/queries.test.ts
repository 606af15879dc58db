// Every PromQL/LogQL/TraceQL expression the stack ships (dashboard, datasource links, alert
// rules) parses with the upstream grammars, uses only metrics a live engine (or a documented
// scrape target) exports, selects Loki streams only by labels the pipeline sets, and refers to
// datasource uids that exist.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEngine, scrapeSeriesNames, startEngine } from '../src/engine-process.js';
import { type RunningGateway, startGateway } from '../src/gateway-process.js';
import { substituteVariables, unknownVariables } from '../src/grafana-vars.js';
import { REPO_ROOT, repoPath } from '../src/paths.js';
import { logqlSelectorLabels, parseQuery, promqlMetricNames } from '../src/query-languages.js';
import { allPanels, type DatasourceRef, dashboardFiles, everyStackQuery, provisionedDatasources } from '../src/stack-queries.js';

// Metrics the queries may use that neither the live engine nor the live gateway exports here,
// each from a documented source that cannot run on this machine.
const DOCUMENTED_METRICS: Record<string, string> = {
  up: 'Prometheus: synthetic per-target scrape health',
  traces_spanmetrics_calls_total: 'Tempo metrics-generator span-metrics processor (remote-written; Tempo is not run here)',
  traces_spanmetrics_latency_bucket: 'Tempo metrics-generator span-metrics processor (remote-written; Tempo is not run here)',
};

// Loki stream labels: the engine pushes {service, env} (+ opt-in trace_id); the gateway's OTLP
// logs get exactly service/env indexed by limits_config.otlp_config (loki-config.yaml).
const LOKI_STREAM_LABELS = new Set(['service', 'env', 'trace_id']);

const queries = everyStackQuery();

describe('stack queries', () => {
  it('finds the queries of the dashboard, the datasources and the alert rules', () => {
    const languages = new Set(queries.map((q) => q.language));
    expect(languages).toEqual(new Set(['promql', 'logql', 'traceql']));
    expect(queries.filter((q) => q.where.startsWith('alerts.yml')).length).toBeGreaterThanOrEqual(5);
    expect(queries.some((q) => q.where.includes('tracesToLogsV2'))).toBe(true);
    expect(queries.some((q) => q.where.includes('link'))).toBe(true);
  });

  it.each(queries.map((q) => [q.where, q] as const))('%s parses cleanly', (_where, q) => {
    const text = substituteVariables(q.query);
    expect(unknownVariables(text), `unsubstituted variable in ${q.query}`).toEqual([]);
    expect(parseQuery(q.language, text).errors, `${q.language}: ${text}`).toEqual([]);
  });

  it('the grammar check rejects broken queries (so a pass means something)', () => {
    expect(parseQuery('promql', 'sum(rate(correlation_events_total[5m])').errors).not.toEqual([]);
    expect(parseQuery('logql', '{service="x"} | ').errors).not.toEqual([]);
    expect(parseQuery('traceql', '{ span.circuit_id = }').errors).not.toEqual([]);
  });

  it('selects Loki streams only by labels the pipeline sets', () => {
    for (const q of queries.filter((x) => x.language === 'logql')) {
      const labels = logqlSelectorLabels(substituteVariables(q.query));
      expect(labels.length, `${q.where} has no stream selector`).toBeGreaterThan(0);
      for (const label of labels) expect(LOKI_STREAM_LABELS, `${q.where}: {${label}=...}`).toContain(label);
    }
    // The reader sees through label filters: circuit_id is a pipeline filter, not a selector.
    expect(logqlSelectorLabels('{service="a"} | circuit_id="x"')).toEqual(['service']);
  });

  it('filters every Loki and Tempo panel by $circuit_id', () => {
    for (const path of dashboardFiles()) {
      const file = relative(REPO_ROOT, path);
      const panelQueries = queries.filter((q) => q.where.startsWith(`${file} panel`) && !q.where.endsWith('link'));
      expect(panelQueries.length).toBeGreaterThan(5);
      for (const q of panelQueries.filter((x) => x.language !== 'promql')) {
        expect(q.query, q.where).toContain('$circuit_id');
      }
    }
  });

  it('refers only to datasource uids that are provisioned', () => {
    const uids = new Set(provisionedDatasources().map((d) => d.uid));
    expect(uids).toEqual(new Set(['prometheus', 'loki', 'tempo']));
    const refs: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object') {
        const obj = value as Record<string, unknown>;
        const ds = obj.datasource as DatasourceRef | undefined;
        if (ds && typeof ds === 'object' && typeof ds.uid === 'string' && ds.type !== 'grafana') refs.push(ds.uid);
        if (typeof obj.datasourceUid === 'string') refs.push(obj.datasourceUid);
        Object.values(obj).forEach(walk);
      }
    };
    for (const file of dashboardFiles()) walk(JSON.parse(readFileSync(file, 'utf8')));
    for (const ds of provisionedDatasources()) walk(ds.jsonData);
    expect(refs.length).toBeGreaterThan(10);
    for (const uid of refs) expect(uids, `unknown datasource uid ${uid}`).toContain(uid);
    // Every panel says which datasource it reads.
    for (const file of dashboardFiles()) {
      const dashboard = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      for (const panel of allPanels(dashboard)) {
        if (panel.type === 'row') continue;
        expect((panel.datasource as DatasourceRef | undefined)?.uid, String(panel.title)).toBeDefined();
      }
    }
  });

  describe('metric names against a live engine and a live gateway', () => {
    let engine: RunningEngine | undefined;
    let gateway: RunningGateway | undefined;
    let exported = new Set<string>();

    beforeAll(async () => {
      const appDir = repoPath('correlation-engine');
      if (!existsSync(repoPath('correlation-engine', 'dist', 'server.js'))) {
        throw new Error('correlation-engine/dist/server.js is missing: run `pnpm build` first (make test does)');
      }
      engine = await startEngine(appDir);
      gateway = await startGateway(`${engine.url}/api/otlp`);
      // One span and one log through the gateway: the engine takes them, Tempo/Loki (closed
      // ports) fail, so the collector's accepted and send-failed series both exist.
      const now = BigInt(Date.now()) * 1_000_000n;
      const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'beorn' } }] };
      const span = {
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        name: 'GET /api/test',
        kind: 2,
        startTimeUnixNano: String(now - 1_000_000n),
        endTimeUnixNano: String(now),
      };
      const post = (path: string, body: unknown): Promise<Response> =>
        fetch(`${gateway?.otlpHttpUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await post('/v1/traces', { resourceSpans: [{ resource, scopeSpans: [{ spans: [span] }] }] })).status).toBe(200);
      expect(
        (
          await post('/v1/logs', {
            resourceLogs: [
              {
                resource,
                scopeLogs: [
                  {
                    logRecords: [
                      { timeUnixNano: String(now), severityText: 'INFO', body: { stringValue: 'hello' }, traceId: span.traceId },
                    ],
                  },
                ],
              },
            ],
          })
        ).status,
      ).toBe(200);
      // Names as Prometheus stores them: scraped with Prometheus' Accept header.
      let gatewayNames = new Set<string>();
      for (let i = 0; i < 100 && ![...gatewayNames].some((n) => n.startsWith('otelcol_exporter_send_failed_spans')); i += 1) {
        await new Promise((r) => setTimeout(r, 200));
        gatewayNames = await scrapeSeriesNames(gateway.telemetryUrl);
      }
      const engineNames = await scrapeSeriesNames(`${engine.url}/metrics`);
      exported = new Set([...engineNames, ...gatewayNames]);
    }, 60_000);

    afterAll(async () => {
      await gateway?.stop();
      await engine?.stop();
    });

    it('exports the metric contract the dashboard and alerts are built on (engine and gateway)', () => {
      for (const name of [
        // The collector names counters without _total (its default translation strategy, and it
        // answers Prometheus' OpenMetrics request with the plain text format).
        'otelcol_receiver_accepted_spans',
        'otelcol_receiver_accepted_log_records',
        'otelcol_exporter_send_failed_spans',
        'correlation_events_total',
        'correlation_records_received_total',
        'correlation_open_windows',
        'correlation_window_records_bucket',
        'correlation_records_dropped_total',
        'exporter_sent_total',
        'exporter_failed_total',
        'exporter_queue_depth',
        'exporter_oldest_unsent_age_seconds',
        'http_request_duration_seconds_bucket',
      ]) {
        expect(exported, name).toContain(name);
      }
    });

    it('every metric a query uses is exported by the engine or documented', () => {
      const used = new Map<string, string>();
      for (const q of queries.filter((x) => x.language === 'promql')) {
        for (const name of promqlMetricNames(substituteVariables(q.query))) used.set(name, q.where);
      }
      expect(used.size).toBeGreaterThan(10);
      for (const [name, where] of used) {
        const known = exported.has(name) || name in DOCUMENTED_METRICS;
        expect(known, `${where} uses ${name}, which neither the engine, the gateway nor a documented target exports`).toBe(true);
      }
    });
  });
});
