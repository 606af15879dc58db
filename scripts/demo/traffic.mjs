// The demo's test traffic: cross-service requests with business keys, the seed's demo log
// (with a trace_id of its own) and a Blue Planet line that carries nothing but a circuit id.
import { randomBytes } from 'node:crypto';

const hex = (bytes) => randomBytes(bytes).toString('hex');

export function demoCircuits(now = Date.now()) {
  const stamp = Math.floor(now / 1000);
  return { ok: `DEMO-${stamp}-A`, second: `DEMO-${stamp}-B`, failing: `DEMO-${stamp}-C` };
}

async function getJson(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = await res.json().catch(() => ({}));
  return { status: res.status, requestId: res.headers.get('x-request-id'), body };
}

async function postLogs(engineUrl, payload) {
  const res = await fetch(`${engineUrl}/api/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await res.json().catch(() => ({}));
  if (res.status !== 202) throw new Error(`POST /api/logs answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

/** Sends everything; `say` prints one progress line per step. Returns what was sent. */
export async function sendTraffic({ engineUrl, appUrls, circuits, say }) {
  const keys = (circuit, n) => `circuit_id=${circuit}&product_id=PROD-00${n}&resource_id=RES-${circuit}&resource_type_id=RT-ROUTER`;
  const chain = ['beorn', 'palantir', 'arda'];
  const calls = [
    { label: 'beorn', url: `${appUrls.beorn}/api/test?${keys(circuits.ok, 1)}`, services: chain },
    { label: 'beorn', url: `${appUrls.beorn}/api/test?${keys(circuits.second, 2)}`, services: chain },
    { label: 'beorn fail=true', url: `${appUrls.beorn}/api/test?${keys(circuits.failing, 3)}&fail=true`, services: chain },
    // The seed's step 3 also calls palantir and arda directly: separate traces that share the
    // circuit id, so the engine lists them as related traces.
    { label: 'palantir', url: `${appUrls.palantir}/api/test?circuit_id=${circuits.ok}`, services: ['palantir', 'arda'] },
    { label: 'arda', url: `${appUrls.arda}/api/test?circuit_id=${circuits.ok}`, services: ['arda'] },
  ];
  const traces = [];
  for (const call of calls) {
    const { status, requestId, body } = await getJson(call.url);
    const circuit = new URL(call.url).searchParams.get('circuit_id');
    const outcome = status === 200 ? 'ok' : `${body.error ?? 'error'} (failed hop: ${body.failedHop ?? '?'})`;
    say(
      `GET ${call.label.padEnd(15)} circuit_id=${circuit}  -> ${status} ${outcome}  trace_id=${body.trace_id ?? '?'} request_id=${requestId}`,
    );
    if (body.trace_id) traces.push({ traceId: body.trace_id, services: call.services });
  }

  // The apps export in batches; a trace-less log links only to windows already open, so wait
  // until the engine has seen every service of every trace before sending the Blue Planet line.
  say("waiting until the engine has received the apps' spans and logs ...");
  const missing = await waitForTraces(engineUrl, traces, 15_000);
  if (missing.length) say(`still missing after 15 s: ${missing.join(', ')} (continuing)`);

  const demoTraceId = hex(16);
  await postLogs(engineUrl, {
    resource: { service: 'demo', host: 'demo-host', env: 'dev' },
    records: [
      {
        timestamp: new Date().toISOString(),
        severity: 'INFO',
        message: 'Demo: Order processing started',
        trace_id: demoTraceId,
        circuit_id: circuits.ok,
        product_id: 'PROD-001',
        request_id: `REQ-${hex(4)}`,
      },
    ],
  });
  say(`POST /api/logs   seed demo log       trace_id=${demoTraceId} circuit_id=${circuits.ok}`);

  const bpLine = `${blueplanetTimestamp(new Date())} ERROR [bpocore-worker-3] com.ciena.bp.ra.DeviceAdapter - Device NE-ALBANY-07 rejected config (circuit_id=${circuits.ok})`;
  await postLogs(engineUrl, {
    resource: { service: 'blueplanet', host: 'mdso-dev', env: 'dev' },
    records: [{ timestamp: new Date().toISOString(), severity: 'ERROR', message: bpLine }],
  });
  say(`POST /api/logs   Blue Planet line    (no trace id) "${bpLine}"`);
  return { demoTraceId, bpLine };
}

async function servicesSeen(engineUrl, traceId) {
  const res = await fetch(`${engineUrl}/api/logs?trace_id=${traceId}&limit=200`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) return new Set();
  return new Set((await res.json()).map((log) => log.service));
}

/** Returns `trace/service` pairs still missing when `timeoutMs` ran out (empty when complete). */
async function waitForTraces(engineUrl, traces, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing = [];
    for (const t of traces) {
      const seen = await servicesSeen(engineUrl, t.traceId);
      for (const s of t.services) if (!seen.has(s)) missing.push(`${t.traceId.slice(0, 8)}/${s}`);
    }
    if (missing.length === 0 || Date.now() > deadline) return missing;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `2026-11-24 21:40:04,552`: the format of Blue Planet's log4j lines (UTC here). */
function blueplanetTimestamp(d) {
  const iso = d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)},${iso.slice(20, 23)}`;
}
