// Prometheus metrics of one engine instance. Each call builds its own Registry (never the
// prom-client global one): several apps live in one process in tests, and a replica's metrics
// must not leak into another's. Metric names are a contract with the dashboard and alert rules.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { registerDataDirMetrics } from './data-dir-metrics.js';

export interface MetricsOptions {
  /** Added to every series as `engine_instance` (correlation-engine/README.md: `instance` is Prometheus's own). */
  instanceId: string;
  /** Process/runtime metrics (on by default; tests building many apps may turn them off). */
  defaultMetrics?: boolean;
  /** Distinct `service` label values kept before the rest fold into "other". */
  maxServices?: number;
  /** ENGINE_DATA_DIR: when set, its used bytes and its filesystem's free/total bytes are exported. */
  dataDir?: string;
}

/** What the memory budget reports at each scrape (memory/memory-budget.ts). */
export interface MemoryReport {
  budgetBytes: number;
  source: string;
  accounted: Readonly<Record<string, number>>;
  pressure: number;
  /** 0 normal, 1 closing windows early, 2 dropping detail, 3 refusing ingest. */
  stage: number;
}

export interface Metrics {
  registry: Registry;
  eventsTotal: Counter<never>;
  recordsReceived: Counter<'signal' | 'service'>;
  openWindows: Gauge<never>;
  windowRecords: Histogram<never>;
  recordsDropped: Counter<'reason'>;
  /**
   * Counts drops into recordsDropped as of the next scrape: the correlator reports a drop per
   * record under load (a full waiting buffer drops one log per log), and a labelled Counter.inc()
   * hashes its labels on every call, while this is one Map update.
   */
  countDropped(reason: string, count: number): void;
  windowsEvicted: Counter<never>;
  linkedLogs: Counter<never>;
  exporterSent: Counter<'exporter'>;
  exporterFailed: Counter<'exporter' | 'reason'>;
  exporterQueueDepth: Gauge<'exporter'>;
  exporterRetries: Counter<'exporter'>;
  exporterDeadLetter: Counter<'exporter'>;
  exporterOldestUnsentAge: Gauge<'exporter'>;
  deliveryBacklogBytes: Gauge<never>;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  grpcDuration: Histogram<'grpc_method' | 'grpc_code'>;
  memoryShed: Counter<'reason'>;
  /** Full collections the memory budget ran to confirm a heap reading before refusing ingest. */
  memoryCollections: Counter<never>;
  memoryCollectionSeconds: Counter<never>;
  /** Open windows read by query and live-stream walks (docs/live-correlations.md). */
  openWindowsRead: Counter<never>;
  /** Time from a record's arrival to its visibility, on the API or on the live stream. */
  visibility: Histogram<'surface'>;
  liveStreams: Gauge<never>;
  liveStreamsRefused: Counter<never>;
  liveStreamsDropped: Counter<'reason'>;
  liveBufferedBytes: Gauge<never>;
  liveUpdates: Counter<never>;
  liveResyncs: Counter<never>;
  /** Cluster records (key sightings, probes, links, related traces) sent to and received from the gateway (cluster-linking/). */
  clusterRecords: Counter<'kind' | 'direction'>;
  /** Cluster records not applied or not sent, by reason (late, duplicate, dedupe_full, undecodable, rejected, buffer_full, persist_failed). */
  clusterDropped: Counter<'reason'>;
  /** Bytes of cluster records the gateway has not taken yet (their durable queue). */
  clusterBufferBytes: Gauge<never>;
  /** Where the memory gauges read from; they are read at scrape time, never per record. */
  setMemoryReporter(report: () => MemoryReport): void;
  /** Maps a service name to a bounded label value. */
  serviceLabel(service: string): string;
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ engine_instance: options.instanceId });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  if (options.dataDir !== undefined) registerDataDirMetrics(registry, options.dataDir);

  const registers = [registry];
  const maxServices = options.maxServices ?? 200;
  const services = new Set<string>();
  let memoryReport: (() => MemoryReport) | undefined;
  const droppedSinceScrape = new Map<string, number>();

  new Gauge({
    name: 'engine_memory_budget_bytes',
    help: 'The memory limit the engine sheds against, by where it came from (env, cgroup_v2, cgroup_v1, v8_heap).',
    labelNames: ['source'] as const,
    registers,
    collect() {
      const r = memoryReport?.();
      this.reset();
      if (r) this.set({ source: r.source }, r.budgetBytes);
    },
  });
  new Gauge({
    name: 'engine_memory_accounted_bytes',
    help: 'Estimated bytes held by each kind of state that grows with traffic.',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      const r = memoryReport?.();
      if (r) for (const [kind, bytes] of Object.entries(r.accounted)) this.set({ kind }, bytes);
    },
  });
  new Gauge({
    name: 'engine_memory_pressure_ratio',
    help: 'Memory pressure: the larger of accounted state / its budget and heap used / its budget (shedding starts at 0.7).',
    registers,
    collect() {
      const r = memoryReport?.();
      if (r) this.set(r.pressure);
    },
  });
  new Gauge({
    name: 'engine_memory_shed_stage',
    help: 'Shedding stage: 0 normal, 1 closing oldest windows early, 2 dropping detail, 3 refusing ingest (503).',
    registers,
    collect() {
      const r = memoryReport?.();
      if (r) this.set(r.stage);
    },
  });

  return {
    registry,
    eventsTotal: new Counter({
      name: 'correlation_events_total',
      help: 'Correlation events emitted (one per closed window).',
      registers,
    }),
    recordsReceived: new Counter({
      name: 'correlation_records_received_total',
      help: 'Records accepted for correlation, by signal (logs, traces = spans, metrics = data points) and service.',
      labelNames: ['signal', 'service'] as const,
      registers,
    }),
    openWindows: new Gauge({
      name: 'correlation_open_windows',
      help: 'Correlation windows currently open.',
      registers,
    }),
    windowRecords: new Histogram({
      name: 'correlation_window_records',
      help: 'Records (spans + logs) per closed correlation window.',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000],
      registers,
    }),
    recordsDropped: new Counter({
      name: 'correlation_records_dropped_total',
      help: 'Records or details left out because a bound was reached, by reason.',
      labelNames: ['reason'] as const,
      registers,
      collect() {
        for (const [reason, n] of droppedSinceScrape) this.inc({ reason }, n);
        droppedSinceScrape.clear();
      },
    }),
    windowsEvicted: new Counter({
      name: 'correlation_windows_evicted_total',
      help: 'Windows closed early because CORR_MAX_OPEN_WINDOWS was reached (their events are still emitted).',
      registers,
    }),
    linkedLogs: new Counter({
      name: 'correlation_linked_logs_total',
      help: 'Trace-less logs joined to a window through a business key (one per log and window).',
      registers,
    }),
    exporterSent: new Counter({
      name: 'exporter_sent_total',
      help: 'Items delivered by an exporter.',
      labelNames: ['exporter'] as const,
      registers,
    }),
    exporterFailed: new Counter({
      name: 'exporter_failed_total',
      help: 'Failed export attempts, by exporter and reason.',
      labelNames: ['exporter', 'reason'] as const,
      registers,
    }),
    exporterQueueDepth: new Gauge({
      name: 'exporter_queue_depth',
      help: 'Items waiting in an exporter queue.',
      labelNames: ['exporter'] as const,
      registers,
    }),
    exporterRetries: new Counter({
      name: 'exporter_retries_total',
      help: 'Export requests retried after a transient failure (network, timeout, 408/429/5xx).',
      labelNames: ['exporter'] as const,
      registers,
    }),
    exporterDeadLetter: new Counter({
      name: 'exporter_dead_letter_total',
      help: 'Records written to the dead-letter file after a permanent rejection.',
      labelNames: ['exporter'] as const,
      registers,
    }),
    exporterOldestUnsentAge: new Gauge({
      name: 'exporter_oldest_unsent_age_seconds',
      help: 'Age of the oldest queued record an exporter has not delivered yet (0 when caught up).',
      labelNames: ['exporter'] as const,
      registers,
    }),
    deliveryBacklogBytes: new Gauge({
      name: 'delivery_backlog_bytes',
      help: 'Bytes of records held in the durable export queue (compared with QUEUE_MAX_BYTES).',
      registers,
    }),
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    grpcDuration: new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'OTLP/gRPC export call duration by method (traces, logs, metrics) and gRPC status code name.',
      labelNames: ['grpc_method', 'grpc_code'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    memoryShed: new Counter({
      name: 'engine_memory_shed_total',
      help: 'Shedding decisions under memory pressure, by reason (windows closed early, event detail dropped, recent entries dropped, ingest requests refused).',
      labelNames: ['reason'] as const,
      registers,
    }),
    memoryCollections: new Counter({
      name: 'engine_memory_collections_total',
      help: 'Full garbage collections run to confirm that the heap, not garbage awaiting collection, is over the refusal threshold.',
      registers,
    }),
    memoryCollectionSeconds: new Counter({
      name: 'engine_memory_collection_seconds_total',
      help: 'Time spent in the collections counted by engine_memory_collections_total.',
      registers,
    }),
    openWindowsRead: new Counter({
      name: 'correlation_open_windows_read_total',
      help: 'Open windows read by GET /api/correlations?state=open|all walks (listed or passed over); a page reads about its size.',
      registers,
    }),
    visibility: new Histogram({
      name: 'correlation_visibility_seconds',
      help: 'Time from a record batch arriving to its window being visible: surface="api" (queryable), surface="stream" (written to live streams).',
      labelNames: ['surface'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    liveStreams: new Gauge({
      name: 'correlation_live_streams',
      help: 'Live-correlation (SSE) streams currently open.',
      registers,
    }),
    liveStreamsRefused: new Counter({
      name: 'correlation_live_streams_refused_total',
      help: 'Live streams refused with 429 because CORR_LIVE_MAX_STREAMS were open.',
      registers,
    }),
    liveStreamsDropped: new Counter({
      name: 'correlation_live_streams_dropped_total',
      help: 'Live streams closed by the engine, by reason (slow: the client did not read and its buffer passed CORR_LIVE_STREAM_BUFFER_BYTES; shutdown).',
      labelNames: ['reason'] as const,
      registers,
    }),
    liveBufferedBytes: new Gauge({
      name: 'correlation_live_buffered_bytes',
      help: 'Bytes written to live streams and not yet taken by their clients, summed over streams.',
      registers,
    }),
    liveUpdates: new Counter({
      name: 'correlation_live_updates_total',
      help: 'Window updates written to live streams (one per window and stream).',
      registers,
    }),
    liveResyncs: new Counter({
      name: 'correlation_live_resyncs_total',
      help: 'Times the set of changed windows passed CORR_LIVE_DIRTY_MAX_BYTES: streams were told to re-read the API instead.',
      registers,
    }),
    clusterRecords: new Counter({
      name: 'correlation_cluster_records_total',
      help: 'Cluster records (kind: sighting, probe, link, related) sent to the gateway or received from it (direction: out, in).',
      labelNames: ['kind', 'direction'] as const,
      registers,
    }),
    clusterDropped: new Counter({
      name: 'correlation_cluster_records_dropped_total',
      help: 'Cluster records not applied or not sent, by reason (late: the window had closed; duplicate; dedupe_full; undecodable; rejected; buffer_full; persist_failed).',
      labelNames: ['reason'] as const,
      registers,
    }),
    clusterBufferBytes: new Gauge({
      name: 'correlation_cluster_buffer_bytes',
      help: 'Bytes of cluster records the gateway has not taken yet, in their durable queue (ENGINE_CLUSTER_BUFFER_MAX_BYTES bounds it).',
      registers,
    }),
    countDropped(reason: string, count: number): void {
      droppedSinceScrape.set(reason, (droppedSinceScrape.get(reason) ?? 0) + count);
    },
    setMemoryReporter(report: () => MemoryReport): void {
      memoryReport = report;
    },
    serviceLabel(service: string): string {
      if (services.has(service)) return service;
      // A misbehaving client can send a new service name per record; bound the series count.
      if (services.size >= maxServices || service.length > 100) return 'other';
      services.add(service);
      return service;
    },
  };
}
