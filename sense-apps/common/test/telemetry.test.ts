// The --import bootstrap as a real process: off without an endpoint, never fatal, and it
// flushes on SIGTERM so a span made just before shutdown is not lost.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpJsonReceiver, startOtlpJsonReceiver } from './helpers/otlp-json-receiver.js';
import {
  buildPackages,
  eventually,
  freePort,
  type RunningProcess,
  senseAppsDir,
  startProcess,
  startSenseApp,
  waitForHealth,
} from './helpers/processes.js';

const commonDir = join(senseAppsDir, 'common');
// Prints which tracer provider the process ended up with.
const PROBE = `
import { trace } from '@opentelemetry/api';
const p = trace.getTracerProvider();
console.log('provider=' + (p.getDelegate?.() ?? p).constructor.name);
`;

function probe(env: NodeJS.ProcessEnv): RunningProcess {
  return startProcess('probe', ['--import', './dist/telemetry/telemetry.js', '--input-type=module', '-e', PROBE], commonDir, {
    OTEL_EXPORTER_OTLP_ENDPOINT: '',
    OTEL_METRICS_EXPORTER: 'none',
    ...env,
  });
}

let receiver: OtlpJsonReceiver;
const started: RunningProcess[] = [];

beforeAll(async () => {
  buildPackages('sense-apps/common', 'sense-apps/beorn', 'sense-apps/palantir', 'sense-apps/arda');
  receiver = await startOtlpJsonReceiver();
}, 120_000);

afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()));
  await receiver?.close();
});

describe('telemetry bootstrap', () => {
  it('is a no-op without OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    const p = probe({});
    expect(await p.exited).toBe(0);
    expect(p.output()).toContain('provider=NoopTracerProvider');
  });

  it('starts the SDK when an endpoint is set', async () => {
    const p = probe({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    expect(await p.exited).toBe(0);
    expect(p.output()).toMatch(/provider=(?!Noop)\w+/);
  });

  it('honours OTEL_SDK_DISABLED', async () => {
    const p = probe({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SDK_DISABLED: 'true' });
    expect(await p.exited).toBe(0);
    expect(p.output()).toContain('provider=NoopTracerProvider');
  });

  it('never breaks the app: an unusable endpoint still lets arda serve', async () => {
    const port = await freePort();
    const arda = startSenseApp('arda', {
      HOST: '127.0.0.1',
      PORT: String(port),
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1/nothing-listens',
      OTEL_METRICS_EXPORTER: 'none',
    });
    started.push(arda);
    await waitForHealth(`http://127.0.0.1:${port}/health`, arda);
    const res = await fetch(`http://127.0.0.1:${port}/api/test?circuit_id=C-X`);
    expect(res.status).toBe(200);
  });

  it('keeps SIGTERM fatal for a program without its own handler (flush, then the default)', async () => {
    const p = startProcess(
      'no-handler',
      ['--import', './dist/telemetry/telemetry.js', '--input-type=module', '-e', 'setInterval(() => {}, 1000); console.log("ready");'],
      commonDir,
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_METRICS_EXPORTER: 'none',
      },
    );
    started.push(p);
    await eventually(() => (p.output().includes('ready') ? true : undefined), 10_000, 'the program to start');
    p.child.kill('SIGTERM');
    await p.exited;
    expect(p.child.signalCode).toBe('SIGTERM');
  });

  it('flushes on SIGTERM and lets the app exit 0', async () => {
    const port = await freePort();
    const arda = startSenseApp('arda', {
      HOST: '127.0.0.1',
      PORT: String(port),
      OTEL_SERVICE_NAME: 'arda',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_METRICS_EXPORTER: 'none',
      // Far longer than the test: only the shutdown flush can deliver the span.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      OTEL_BLRP_SCHEDULE_DELAY: '600000',
    });
    started.push(arda);
    await waitForHealth(`http://127.0.0.1:${port}/health`, arda);
    const res = await fetch(`http://127.0.0.1:${port}/api/test`, { headers: { 'x-request-id': 'req-flush-1' } });
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.spans.some((s) => s.attributes.request_id === 'req-flush-1')).toBe(false);

    arda.child.kill('SIGTERM');
    expect(await arda.exited).toBe(0);
    await eventually(() => receiver.spans.find((s) => s.attributes.request_id === 'req-flush-1'), 2000, 'the flushed span');
    expect(receiver.logs.some((l) => l.service === 'arda' && l.body === 'shutting down')).toBe(true);
  });
});
