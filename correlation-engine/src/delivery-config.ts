// Environment variables of the exporters (Loki, Tempo, Datadog) and their durable queue.
// config.ts merges this schema into the engine's configuration, so a bad value here is reported
// together with every other bad variable at start-up.
import { z } from 'zod';
import { envBoolean, envEnum, envInt, envOptionalString, envOptionalUrl, envString } from './env-schema.js';

/** Smallest dead-letter budget: room for a few rejected batches per exporter. */
export const MIN_DEAD_LETTER_BYTES = 64 * 1024;
/** DEAD_LETTER_MAX_BYTES when unset, as a share of QUEUE_MAX_BYTES. */
export const DEAD_LETTER_SHARE_OF_QUEUE = 0.25;

/**
 * What the data directory may hold beyond QUEUE_MAX_BYTES + DEAD_LETTER_MAX_BYTES: the queue's
 * SQLite write-ahead log between checkpoints, its kept free pages (4 MiB) and page overhead.
 */
export const DATA_DIR_OVERHEAD_BYTES = 24 * 1024 * 1024;

export const exportersEnvSchema = z
  .object({
    LOKI_URL: envOptionalUrl(),
    LOKI_TRACE_ID_LABEL: envBoolean(false),
    LOKI_EXPORT_OTLP_LOGS: envBoolean(false),
    LOKI_OTLP_LOGS_FORM: envEnum(['otlp', 'push'] as const, 'otlp'),
    LOKI_EVENT_LOG_MESSAGES: envEnum(['auto', 'quote', 'refer'] as const, 'auto'),
    TEMPO_OTLP_URL: envOptionalUrl(),
    DATADOG_API_KEY: envOptionalString(),
    DATADOG_SITE: envString('datadoghq.com'),
    ENGINE_DATA_DIR: envString('./data'),
    ENGINE_DATA_DIR_SLOTS: envInt(0, 0, 1024),
    // Delivery knobs (docs/delivery.md; the variables are in correlation-engine/README.md, Configuration).
    LOKI_FORMAT: envEnum(['json', 'protobuf'] as const, 'json'),
    LOKI_TENANT_ID: envOptionalString(),
    // Loki's default max_line_size is 256 KB; a longer line would get the whole push rejected.
    LOKI_MAX_LINE_BYTES: envInt(256 * 1024, 1024),
    LOKI_BATCH_MAX_BYTES: envInt(1024 * 1024, 1024),
    TEMPO_BATCH_MAX_SPANS: envInt(512, 1),
    DATADOG_LOGS_URL: envOptionalUrl(),
    QUEUE_MAX_BYTES: envInt(256 * 1024 * 1024, 1024),
    QUEUE_SYNC: envEnum(['full', 'normal'] as const, 'full'),
    // 0 (or unset): a quarter of QUEUE_MAX_BYTES (docs/dead-letters.md).
    DEAD_LETTER_MAX_BYTES: envInt(0, 0).refine((v) => v === 0 || v >= MIN_DEAD_LETTER_BYTES, {
      error: `must be 0 (a quarter of QUEUE_MAX_BYTES) or >= ${MIN_DEAD_LETTER_BYTES}`,
    }),
    // Each batch is committed in one SQLite transaction (cursor, delete, free pages): fewer, larger
    // batches spend less per record on it; EXPORT_BATCH_MAX_BYTES still bounds the memory a batch holds.
    EXPORT_BATCH_MAX_RECORDS: envInt(2000, 1, 100_000),
    EXPORT_BATCH_MAX_BYTES: envInt(4 * 1024 * 1024, 1024),
    EXPORT_LINGER_MS: envInt(200, 0),
    EXPORT_RETRY_INITIAL_MS: envInt(500, 1),
    EXPORT_RETRY_MAX_MS: envInt(30_000, 1),
    EXPORT_MAX_ATTEMPTS: envInt(0, 0),
    EXPORT_REQUEST_TIMEOUT_MS: envInt(10_000, 100),
    EXPORT_SHUTDOWN_DEADLINE_MS: envInt(10_000, 0),
  })
  .transform((env) => ({
    loki: {
      /** Base URL (e.g. http://loki:3100); the push path is appended. Unset = no Loki export. */
      url: env.LOKI_URL,
      /** Opt-in: trace_id as a stream label (unbounded cardinality; structured metadata otherwise). */
      traceIdLabel: env.LOKI_TRACE_ID_LABEL,
      /** Also push logs that arrived over OTLP (the gateway normally sends those to Loki itself). */
      exportOtlpLogs: env.LOKI_EXPORT_OTLP_LOGS,
      /** `otlp`: those requests forwarded as received to Loki's OTLP endpoint; `push`: each record a push line. */
      otlpLogsForm: env.LOKI_OTLP_LOGS_FORM,
      /**
       * Whether the logs an event lists carry their text (`quote`) or only what finds their own
       * line in Loki (`refer`). `auto`: `refer` when this engine ships every log it accepts to Loki
       * (LOKI_EXPORT_OTLP_LOGS=true), so each text would otherwise be shipped twice.
       */
      eventLogMessages:
        env.LOKI_EVENT_LOG_MESSAGES === 'auto'
          ? env.LOKI_URL && env.LOKI_EXPORT_OTLP_LOGS
            ? ('refer' as const)
            : ('quote' as const)
          : env.LOKI_EVENT_LOG_MESSAGES,
      /** `json` (gzip) or `protobuf` (snappy). */
      format: env.LOKI_FORMAT,
      /** X-Scope-OrgID for multi-tenant Loki. */
      tenantId: env.LOKI_TENANT_ID,
      maxLineBytes: env.LOKI_MAX_LINE_BYTES,
      batchMaxBytes: env.LOKI_BATCH_MAX_BYTES,
    },
    tempo: {
      /** OTLP/HTTP base URL (e.g. http://tempo:4318); unset = no synthetic correlation spans. */
      url: env.TEMPO_OTLP_URL,
      batchMaxSpans: env.TEMPO_BATCH_MAX_SPANS,
    },
    datadog: {
      /** Datadog is off unless a key is set. Never logged. */
      apiKey: env.DATADOG_API_KEY,
      site: env.DATADOG_SITE,
      /** Overrides the intake URL derived from the site (proxies, tests). */
      logsUrl: env.DATADOG_LOGS_URL,
    },
    queue: {
      /** Backlog bound: over it, ingest answers 429/503 and /ready reports not ready. */
      maxBytes: env.QUEUE_MAX_BYTES,
      /**
       * `full`: every append is fsync'd (accepted records survive power loss); a consumer's cursor
       * becomes durable with the next append (a power cut may re-send a batch). `normal`: survives
       * process crashes only.
       */
      sync: env.QUEUE_SYNC,
    },
    delivery: {
      batchMaxRecords: env.EXPORT_BATCH_MAX_RECORDS,
      /** Bytes of queued records one exporter holds in memory per batch. */
      batchMaxBytes: env.EXPORT_BATCH_MAX_BYTES,
      lingerMs: env.EXPORT_LINGER_MS,
      retryInitialMs: env.EXPORT_RETRY_INITIAL_MS,
      retryMaxMs: Math.max(env.EXPORT_RETRY_INITIAL_MS, env.EXPORT_RETRY_MAX_MS),
      /** 0 = retry transient failures until delivered (the backlog bound then pushes back on clients). */
      maxAttempts: env.EXPORT_MAX_ATTEMPTS,
      requestTimeoutMs: env.EXPORT_REQUEST_TIMEOUT_MS,
      /** How long SIGTERM may spend flushing exporters; what is left stays queued on disk. */
      shutdownDeadlineMs: env.EXPORT_SHUTDOWN_DEADLINE_MS,
    },
    deadLetter: {
      /** Bound on all dead-letter files together (split evenly between the exporters). */
      maxBytes:
        env.DEAD_LETTER_MAX_BYTES > 0
          ? env.DEAD_LETTER_MAX_BYTES
          : Math.max(MIN_DEAD_LETTER_BYTES, Math.floor(env.QUEUE_MAX_BYTES * DEAD_LETTER_SHARE_OF_QUEUE)),
    },
    /** Where the durable export queue keeps its files. */
    dataDir: env.ENGINE_DATA_DIR,
    /** ENGINE_DATA_DIR_SLOTS: >0 = dataDir is shared by replicas, each claims one slot-<i> below it (data-dir-claim.ts). */
    dataDirSlots: env.ENGINE_DATA_DIR_SLOTS,
  }));

export type ExportersConfig = z.output<typeof exportersEnvSchema>;
