/** The slice of a pino/Fastify logger the delivery code uses. */
export interface DeliveryLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Discards everything (tests, tools). */
export const silentLogger: DeliveryLogger = { info() {}, warn() {}, error() {} };

/**
 * The delivery is built before the Fastify app (the app takes it as an option), so its logger is
 * attached afterwards; until then lines go to stderr as JSON, never lost.
 */
export class DeferredLogger implements DeliveryLogger {
  private target: DeliveryLogger | null = null;

  /** Routes every later line to `logger`. */
  attach(logger: DeliveryLogger): void {
    this.target = logger;
  }

  info(obj: object, msg: string): void {
    this.write('info', obj, msg);
  }

  warn(obj: object, msg: string): void {
    this.write('warn', obj, msg);
  }

  error(obj: object, msg: string): void {
    this.write('error', obj, msg);
  }

  private write(level: 'info' | 'warn' | 'error', obj: object, msg: string): void {
    if (this.target) this.target[level](obj, msg);
    else process.stderr.write(`${JSON.stringify({ level, time: Date.now(), ...obj, msg })}\n`);
  }
}
