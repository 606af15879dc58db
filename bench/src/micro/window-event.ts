// A closed correlation window as the micro-benchmarks queue it next to workload-1 logs: ~11 of a
// request's logs, shaped as the correlator emits them (~2.8 KB of JSON). Workload 1 closes about
// three windows per request of 50 logs.
type NormalizedLog = import('../../../correlation-engine/src/model/types.ts').NormalizedLog;
type CorrelationEvent = import('../../../correlation-engine/src/model/types.ts').CorrelationEvent;

/** Window `i` of the request whose logs are `logs`. */
export function windowEvent(logs: NormalizedLog[], i: number): CorrelationEvent {
  const own = logs.filter((_, k) => k % 4 === i % 4).slice(0, 11);
  const first = own[0] as NormalizedLog;
  const traceId = first.traceId ?? '0'.repeat(32);
  return {
    id: `bench:${traceId}:${i}`,
    instance: 'bench',
    traceId,
    windowStart: new Date(first.timeUnixMs).toISOString(),
    windowEnd: new Date(first.timeUnixMs + 2000).toISOString(),
    continuation: false,
    services: [...new Set(own.map((l) => l.service))],
    spanCount: 0,
    logCount: own.length,
    linkedLogCount: 0,
    errorCount: own.filter((l) => l.severity === 'ERROR').length,
    highestSeverity: 'ERROR',
    keys: { circuit_id: [...new Set(own.flatMap((l) => (l.keys.circuit_id ? [l.keys.circuit_id] : [])))] },
    rootSpan: null,
    relatedTraces: [],
    detail: {
      spans: [],
      logs: own.map((l) => ({ timeUnixMs: l.timeUnixMs, severity: l.severity, service: l.service, message: l.message, spanId: l.spanId })),
      spansCapped: false,
      logsCapped: false,
    },
  };
}
