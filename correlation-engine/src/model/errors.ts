// Errors the core (correlate/, memory/) throws in its own terms. Which HTTP status and headers they
// become is decided in one place, http/plugins/error-handler.ts, so the core never speaks HTTP.

/** The engine cannot take the records now (memory short, or they could not be persisted); the client should retry. */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
  /** How long the client should wait before retrying. */
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
