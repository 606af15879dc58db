// OTLP logs requests queued as received, forwarded to Loki's native OTLP endpoint (/otlp/v1/logs)
// the way the gateway sends them there: each resource gets the `service` and `env` attributes
// Loki indexes as its stream labels (observability-stack/loki keeps only those two), the records
// travel as they arrived. Loki then stores these logs exactly as it stores the ones the gateway
// ships: the body as the line, the attributes as structured metadata.
import { UNKNOWN_SERVICE } from '../../model/types.js';
import { gzipBody } from '../gzip-body.js';
import { joinJsonRequests, withResourceAttributesJson } from '../otlp-logs/json-logs-rewrite.js';
import { type ResourceEdit, type ResourceStrings, withResourceAttributes } from '../otlp-logs/proto-logs-rewrite.js';
import type { QueuedOtlpLogs } from '../queue/queue-rows.js';
import type { WireRequest } from '../queue-exporter.js';

/** A string attribute with a value, else undefined (an empty name labels nothing). */
function named(attributes: ResourceStrings, key: string): string | undefined {
  const v = attributes.get(key);
  return v === undefined || v === '' ? undefined : v;
}

/**
 * The stream labels of a resource, as the gateway's transform/loki_labels sets them: `service`
 * from `service.name`, `env` from `deployment.environment` (which the gateway always sets), so
 * logs that came through the gateway get from the engine exactly the labels the gateway gives
 * them. Sent to the engine directly, a resource may lack those: then `deployment.environment.name`,
 * the sender's own `service`/`env`, and at last unknown_service and DEFAULT_ENV, so every stream
 * has both labels.
 */
export function lokiResourceLabels(defaultEnv: string): ResourceEdit {
  return (a) => ({
    service: named(a, 'service.name') ?? named(a, 'service') ?? UNKNOWN_SERVICE,
    env: named(a, 'deployment.environment') ?? named(a, 'deployment.environment.name') ?? named(a, 'env') ?? defaultEnv,
  });
}

export interface OtlpForwardOptions {
  url: string;
  headers: Record<string, string>;
  defaultEnv: string;
  /** Uncompressed bytes per request (requests are joined up to it; a larger one goes alone). */
  batchMaxBytes: number;
}

/**
 * The requests forwarding `queued`: protobuf requests joined into one message per
 * `batchMaxBytes` (protobuf's repeated fields concatenate: two ExportLogsServiceRequest messages
 * back to back are one holding the resource logs of both), JSON requests joined likewise.
 */
export async function otlpForwardRequests(queued: readonly QueuedOtlpLogs[], o: OtlpForwardOptions): Promise<WireRequest[]> {
  const edit = lokiResourceLabels(o.defaultEnv);
  const requests: Promise<WireRequest>[] = [];
  for (const format of ['protobuf', 'json'] as const) {
    let chunk: QueuedOtlpLogs[] = [];
    let bytes = 0;
    const flush = (): void => {
      if (chunk.length === 0) return;
      const records = chunk;
      const body =
        format === 'protobuf'
          ? Buffer.concat(records.map((q) => withResourceAttributes(q.body as Uint8Array, edit)))
          : JSON.stringify(joinJsonRequests(records.map((q) => withResourceAttributesJson(JSON.parse(q.body as string), edit))));
      const contentType = format === 'protobuf' ? 'application/x-protobuf' : 'application/json';
      requests.push(
        gzipBody(body).then((gzipped) => ({
          url: o.url,
          body: gzipped,
          headers: { ...o.headers, 'Content-Type': contentType, 'Content-Encoding': 'gzip' },
          records,
        })),
      );
      chunk = [];
      bytes = 0;
    };
    for (const q of queued) {
      if (q.format !== format) continue;
      const size = typeof q.body === 'string' ? Buffer.byteLength(q.body) : q.body.byteLength;
      if (bytes > 0 && bytes + size > o.batchMaxBytes) flush();
      chunk.push(q);
      bytes += size;
    }
    flush();
  }
  return Promise.all(requests);
}
