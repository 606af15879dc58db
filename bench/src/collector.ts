// Baseline (b): the real OpenTelemetry Collector built from gateway/builder-config.yaml, configured
// like the engine's trace path: OTLP/HTTP receiver -> groupbytrace (same window as the engine's
// CORR_WINDOW_SECONDS) -> nop exporter (no I/O in the measurement). GOMAXPROCS=1 plus taskset
// keep it to the same single core the engine gets.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, Proc, waitHttp } from './procs.ts';

export interface CollectorHandle {
  proc: Proc;
  url: string;
}

export async function startCollector(
  binary: string,
  dir: string,
  windowSeconds: number,
  core: string | undefined,
): Promise<CollectorHandle> {
  const port = await freePort();
  const health = await freePort();
  const config = `
extensions:
  health_check:
    endpoint: 127.0.0.1:${health}
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
        # Same path as the engine's, so the load generator sends identical requests to both.
        traces_url_path: /api/otlp/v1/traces
processors:
  groupbytrace:
    wait_duration: ${windowSeconds}s
    num_traces: 1000000
exporters:
  nop: {}
service:
  extensions: [health_check]
  telemetry:
    logs:
      level: warn
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [groupbytrace]
      exporters: [nop]
`;
  const file = join(dir, 'otelcol-bench.yaml');
  writeFileSync(file, config);
  const proc = new Proc(binary, ['--config', file], { core, env: { ...process.env, GOMAXPROCS: '1' } });
  await waitHttp(`http://127.0.0.1:${health}/`);
  return { proc, url: `http://127.0.0.1:${port}` };
}
