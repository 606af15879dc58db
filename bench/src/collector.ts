// The real OpenTelemetry Collector built from gateway/builder-config.yaml as the bench's baseline,
// with the engine's own URL paths, so the load generator sends identical requests to both.
// GOMAXPROCS=1 plus taskset keep it to the same single core the engine gets.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, Proc, waitHttp } from './procs.ts';

export interface CollectorHandle {
  proc: Proc;
  url: string;
}

interface Pipeline {
  signal: 'traces' | 'logs';
  /** YAML under `processors:` and `exporters:`, indented two spaces; `extensions` likewise, may be empty. */
  processors: string;
  exporters: string;
  extensions?: string;
  processorNames: string;
  exporterName: string;
  extensionNames?: string;
}

/** Writes the config (OTLP/HTTP receiver on a free port, health check, one pipeline) and starts it. */
async function runCollector(binary: string, dir: string, name: string, core: string | undefined, p: Pipeline): Promise<CollectorHandle> {
  const port = await freePort();
  const health = await freePort();
  const config = `
extensions:
  health_check:
    endpoint: 127.0.0.1:${health}
${p.extensions ?? ''}receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
        ${p.signal}_url_path: /api/otlp/v1/${p.signal}
processors:
${p.processors}exporters:
${p.exporters}service:
  extensions: [health_check${p.extensionNames ? `, ${p.extensionNames}` : ''}]
  telemetry:
    logs:
      level: warn
    metrics:
      level: none
  pipelines:
    ${p.signal}:
      receivers: [otlp]
      processors: [${p.processorNames}]
      exporters: [${p.exporterName}]
`;
  const file = join(dir, `otelcol-${name}.yaml`);
  writeFileSync(file, config);
  const proc = new Proc(binary, ['--config', file], { core, env: { ...process.env, GOMAXPROCS: '1' } });
  await waitHttp(`http://127.0.0.1:${health}/`);
  return { proc, url: `http://127.0.0.1:${port}` };
}

/**
 * Baseline (b), configured like the engine's trace path: groupbytrace (same window as the engine's
 * CORR_WINDOW_SECONDS) -> nop exporter (no I/O in the measurement).
 */
export function startCollector(binary: string, dir: string, windowSeconds: number, core: string | undefined): Promise<CollectorHandle> {
  return runCollector(binary, dir, 'bench', core, {
    signal: 'traces',
    processors: `  groupbytrace:\n    wait_duration: ${windowSeconds}s\n    num_traces: 1000000\n`,
    processorNames: 'groupbytrace',
    exporters: '  nop: {}\n',
    exporterName: 'nop',
  });
}

/**
 * Workload 3's collector (issue 16), the same log load the engine gets:
 * - `nop`: batch -> nop (no export), against the engine without exporters;
 * - `durable`: batch -> otlp_http to the bench sink through a persistent sending queue
 *   (file_storage), against the engine's durable queue -> Loki push to the same sink.
 *   `fsync: true` because the engine's queue fsyncs every append by default (QUEUE_SYNC=full):
 *   both then acknowledge only what survives a power loss.
 */
export function startLogsCollector(
  binary: string,
  dir: string,
  mode: 'nop' | 'durable',
  sinkUrl: string,
  core: string | undefined,
): Promise<CollectorHandle> {
  const common = { signal: 'logs', processors: '  batch: {}\n', processorNames: 'batch' } as const;
  if (mode === 'nop') return runCollector(binary, dir, 'logs-nop', core, { ...common, exporters: '  nop: {}\n', exporterName: 'nop' });
  const storage = mkdtempSync(join(dir, 'otelcol-queue-'));
  return runCollector(binary, dir, 'logs-durable', core, {
    ...common,
    extensions: `  file_storage/queue:\n    directory: ${storage}\n    fsync: true\n`,
    extensionNames: 'file_storage/queue',
    exporters: `  otlp_http/sink:
    endpoint: ${sinkUrl}
    retry_on_failure:
      enabled: true
    sending_queue:
      enabled: true
      storage: file_storage/queue
      queue_size: 1000000
`,
    exporterName: 'otlp_http/sink',
  });
}
