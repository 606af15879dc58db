// The GC cost the bench reads for a run: pauses from a real engine's /metrics while it takes logs,
// V8's helper threads' share of the CPU, and no reading for a server without the metric (the
// collector's and the bare route's case).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEngine } from '@obs/test-support/engine';
import { describe, expect, it, onTestFinished } from 'vitest';
import { gcCostBetween, gcTotals, type ThreadCpu } from '../src/gc-cost.ts';
import { logsWorkload } from '../src/workloads.ts';

const threads = (main: number, v8: number): ThreadCpu => ({ main, v8, libuv: 0, other: 0 });

async function serve(status: number, body: string): Promise<string> {
  const server: Server = createServer((_req, res) => res.writeHead(status).end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('GC cost of a run', () => {
  it("reads the engine's minor collections while it takes logs, as a share of the run", async () => {
    // A 1 MiB young generation: the logs below fill it many times over.
    const engine = await startEngine({ env: { NODE_OPTIONS: '--max-semi-space-size=1' } });
    onTestFinished(() => engine.stop());
    const before = await gcTotals(engine.url);
    expect(before).toBeDefined();
    const started = performance.now();
    for (const body of logsWorkload(200).bodies) {
      const res = await fetch(`${engine.url}/api/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body.bytes,
      });
      expect(res.status).toBe(202);
    }
    // prom-client counts a collection when Node's performance observer reports it, a turn later.
    await new Promise((r) => setTimeout(r, 200));
    const wallMs = performance.now() - started;
    const gc = gcCostBetween(before, await gcTotals(engine.url), wallMs, threads(1, 0.5), threads(3, 1));
    expect(gc?.pauseMs.minor).toBeGreaterThan(0);
    const total = Object.values(gc?.pauseMs ?? {}).reduce((a, b) => a + b, 0);
    expect(gc?.pauseShare).toBeCloseTo(total / wallMs, 3);
    expect(gc?.pauseShare).toBeLessThan(1);
    // 0.5 of the 2.5 CPU seconds between the readings were V8's threads'.
    expect(gc?.v8ThreadShare).toBe(0.2);
  });

  it('has nothing for a server without the metric, or without /metrics', async () => {
    expect(await gcTotals(await serve(404, 'not found'))).toBeUndefined();
    expect(await gcTotals(await serve(200, 'otelcol_process_uptime 12\n'))).toBeUndefined();
    expect(gcCostBetween(undefined, { minor: 1 }, 1000, threads(0, 0), threads(1, 0))).toBeUndefined();
  });
});
