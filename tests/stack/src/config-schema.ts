// A small key schema: which keys a config file may contain, nested as the file is. It catches a
// misspelt or removed key, which Loki and Tempo would refuse at start-up (they parse strictly)
// on a host where we cannot start them.
export type KeySchema = { [key: string]: KeySchema | KeySchemaLeaf | [KeySchema] };
/** 'any' = a value whose inside is not checked (free-form maps, receiver configs, scalars). */
export type KeySchemaLeaf = 'any';

export function unknownKeys(value: unknown, schema: KeySchema | KeySchemaLeaf | [KeySchema], path = ''): string[] {
  if (schema === 'any') return [];
  if (Array.isArray(schema)) {
    if (!Array.isArray(value)) return [`${path || '<root>'}: expected a list`];
    return value.flatMap((item, i) => unknownKeys(item, schema[0], `${path}[${i}]`));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${path || '<root>'}: expected a map`];
  const out: string[] = [];
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    const sub = schema[key];
    const here = path ? `${path}.${key}` : key;
    if (sub === undefined) out.push(here);
    else out.push(...unknownKeys(inner, sub, here));
  }
  return out;
}

/** The `server:` block both Loki and Tempo take from Grafana's shared server library (dskit). */
export const DSKIT_SERVER_KEYS: KeySchema = {
  http_listen_network: 'any',
  http_listen_address: 'any',
  http_listen_port: 'any',
  http_listen_conn_limit: 'any',
  grpc_listen_network: 'any',
  grpc_listen_address: 'any',
  grpc_listen_port: 'any',
  grpc_listen_conn_limit: 'any',
  http_tls_config: 'any',
  grpc_tls_config: 'any',
  register_instrumentation: 'any',
  graceful_shutdown_timeout: 'any',
  http_server_read_timeout: 'any',
  http_server_write_timeout: 'any',
  http_server_idle_timeout: 'any',
  grpc_server_max_recv_msg_size: 'any',
  grpc_server_max_send_msg_size: 'any',
  log_format: 'any',
  log_level: 'any',
  http_path_prefix: 'any',
};
