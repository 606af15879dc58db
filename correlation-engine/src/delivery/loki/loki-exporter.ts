// Ships normalized logs and correlation events to Loki's push API, and OTLP logs requests as
// received to its OTLP endpoint (loki-otlp-forward.ts).
import { compress as snappyCompress } from 'snappy';
import { gzipBody } from '../gzip-body.js';
import type { LogHead, QueuedOtlpLogs, QueuedRecord } from '../queue/queue-rows.js';
import { type EncodedBatch, QueueExporter, type QueueExporterOptions } from '../queue-exporter.js';
import { buildPushes, encodeJsonPush, encodeProtobufPush, type LokiEncodingOptions } from './loki-encoding.js';
import { otlpForwardRequests } from './loki-otlp-forward.js';

export interface LokiExporterOptions extends Omit<QueueExporterOptions, 'name' | 'url'>, LokiEncodingOptions {
  /** Base URL, e.g. http://loki:3100 (the push path is appended). */
  baseUrl: string;
  /** `json` (gzip) or `protobuf` (snappy), the two bodies Loki's push API takes. */
  format: 'json' | 'protobuf';
  /** Logs that arrived over OTLP already reach Loki through the gateway; ship them only when asked. */
  exportOtlpLogs: boolean;
  /**
   * How the OTLP logs shipped travel: `otlp` forwards each request as received to Loki's OTLP
   * endpoint (the form the gateway writes them in); `push` sends each record as a push line.
   */
  otlpLogsForm: 'otlp' | 'push';
  /** Sent as X-Scope-OrgID for multi-tenant Loki. */
  tenantId?: string;
}

export class LokiExporter extends QueueExporter {
  private readonly loki: LokiExporterOptions;
  /** An event's line is its queued JSON text, a log's its queued line; labels and metadata come from their heads. */
  protected override check(_record: QueuedRecord): void {}

  private readonly otlpUrl: string;

  constructor(options: LokiExporterOptions) {
    const base = options.baseUrl.replace(/\/+$/, '');
    super({ ...options, name: 'loki', url: `${base}/loki/api/v1/push` });
    this.loki = options;
    this.otlpUrl = `${base}/otlp/v1/logs`;
  }

  /** Logs that did not arrive over OTLP (those too when enabled in the push form); every correlation event. */
  wantsLog(log: LogHead): boolean {
    return log.source !== 'otlp' || (this.loki.exportOtlpLogs && this.loki.otlpLogsForm === 'push');
  }

  /** OTLP logs, when enabled in the OTLP form: whole requests, forwarded as received. */
  override takesOtlpLogs(): boolean {
    return this.loki.exportOtlpLogs && this.loki.otlpLogsForm === 'otlp';
  }

  /** One push request per `batchMaxBytes` of entries, compressed for the chosen format; OTLP requests forwarded. */
  protected async encode(records: QueuedRecord[]): Promise<EncodedBatch> {
    const base: Record<string, string> = this.loki.tenantId ? { 'X-Scope-OrgID': this.loki.tenantId } : {};
    const otlp: QueuedOtlpLogs[] = [];
    let pushed = records;
    if (records.some((r) => r.kind === 'otlp-logs')) {
      pushed = [];
      for (const r of records) {
        if (r.kind === 'otlp-logs') otlp.push(r);
        else pushed.push(r);
      }
    }
    const forwards =
      otlp.length === 0
        ? []
        : await otlpForwardRequests(otlp, {
            url: this.otlpUrl,
            headers: base,
            defaultEnv: this.loki.defaultEnv,
            batchMaxBytes: this.loki.batchMaxBytes,
          });
    const requests = await Promise.all(
      buildPushes(pushed, this.loki).map(async (push) =>
        this.loki.format === 'protobuf'
          ? {
              body: await snappyCompress(encodeProtobufPush(push.streams)),
              headers: { ...base, 'Content-Type': 'application/x-protobuf' },
              records: push.records,
            }
          : {
              body: await gzipBody(encodeJsonPush(push.streams)),
              headers: { ...base, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
              records: push.records,
            },
      ),
    );
    return { requests: [...requests, ...forwards] };
  }
}
