// Documented configuration keys of Tempo 2.10 (the configuration reference and its generated
// manifest, docs/sources/tempo/configuration) for the blocks this repo sets, with their
// documented siblings. Tempo 3 moved compaction to backend workers: a 3.x key here is an error.
import type { KeySchema } from './config-schema.js';

const grpcOrHttp: KeySchema = { endpoint: 'any', tls: 'any', max_recv_msg_size_mib: 'any', include_metadata: 'any', cors: 'any', keepalive: 'any', auth: 'any', read_buffer_size: 'any', write_buffer_size: 'any' };

export const TEMPO_2_10_KEYS: KeySchema = {
  target: 'any',
  http_api_prefix: 'any',
  stream_over_http_enabled: 'any',
  multitenancy_enabled: 'any',
  server: {
    http_listen_network: 'any', http_listen_address: 'any', http_listen_port: 'any', http_listen_conn_limit: 'any',
    grpc_listen_network: 'any', grpc_listen_address: 'any', grpc_listen_port: 'any', grpc_listen_conn_limit: 'any',
    http_tls_config: 'any', grpc_tls_config: 'any', register_instrumentation: 'any', graceful_shutdown_timeout: 'any',
    http_server_read_timeout: 'any', http_server_write_timeout: 'any', http_server_idle_timeout: 'any',
    grpc_server_max_recv_msg_size: 'any', grpc_server_max_send_msg_size: 'any',
    log_format: 'any', log_level: 'any', http_path_prefix: 'any',
  },
  internal_server: 'any',
  distributor: {
    receivers: {
      otlp: { protocols: { grpc: grpcOrHttp, http: grpcOrHttp } },
      jaeger: 'any', zipkin: 'any', opencensus: 'any', kafka: 'any',
    },
    ring: 'any', log_received_spans: 'any', log_discarded_spans: 'any', metric_received_spans: 'any',
    forwarders: 'any', extend_writes: 'any', override_ring_key: 'any', usage: 'any', max_attribute_bytes: 'any',
  },
  ingester: {
    lifecycler: 'any', concurrent_flushes: 'any', flush_check_period: 'any', flush_op_timeout: 'any',
    trace_idle_period: 'any', max_block_duration: 'any', max_block_bytes: 'any', complete_block_timeout: 'any',
    override_ring_key: 'any', flush_all_on_shutdown: 'any',
  },
  compactor: {
    ring: 'any',
    compaction: {
      compaction_window: 'any', max_compaction_objects: 'any', max_block_bytes: 'any', block_retention: 'any',
      compacted_block_retention: 'any', retention_concurrency: 'any', max_time_per_tenant: 'any', compaction_cycle: 'any',
      v2_in_buffer_bytes: 'any', v2_out_buffer_bytes: 'any', v2_prefetch_traces_count: 'any',
    },
    override_ring_key: 'any', disabled: 'any',
  },
  metrics_generator: {
    ring: 'any',
    processor: { service_graphs: 'any', span_metrics: 'any', local_blocks: 'any', host_info: 'any' },
    registry: { collection_interval: 'any', stale_duration: 'any', external_labels: 'any', max_label_name_length: 'any', max_label_value_length: 'any', inject_tenant_id_as: 'any' },
    storage: { path: 'any', wal: 'any', remote_write: [{ url: 'any', send_exemplars: 'any', headers: 'any', name: 'any', remote_timeout: 'any', basic_auth: 'any', tls_config: 'any', queue_config: 'any', write_relabel_configs: 'any' }], remote_write_flush_deadline: 'any', remote_write_add_org_id_header: 'any' },
    traces_storage: { path: 'any', ingestion_time_range_slack: 'any', version: 'any' },
    traces_query_storage: 'any',
    metrics_ingestion_time_range_slack: 'any', query_timeout: 'any', override_ring_key: 'any',
  },
  storage: {
    trace: {
      backend: 'any', wal: { path: 'any', ingestion_time_range_slack: 'any', version: 'any', v2_encoding: 'any', search_encoding: 'any' },
      local: { path: 'any' }, block: 'any', pool: 'any', search: 'any',
      blocklist_poll: 'any', blocklist_poll_concurrency: 'any', blocklist_poll_fallback: 'any', blocklist_poll_tenant_index_builders: 'any',
      blocklist_poll_stale_tenant_index: 'any', blocklist_poll_jitter_ms: 'any', blocklist_poll_tolerate_consecutive_errors: 'any',
      s3: 'any', gcs: 'any', azure: 'any', cache: 'any', background_cache: 'any', memcached: 'any', redis: 'any',
      cache_min_compaction_level: 'any', cache_max_block_age: 'any',
    },
  },
  overrides: {
    defaults: {
      ingestion: 'any', read: 'any', compaction: 'any', global: 'any', forwarders: 'any', storage: 'any', cost_attribution: 'any',
      metrics_generator: {
        processors: 'any', ring_size: 'any', max_active_series: 'any', collection_interval: 'any', disable_collection: 'any',
        generate_native_histograms: 'any', ingestion_time_range_slack: 'any', trace_id_label_name: 'any', remote_write_headers: 'any',
        processor: 'any',
      },
    },
    per_tenant_override_config: 'any', per_tenant_override_period: 'any', user_configurable_overrides: 'any',
  },
  querier: 'any',
  query_frontend: 'any',
  memberlist: 'any',
  usage_report: { reporting_enabled: 'any', backoff: 'any' },
  cache: 'any',
};
