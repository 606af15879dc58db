// Every PromQL/LogQL/TraceQL expression the stack ships (dashboard, datasource links, alert
// rules) parses with the upstream grammars, uses only metrics a live engine (or a documented
// scrape target) exports, selects Loki streams only by labels the pipeline sets, and refers to
// datasource uids that exist.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, metricFamilies, seriesNames, type RunningEngine } from '../src/engine-process.js';
import { substituteVariables, unknownVariables } from '../src/grafana-vars.js';
import { REPO_ROOT, repoPath } from '../src/paths.js';
import { logqlSelectorLabels, parseQuery, promqlMetricNames } from '../src/query-languages.js';
import {
  allPanels,
  dashboardFiles,
  everyStackQuery,
  provisionedDatasources,
  type DatasourceRef,
} from '../src/stack-queries.js';

// Metrics the queries may use that the engine does not export, each from a documented source.
const DOCUMENTED_METRICS: Record<string, string> = {
  up: 'Prometheus: synthetic per-target scrape health',
  otelcol_receiver_accepted_spans_total: 'OTel Collector internal telemetry (gateway :8888)',
  otelcol_receiver_accepted_log_records_total: 'OTel Collector internal telemetry (gateway :8888)',
  otelcol_exporter_send_failed_spans_total: 'OTel Collector internal telemetry (gateway :8888)',
  traces_spanmetrics_calls_total: 'Tempo metrics-generator span-metrics processor (remote-written)',
  traces_spanmetrics_latency_bucket: 'Tempo metrics-generator span-metrics processor (remote-written)',
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

  describe('metric names against a live engine', () => {
    let engine: RunningEngine | undefined;
    let exported = new Set<string>();

    beforeAll(async () => {
      const appDir = repoPath('correlation-engine');
      if (!existsSync(repoPath('correlation-engine', 'dist', 'server.js'))) {
        throw new Error('correlation-engine/dist/server.js is missing: run `pnpm build` first (make test does)');
      }
      engine = await startEngine(appDir);
      const res = await fetch(`${engine.url}/metrics`);
      exported = seriesNames(metricFamilies(await res.text()));
    });

    afterAll(async () => {
      await engine?.stop();
    });

    it('exports the metric contract the dashboard and alerts are built on', () => {
      for (const name of [
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
        expect(known, `${where} uses ${name}, which neither the engine nor a documented target exports`).toBe(true);
      }
    });
  });
});
