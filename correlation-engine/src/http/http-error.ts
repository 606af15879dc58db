// An error that carries the HTTP status to answer with. Fastify's error handler reads
// `statusCode`; 4xx messages are shown to the client, so they must name the problem.
export class HttpError extends Error {
  override name = 'HttpError';
  readonly statusCode: number;
  /** Sent as Retry-After (429/503 answers clients should retry). */
  readonly retryAfterSeconds: number | undefined;

  constructor(statusCode: number, message: string, retryAfterSeconds?: number) {
    super(message);
    this.statusCode = statusCode;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
