// Loki, Tempo and Grafana configs: keys checked against the documented keys of the pinned
// versions, the settings this stack depends on (retention, structured metadata, label contract,
// receivers, metrics generator), and the Grafana provisioning wiring between the three signals.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { unknownKeys } from '../src/config-schema.js';
import { LOKI_3_7_KEYS } from '../src/loki-keys.js';
import { repoPath, STACK_DIR } from '../src/paths.js';
import { allPanels, DATASOURCES_FILE, type DatasourceRef, dashboardFiles, provisionedDatasources } from '../src/stack-queries.js';
import { TEMPO_2_10_KEYS } from '../src/tempo-keys.js';
import { spanMatches } from '../src/traceql-filter.js';
import { readJson, readYaml } from '../src/yaml-file.js';

// Config trees are walked by key path; `any` keeps those walks readable.
// biome-ignore lint/suspicious/noExplicitAny: parsed YAML/JSON of unknown shape
type Json = Record<string, any>;

const loki = readYaml<Json>(join(STACK_DIR, 'loki', 'loki-config.yaml'));
const tempo = readYaml<Json>(join(STACK_DIR, 'tempo', 'tempo-config.yaml'));
const stackCompose = readYaml<Json>(join(STACK_DIR, 'docker-compose.yml'));

describe('Loki 3.7 config', () => {
  it('uses only documented keys', () => {
    expect(unknownKeys(loki, LOKI_3_7_KEYS)).toEqual([]);
  });

  it('the key check catches keys Loki 3 removed or never had', () => {
    const bad = parse('compactor:\n  shared_store: filesystem\nlimits_config:\n  retention_periods: 168h\n');
    expect(unknownKeys(bad, LOKI_3_7_KEYS)).toEqual(['compactor.shared_store', 'limits_config.retention_periods']);
  });

  it('actually deletes logs after 7 days', () => {
    expect(loki.compactor.retention_enabled).toBe(true);
    expect(loki.compactor.delete_request_store).toBe('filesystem');
    expect(loki.limits_config.retention_period).toBe('168h');
    // Retention works per index table: the index period must be 24h.
    expect(loki.schema_config.configs.at(-1).index.period).toBe('24h');
  });

  it('stores on tsdb/v13 with structured metadata allowed', () => {
    const current = loki.schema_config.configs.at(-1);
    expect(current).toMatchObject({ store: 'tsdb', schema: 'v13', object_store: 'filesystem' });
    expect(loki.limits_config.allow_structured_metadata).toBe(true);
  });

  it('indexes exactly service and env from OTLP and invents no service_name label', () => {
    const ra = loki.limits_config.otlp_config.resource_attributes;
    expect(ra.ignore_defaults).toBe(true);
    const indexed = ra.attributes_config.filter((c: Json) => c.action === 'index_label').flatMap((c: Json) => c.attributes);
    expect(indexed.sort()).toEqual(['env', 'service']);
    expect(loki.limits_config.discover_service_name).toEqual([]);
  });

  it('keeps its data on the volume the compose file mounts, on the port it publishes', () => {
    const mounts: string[] = stackCompose.services.loki.volumes;
    expect(mounts).toContain('loki-data:/loki');
    for (const dir of [loki.common.path_prefix, loki.common.storage.filesystem.chunks_directory, loki.compactor.working_directory]) {
      expect(dir).toMatch(/^\/loki(\/|$)/);
    }
    expect(loki.server.http_listen_port).toBe(3100);
    expect(stackCompose.services.loki.command).toEqual(['-config.file=/etc/loki/loki-config.yaml']);
    expect(mounts).toContain('./loki/loki-config.yaml:/etc/loki/loki-config.yaml:ro');
  });
});

describe('Tempo 2.10 config', () => {
  it('uses only documented keys', () => {
    expect(unknownKeys(tempo, TEMPO_2_10_KEYS)).toEqual([]);
  });

  it('the key check catches keys Tempo 2.x does not have', () => {
    const bad = parse('search_enabled: true\ncompactor:\n  compaction:\n    block_retenton: 1h\n');
    expect(unknownKeys(bad, TEMPO_2_10_KEYS)).toEqual(['search_enabled', 'compactor.compaction.block_retenton']);
  });

  it('receives OTLP on all interfaces inside the network (not localhost, the 2.7+ default)', () => {
    const protocols = tempo.distributor.receivers.otlp.protocols;
    expect(protocols.grpc.endpoint).toBe('0.0.0.0:4317');
    expect(protocols.http.endpoint).toBe('0.0.0.0:4318');
  });

  it('keeps traces 7 days on the local volume', () => {
    expect(tempo.compactor.compaction.block_retention).toBe('168h');
    expect(tempo.storage.trace.backend).toBe('local');
    for (const dir of [tempo.storage.trace.wal.path, tempo.storage.trace.local.path, tempo.metrics_generator.storage.path]) {
      expect(dir).toMatch(/^\/var\/tempo\//);
    }
    expect(stackCompose.services.tempo.volumes).toContain('tempo-data:/var/tempo');
    expect(tempo.server.http_listen_port).toBe(3200);
  });

  it('remote-writes service-graph and span metrics with exemplars to Prometheus', () => {
    expect(tempo.metrics_generator.storage.remote_write).toEqual([{ url: 'http://prometheus:9090/api/v1/write', send_exemplars: true }]);
    expect(tempo.overrides.defaults.metrics_generator.processors).toEqual(expect.arrayContaining(['service-graphs', 'span-metrics']));
  });
});

describe('Grafana provisioning', () => {
  const datasources = provisionedDatasources();
  const byUid = Object.fromEntries(datasources.map((d) => [d.uid, d]));
  const raw = readFileSync(DATASOURCES_FILE, 'utf8');

  it('provisions Prometheus, Loki and Tempo with fixed uids at their compose addresses', () => {
    expect(readYaml<Json>(DATASOURCES_FILE).apiVersion).toBe(1);
    expect(byUid.prometheus).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    expect(byUid.loki).toMatchObject({ type: 'loki', url: 'http://loki:3100' });
    expect(byUid.tempo).toMatchObject({ type: 'tempo', url: 'http://tempo:3200' });
  });

  it('links Loki -> Tempo by the trace_id structured metadata (and the JSON line as fallback)', () => {
    const fields = byUid.loki?.jsonData?.derivedFields as Json[];
    const byLabel = fields.find((f) => f.matcherType === 'label');
    // As written in the file: Grafana turns `$$` into a literal `$`.
    expect(byLabel).toMatchObject({ matcherRegex: 'trace_id', datasourceUid: 'tempo', url: '$${__value.raw}' });
    const byRegex = fields.find((f) => f.matcherType === 'regex');
    expect(byRegex?.datasourceUid).toBe('tempo');
    const re = new RegExp(byRegex?.matcherRegex as string);
    expect(re.exec('{"msg":"x","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}')?.[1]).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    // In the file a literal `$` is escaped as `$$`, or Grafana would expand it as an env var.
    expect(raw).toContain('url: "$${__value.raw}"');
    expect(raw).not.toMatch(/[^$]\$\{__value\.raw\}/);
  });

  it('links Tempo -> Loki by service and trace_id, plus the business key circuit_id', () => {
    const t = byUid.tempo?.jsonData as Json;
    expect(t.tracesToLogsV2).toMatchObject({
      datasourceUid: 'loki',
      filterByTraceID: true,
      customQuery: true,
      tags: [{ key: 'service.name', value: 'service' }],
    });
    expect(t.tracesToLogsV2.query).toContain('trace_id="$${__span.traceId}"');
    expect(t.tracesToLogsV2.query).toContain('circuit_id="$${__span.tags.circuit_id}"');
    expect(t.tracesToMetrics.datasourceUid).toBe('prometheus');
    expect(t.serviceMap).toEqual({ datasourceUid: 'prometheus' });
    expect(t.nodeGraph).toEqual({ enabled: true });
  });

  it('links Prometheus exemplars to Tempo', () => {
    expect(byUid.prometheus?.jsonData?.exemplarTraceIdDestinations).toEqual([{ name: 'traceID', datasourceUid: 'tempo' }]);
  });

  it('loads dashboards from the folder compose mounts', () => {
    const providers = readYaml<Json>(join(STACK_DIR, 'grafana', 'provisioning', 'dashboards', 'dashboards.yml')).providers;
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({ type: 'file', options: { path: '/etc/grafana/provisioning/dashboards' } });
    expect(stackCompose.services.grafana.volumes).toContain('./grafana/provisioning/dashboards:/etc/grafana/provisioning/dashboards:ro');
    expect(stackCompose.services.grafana.volumes).toContain('./grafana/provisioning/datasources:/etc/grafana/provisioning/datasources:ro');
  });

  it('keeps anonymous access off by default', () => {
    const ini = readFileSync(join(STACK_DIR, 'grafana', 'grafana.ini'), 'utf8');
    expect(/\[auth\.anonymous\][^[]*enabled = false/.exec(ini)).not.toBeNull();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal compose/Grafana placeholder
    expect(stackCompose.services.grafana.environment.GF_AUTH_ANONYMOUS_ENABLED).toBe('${GRAFANA_ANONYMOUS_ENABLED:-false}');
  });
});

describe('Correlation Overview (DEV) dashboard', () => {
  const files = dashboardFiles();
  const dashboard = readJson<Json>(files.find((f) => f.endsWith('correlation-overview.json')) ?? repoPath('missing.json'));
  const panels = allPanels(dashboard).filter((p) => p.type !== 'row');
  const titled = (part: string): Json => {
    const p = panels.find((x) => String(x.title).includes(part));
    if (!p) throw new Error(`no panel titled *${part}*`);
    return p;
  };

  it('is the dashboard the seed names, with unique panel ids that do not overlap', () => {
    expect(dashboard.title).toBe('Correlation Overview (DEV)');
    expect(dashboard.uid).toBe('correlation-overview');
    const ids = allPanels(dashboard).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    // No two panels share a grid cell.
    const cells = new Set<string>();
    for (const p of allPanels(dashboard)) {
      const { x, y, w, h } = p.gridPos as { x: number; y: number; w: number; h: number };
      for (let i = x; i < x + w; i += 1)
        for (let j = y; j < y + h; j += 1) {
          const key = `${i},${j}`;
          expect(cells.has(key), `${p.title} overlaps at ${key}`).toBe(false);
          cells.add(key);
        }
    }
  });

  it('has the panels phase 8 looks for', () => {
    for (const part of [
      'Correlation events rate',
      'Open windows',
      'Records received',
      'Export sent / failed',
      'Export queue depth',
      'Oldest unsent',
      'Recent traces',
      'Logs by service',
      'Correlation events',
    ]) {
      titled(part);
    }
    expect((titled('Recent traces').datasource as DatasourceRef).uid).toBe('tempo');
    expect((titled('Logs by service').datasource as DatasourceRef).uid).toBe('loki');
  });

  it('has a circuit_id variable, and says on every metrics panel why it does not filter there', () => {
    const variable = dashboard.templating.list.find((v: Json) => v.name === 'circuit_id');
    expect(variable).toMatchObject({ type: 'textbox', query: '.*' });
    for (const p of panels.filter((x) => (x.datasource as DatasourceRef).uid === 'prometheus')) {
      expect(String(p.description), String(p.title)).toMatch(/no circuit_id label/);
    }
  });

  it('Recent traces at the default variables shows traces without a circuit_id; a typed circuit narrows to it', () => {
    const query = String((titled('Recent traces').targets as Json[])[0]?.query);
    const variable = (name: string) => dashboard.templating.list.find((v: Json) => v.name === name);
    const at = (values: { service: string; circuit_id: string }) =>
      query.replaceAll('$service', values.service).replaceAll('$circuit_id', values.circuit_id);
    const defaults = { service: String(variable('service').allValue), circuit_id: String(variable('circuit_id').query) };
    const bare = { resource: { 'service.name': 'beorn' }, span: {} }; // the seed's bare /api/test
    const withCircuit = { resource: { 'service.name': 'beorn' }, span: { circuit_id: 'CKT-1001-NYC' } };
    expect(spanMatches(at(defaults), bare)).toBe(true);
    expect(spanMatches(at(defaults), withCircuit)).toBe(true);
    const typed = at({ ...defaults, circuit_id: 'CKT-1001.*' });
    expect(spanMatches(typed, withCircuit)).toBe(true);
    expect(spanMatches(typed, bare)).toBe(false);
    expect(spanMatches(typed, { ...withCircuit, span: { circuit_id: 'CKT-2002-LA' } })).toBe(false);
  });

  it('the TraceQL check is real: the old query hid traces without a circuit_id', () => {
    const old = '{ resource.service.name =~ ".+" && span.circuit_id =~ ".*" }';
    expect(spanMatches(old, { resource: { 'service.name': 'beorn' }, span: {} })).toBe(false);
  });

  it('links a trace in the traces table to its logs', () => {
    const overrides = titled('Recent traces').fieldConfig.overrides as Json[];
    const links = overrides.flatMap((o) => o.properties.filter((p: Json) => p.id === 'links').flatMap((p: Json) => p.value));
    expect(links.map((l: Json) => l.title)).toContain('Logs for this trace');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal compose/Grafana placeholder
    expect(links[0].url).toContain('${__value.raw}');
  });
});
