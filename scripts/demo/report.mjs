// Prints correlation events as a readable summary, one block per trace.
const short = (id) => (id ? `${id.slice(0, 12)}…` : '-');

/** Services with spans in call order (first span start), then services seen only in logs. */
function describeServices(event) {
  const spans = [...(event.detail?.spans ?? [])].sort((a, b) => a.startUnixMs - b.startUnixMs);
  const traced = [];
  for (const s of spans) if (!traced.includes(s.service)) traced.push(s.service);
  const logOnly = (event.services ?? []).filter((s) => !traced.includes(s));
  const parts = [];
  if (traced.length) parts.push(traced.join(' -> '));
  if (logOnly.length) parts.push(`${traced.length ? '+ ' : ''}logs from ${logOnly.join(', ')}`);
  return parts.join('  ');
}

export function formatEvent(event) {
  const lines = [];
  const root = event.rootSpan
    ? `${event.rootSpan.service} "${event.rootSpan.name}" ${Math.round(event.rootSpan.durationMs)} ms`
    : 'no root span (logs only)';
  lines.push(`trace ${event.traceId}${event.continuation ? ' (continuation)' : ''}`);
  lines.push(`  services   ${describeServices(event)}`);
  lines.push(`  root       ${root}`);
  lines.push(
    `  counts     spans ${event.spanCount}, logs ${event.logCount} (${event.linkedLogCount} linked by business key), errors ${event.errorCount}, highest severity ${event.highestSeverity ?? '-'}`,
  );
  // The error span that started last is usually where the failure began (callers fail after it).
  const failed = (event.detail?.spans ?? []).filter((sp) => sp.status === 'ERROR').sort((a, b) => b.startUnixMs - a.startUnixMs)[0];
  if (failed) lines.push(`  failed at  ${failed.service} "${failed.name}"`);
  const keys = Object.entries(event.keys ?? {})
    .filter(([k]) => k !== 'request_id')
    .map(([k, v]) => `${k}=${v.join(',')}`);
  if (keys.length) lines.push(`  keys       ${keys.join('  ')}`);
  for (const log of event.detail?.logs ?? []) {
    if (log.linkedBy) lines.push(`  linked     [${log.service}] ${log.message}  (by ${log.linkedBy.key}=${log.linkedBy.value})`);
  }
  for (const rel of event.relatedTraces ?? []) lines.push(`  related    trace ${short(rel.traceId)} shares ${rel.key}=${rel.value}`);
  return lines.join('\n');
}

/** True when an event spans the three apps and carries a log linked from Blue Planet. */
export function isHeadlineEvent(event, circuit) {
  const services = new Set(event.services ?? []);
  const spansChain = ['beorn', 'palantir', 'arda'].every((s) => services.has(s));
  const hasCircuit = (event.keys?.circuit_id ?? []).includes(circuit);
  const linkedBp = (event.detail?.logs ?? []).some((l) => l.linkedBy && l.service === 'blueplanet');
  return spansChain && hasCircuit && linkedBp;
}
