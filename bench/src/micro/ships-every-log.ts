// An exporter stand-in for micro-benchmarks that fill the durable queue through DurableDelivery
// without starting an exporter: it ships every log, so every accepted log is queued.
type QueueExporter = import('../../../correlation-engine/src/delivery/queue-exporter.ts').QueueExporter;

export const SHIPS_EVERY_LOG = { wantsLog: () => true } as unknown as QueueExporter;
