// Polling with a deadline: the pipeline is asynchronous end to end (batching, retries, windows),
// so assertions wait for a condition instead of sleeping a fixed time.
export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

/** Calls `probe` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** GET url until it answers 2xx. */
export async function waitForHttpOk(url: string, timeoutMs: number, init?: RequestInit): Promise<void> {
  await waitFor(`${url} to answer 2xx`, async () => (await fetch(url, { ...init, signal: AbortSignal.timeout(2_000) })).ok, timeoutMs);
}
