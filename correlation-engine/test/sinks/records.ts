// Record builders shared by exporter tests.
import type { CorrelationEvent, LogSummary, NormalizedLog } from '../../src/model/types.js';

export function makeLog(n: number, overrides: Partial<NormalizedLog> = {}): NormalizedLog {
  return {
    timeUnixMs: 1_764_000_000_000 + n + 0.25,
    severity: 'INFO',
    service: 'beorn',
    env: 'test',
    host: 'server-124',
    message: `rec-${n}`,
    traceId: (n + 1).toString(16).padStart(32, '0'),
    spanId: (n + 1).toString(16).padStart(16, 'a'),
    keys: { circuit_id: `CIRCUIT-${n % 7}`, request_id: `req-${n}` },
    attributes: { logger: 'test', n },
    format: 'json',
    source: 'api',
    ...overrides,
  };
}

export function makeEvent(n: number, overrides: Partial<CorrelationEvent> = {}): CorrelationEvent {
  const traceId = `4bf92f3577b34da6a3ce929d0e0e${n.toString(16).padStart(4, '0')}`;
  return {
    id: `engine-1:${traceId}:1764000000000`,
    instance: 'engine-1',
    traceId,
    windowStart: '2025-11-24T16:00:00.000Z',
    windowEnd: '2025-11-24T16:01:00.000Z',
    continuation: false,
    services: ['beorn', 'palantir'],
    spanCount: 3,
    logCount: 4,
    linkedLogCount: 1,
    errorCount: 1,
    highestSeverity: 'ERROR',
    keys: { circuit_id: ['CIRCUIT-9'], resource_id: ['R-1', 'R-2'] },
    rootSpan: { spanId: '00f067aa0ba902b7', name: 'GET /api/test', service: 'beorn', durationMs: 42 },
    relatedTraces: [{ traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', key: 'circuit_id', value: 'CIRCUIT-9' }],
    detail: { spans: [], logs: [], spansCapped: false, logsCapped: false },
    ...overrides,
  };
}

/**
 * The summary of a trace-less log joined to windows through `circuit_id=CIRCUIT-9` (makeEvent's
 * key), its text with characters JSON escapes.
 */
export function linkedSummary(message = 'port "1/1" \\ flap \u2028 é'): LogSummary {
  return { timeUnixMs: 1764000000123, severity: 'WARN', service: 'bpocore', message, linkedBy: { key: 'circuit_id', value: 'CIRCUIT-9' } };
}

/** An event's detail listing these logs and no spans. */
export function detailWith(logs: LogSummary[], logsCapped = false): CorrelationEvent['detail'] {
  return { spans: [], logs, spansCapped: false, logsCapped };
}
