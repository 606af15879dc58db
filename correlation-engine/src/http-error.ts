// An error that carries the HTTP status to answer with. Fastify's error handler reads
// `statusCode`; 4xx messages are shown to the client, so they must name the problem.
export class HttpError extends Error {
  override name = 'HttpError';
  readonly statusCode: number;

  constructor(statusCode: number, message: string) {
    super(message);
    this.statusCode = statusCode;
  }
}
