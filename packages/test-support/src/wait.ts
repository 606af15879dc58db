// Polling with a deadline: what the tests wait for (a server up, a record delivered, a window
// closed) happens asynchronously, so they wait for the condition instead of sleeping a fixed time.
export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** true: a probe that throws counts as "not yet" (a server still starting); false: the error fails the wait. */
  retryOnError?: boolean;
}

/** Calls `probe` until it returns a value other than undefined/false; throws WaitTimeoutError naming `what`. */
export async function poll<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: PollOptions,
): Promise<T> {
  const { timeoutMs, intervalMs = 250, retryOnError = true } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      if (!retryOnError) throw err;
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** `poll` where a throwing probe means "not ready yet". */
export function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  return poll(what, probe, { timeoutMs, intervalMs });
}

/** `poll` where a throwing probe fails the wait at once (the probe's own assertion message shows). */
export function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  what = 'condition',
  intervalMs = 50,
): Promise<T> {
  return poll(what, probe, { timeoutMs, intervalMs, retryOnError: false });
}

/** GET `url` until it answers 2xx. */
export async function waitForHttpOk(url: string, timeoutMs = 30_000, init?: RequestInit): Promise<void> {
  await waitFor(
    `${url} to answer 2xx`,
    async () => {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      return res.ok;
    },
    timeoutMs,
    100,
  );
}
