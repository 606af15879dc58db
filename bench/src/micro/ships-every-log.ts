// An exporter stand-in for micro-benchmarks that fill the durable queue through DurableDelivery
// without starting an exporter: it ships every log, so every accepted log is queued, and takes no
// OTLP request bodies. Typed as the part of QueueExporter the queue's producer side asks, so a
// question added there fails the typecheck here instead of the benchmark at run time.
type QueueExporter = import('../../../correlation-engine/src/delivery/queue-exporter.ts').QueueExporter;

const asked: Pick<QueueExporter, 'wantsLog' | 'takesOtlpLogs'> = { wantsLog: () => true, takesOtlpLogs: () => false };

export const SHIPS_EVERY_LOG = asked as QueueExporter;
