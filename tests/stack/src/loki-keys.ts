// Documented configuration keys of Loki 3.7 (the "Grafana Loki configuration parameters"
// reference, docs/sources/shared/configuration.md at v3.7.x) for the blocks this repo sets,
// each block listed with its documented siblings so a typo or a removed key is caught.
// Not exhaustive for blocks we do not use: those are 'any' at the top level only if listed.
import type { KeySchema } from './config-schema.js';

const kvstore: KeySchema = { store: 'any', prefix: 'any', consul: 'any', etcd: 'any', multi: 'any' };

export const LOKI_3_7_KEYS: KeySchema = {
  target: 'any',
  auth_enabled: 'any',
  ballast_bytes: 'any',
  server: {
    http_listen_network: 'any', http_listen_address: 'any', http_listen_port: 'any', http_listen_conn_limit: 'any',
    grpc_listen_network: 'any', grpc_listen_address: 'any', grpc_listen_port: 'any', grpc_listen_conn_limit: 'any',
    http_tls_config: 'any', grpc_tls_config: 'any', register_instrumentation: 'any', graceful_shutdown_timeout: 'any',
    http_server_read_timeout: 'any', http_server_write_timeout: 'any', http_server_idle_timeout: 'any',
    grpc_server_max_recv_msg_size: 'any', grpc_server_max_send_msg_size: 'any', grpc_server_max_concurrent_streams: 'any',
    log_format: 'any', log_level: 'any', log_source_ips_enabled: 'any', log_request_headers: 'any', http_path_prefix: 'any',
  },
  common: {
    path_prefix: 'any',
    storage: { filesystem: { chunks_directory: 'any', rules_directory: 'any' }, s3: 'any', gcs: 'any', azure: 'any', swift: 'any', bos: 'any', cos: 'any', alibabacloud: 'any', hedging: 'any', congestion_control: 'any', object_store: 'any' },
    persist_tokens: 'any',
    replication_factor: 'any',
    ring: { kvstore, heartbeat_period: 'any', heartbeat_timeout: 'any', tokens_file_path: 'any', zone_awareness_enabled: 'any', instance_id: 'any', instance_interface_names: 'any', instance_port: 'any', instance_addr: 'any', instance_availability_zone: 'any', instance_enable_ipv6: 'any' },
    instance_interface_names: 'any',
    instance_addr: 'any',
    compactor_address: 'any',
    compactor_grpc_address: 'any',
  },
  schema_config: {
    configs: [{ from: 'any', store: 'any', object_store: 'any', schema: 'any', index: { prefix: 'any', period: 'any', path_prefix: 'any', tags: 'any' }, chunks: { prefix: 'any', period: 'any', tags: 'any' }, row_shards: 'any' }],
  },
  compactor: {
    working_directory: 'any', compaction_interval: 'any', apply_retention_interval: 'any',
    retention_enabled: 'any', retention_delete_delay: 'any', retention_delete_worker_count: 'any', retention_table_timeout: 'any',
    retention_backoff_config: 'any', delete_request_store: 'any', delete_request_store_key_prefix: 'any', delete_request_store_db_type: 'any',
    delete_batch_size: 'any', delete_request_cancel_period: 'any', delete_max_interval: 'any',
    max_compaction_parallelism: 'any', upload_parallelism: 'any', compactor_ring: 'any', run_once: 'any',
    tables_to_compact: 'any', skip_latest_n_tables: 'any',
  },
  limits_config: {
    ingestion_rate_strategy: 'any', ingestion_rate_mb: 'any', ingestion_burst_size_mb: 'any',
    max_label_name_length: 'any', max_label_value_length: 'any', max_label_names_per_series: 'any',
    reject_old_samples: 'any', reject_old_samples_max_age: 'any', creation_grace_period: 'any',
    max_line_size: 'any', max_line_size_truncate: 'any', increment_duplicate_timestamp: 'any',
    discover_service_name: 'any', discover_log_levels: 'any', log_level_fields: 'any',
    use_owned_stream_count: 'any', max_streams_per_user: 'any', max_global_streams_per_user: 'any', unordered_writes: 'any',
    per_stream_rate_limit: 'any', per_stream_rate_limit_burst: 'any',
    max_chunks_per_query: 'any', max_query_series: 'any', max_query_lookback: 'any', max_query_length: 'any',
    max_query_range: 'any', max_query_parallelism: 'any', tsdb_max_query_parallelism: 'any', tsdb_max_bytes_per_shard: 'any',
    cardinality_limit: 'any', max_streams_matchers_per_query: 'any', max_concurrent_tail_requests: 'any',
    max_entries_limit_per_query: 'any', max_cache_freshness_per_query: 'any', split_queries_by_interval: 'any',
    query_timeout: 'any', volume_enabled: 'any', volume_max_series: 'any',
    retention_period: 'any', retention_stream: 'any', shard_streams: 'any',
    allow_structured_metadata: 'any', max_structured_metadata_size: 'any', max_structured_metadata_entries_count: 'any',
    otlp_config: {
      resource_attributes: {
        ignore_defaults: 'any',
        attributes_config: [{ action: 'any', attributes: 'any', regex: 'any' }],
      },
      scope_attributes: [{ action: 'any', attributes: 'any', regex: 'any' }],
      log_attributes: [{ action: 'any', attributes: 'any', regex: 'any' }],
      severity_text_as_label: 'any',
    },
    ruler_remote_write_disabled: 'any', deletion_mode: 'any', pattern_persistence_enabled: 'any',
  },
  query_range: {
    align_queries_with_step: 'any', max_retries: 'any', parallelise_shardable_queries: 'any', cache_results: 'any',
    cache_index_stats_results: 'any', cache_volume_results: 'any', cache_series_results: 'any', cache_label_results: 'any',
    cache_instant_metric_results: 'any', shard_aggregations: 'any',
    results_cache: {
      cache: { embedded_cache: { enabled: 'any', max_size_mb: 'any', max_size_items: 'any', ttl: 'any' }, default_validity: 'any', memcached: 'any', memcached_client: 'any', redis: 'any', background: 'any' },
      compression: 'any',
    },
  },
  ingester: 'any',
  querier: 'any',
  query_scheduler: 'any',
  frontend: 'any',
  frontend_worker: 'any',
  ruler: 'any',
  storage_config: 'any',
  chunk_store_config: 'any',
  memberlist: 'any',
  runtime_config: 'any',
  tracing: 'any',
  pattern_ingester: 'any',
  analytics: { reporting_enabled: 'any', usage_stats_url: 'any' },
};
