// ops/test-traffic.sh against the real, built correlation engine (node dist/server.js, a 1 s
// window): the engine accepts both records the script sends (202) and --verify finds the
// correlation event the trace-less Blue Planet line and the demo record produce.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEngine, startEngine } from '../../stack/src/engine-process.js';
import { repoRoot, runScript } from '../lib/run-script.js';

let engine: RunningEngine;

beforeAll(async () => {
  engine = await startEngine(join(repoRoot, 'correlation-engine'), { CORR_WINDOW_SECONDS: '1' });
}, 30_000);

afterAll(async () => {
  await engine?.stop();
});

describe('ops/test-traffic.sh -> real engine', () => {
  it('gets 202 for the demo record and the Blue Planet line, then sees the correlation', async () => {
    const r = await runScript('ops/test-traffic.sh', ['--no-apps', '--verify', '20'], {
      env: { ENGINE_URL: engine.url, COUNT: '1', CIRCUIT_PREFIX: 'OPS', GATEWAY_OTLP_URL: '' },
      timeoutMs: 30_000,
    });
    expect(r.code, `${r.stdout}\n${r.stderr}\n${engine.output()}`).toBe(0);
    expect(r.stdout).toMatch(/^ok {4}engine \/api\/logs demo record trace_id=[0-9a-f]{32} -> HTTP 202$/m);
    expect(r.stdout).toMatch(/^ok {4}engine \/api\/logs blueplanet line circuit_id=OPS-\d+-1 -> HTTP 202$/m);
    const circuit = /^circuits: (\S+)$/m.exec(r.stdout)?.[1] ?? '';
    const trace = /^traces: (\S+)$/m.exec(r.stdout)?.[1] ?? '';
    expect(r.stdout).toMatch(new RegExp(`^correlated: ${circuit} \\(\\d+ event\\(s\\)\\)$`, 'm'));

    const events = (await (await fetch(`${engine.url}/api/correlations?circuit_id=${circuit}`)).json()) as {
      traceId: string;
      logCount: number;
      keys: { circuit_id?: string[] };
    }[];
    const event = events.find((e) => e.traceId === trace);
    expect(event?.keys.circuit_id).toContain(circuit);
    // The demo record carries the trace; the Blue Planet line only the circuit id, and joins it.
    expect(event?.logCount).toBe(2);
  }, 40_000);
});
