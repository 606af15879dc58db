/** The slice of a pino/Fastify logger the delivery code uses. */
export interface DeliveryLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Discards everything (tests, tools). */
export const silentLogger: DeliveryLogger = { info() {}, warn() {}, error() {} };
