// Correlation latency: while the mixed load runs, a probe posts one log with a fresh trace id every
// `intervalMs` and polls GET /api/correlations?trace_id=... until that trace's event is visible.
// Latency = visible - sent (the window opens on that first record, so the ideal is the window
// length); the target is p99 <= window + 1 s.
import { randomBytes } from 'node:crypto';
import { sleep } from './procs.ts';

interface Pending {
  traceId: string;
  sentAt: number;
}

export interface ProbeResult {
  probes: number;
  seen: number;
  /** visible - sent, ms. */
  latenciesMs: number[];
}

export async function probeCorrelationLatency(
  engineUrl: string,
  windowMs: number,
  durationMs: number,
  intervalMs = 250,
): Promise<ProbeResult> {
  const pending: Pending[] = [];
  const latenciesMs: number[] = [];
  let probes = 0;
  const stopSendingAt = Date.now() + durationMs;
  const giveUpAt = stopSendingAt + windowMs + 10_000;
  let nextSend = Date.now();
  while (Date.now() < giveUpAt && (Date.now() < stopSendingAt || pending.length > 0)) {
    const now = Date.now();
    if (now >= nextSend && now < stopSendingAt) {
      nextSend += intervalMs;
      const traceId = randomBytes(16).toString('hex');
      const body = JSON.stringify({
        resource: { service: 'bench-probe', env: 'bench' },
        records: [{ timestamp: new Date(now).toISOString(), severity: 'INFO', message: 'probe', trace_id: traceId }],
      });
      const sentAt = Date.now();
      const res = await fetch(`${engineUrl}/api/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await res.arrayBuffer();
      probes++;
      if (res.status === 202) pending.push({ traceId, sentAt });
    }
    // Only windows that can have closed are polled, so the probe adds little load.
    for (let i = 0; i < pending.length; ) {
      const p = pending[i] as Pending;
      if (Date.now() < p.sentAt + windowMs - 50) {
        i++;
        continue;
      }
      const res = await fetch(`${engineUrl}/api/correlations?trace_id=${p.traceId}&limit=1`);
      const events = (await res.json()) as unknown[];
      if (Array.isArray(events) && events.length > 0) {
        latenciesMs.push(Date.now() - p.sentAt);
        pending.splice(i, 1);
      } else i++;
    }
    await sleep(20);
  }
  return { probes, seen: latenciesMs.length, latenciesMs };
}
