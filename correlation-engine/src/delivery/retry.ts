// Pure helpers for retry timing: exponential backoff with full jitter, and Retry-After parsing.

export interface BackoffOptions {
  /** First delay ceiling in ms. */
  initialMs: number;
  /** Upper bound of any computed delay in ms. */
  maxMs: number;
}

/**
 * Full jitter (a uniform delay between 0 and min(max, initial * 2^attempt)): retries of many
 * senders spread out instead of arriving at the backend in waves.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeilingMs(attempt, options));
}

/** The longest delay the backoff may pick for `attempt` (0-based): its current level, without jitter. */
export function backoffCeilingMs(attempt: number, options: BackoffOptions): number {
  return Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
}

/**
 * Retry-After is either delay-seconds or an HTTP date (RFC 9110 10.2.3). Returns ms from now,
 * or undefined when the header is absent or unreadable. Past dates mean "now" (0).
 */
export function parseRetryAfterMs(value: string | null | undefined, nowMs = Date.now()): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Whether an HTTP status is worth retrying: timeouts, rate limits and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
