// A durable delivery as the engine opens it from its settings, over a data dir of the test's own,
// and Loki and Datadog sinks for it to export to: all gone when the test finishes. For tests that
// queue rows, damage or hand-write them, and watch what each exporter ships or sets aside.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createDelivery } from '../../src/delivery/create-delivery.js';
import type { DurableDelivery } from '../../src/delivery/durable-delivery.js';
import { createMetrics } from '../../src/metrics.js';
import { createDatadogSink } from '../sinks/datadog-sink.js';
import { createLokiSink } from '../sinks/loki-sink.js';

/** The API key the Datadog sink expects. */
export const DD_KEY = 'dd-test-key-0123456789';

/** A directory removed when the test finishes. */
export function testDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A Loki sink and a Datadog sink, up until the test finishes, and the settings that export to both. */
export async function lokiAndDatadog() {
  const loki = createLokiSink();
  const dd = createDatadogSink(DD_KEY);
  await loki.up();
  await dd.up();
  onTestFinished(() => loki.down());
  onTestFinished(() => dd.down());
  const env = { LOKI_URL: loki.url, DATADOG_API_KEY: DD_KEY, DATADOG_LOGS_URL: `${dd.url}/api/v2/logs` };
  return { loki, dd, env };
}

/** A delivery opened (not started) from these settings, on top of an instance id, an env and a short linger. */
export function openDelivery(env: Record<string, string>): DurableDelivery {
  const config = loadConfig({ ENGINE_INSTANCE_ID: 'engine-1', DEFAULT_ENV: 'test', EXPORT_LINGER_MS: '10', ...env });
  return createDelivery(config, {
    metrics: createMetrics({ instanceId: 'engine-1', defaultMetrics: false }),
    logger: { info() {}, warn() {}, error() {} },
    version: '9.9.9',
  }) as DurableDelivery;
}
