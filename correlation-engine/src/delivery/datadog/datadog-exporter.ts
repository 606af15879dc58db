// Dual-writes logs and correlation events to Datadog's logs intake v2. Constructed only when
// DATADOG_API_KEY is set; the key goes into one request header and nowhere else (not into logs,
// errors or dead-letter files).
import { gzipBody } from '../gzip-body.js';
import type { LogHead, QueuedRecord } from '../queue/queue-rows.js';
import { type EncodedBatch, QueueExporter, type QueueExporterOptions } from '../queue-exporter.js';
import { buildDatadogRequests, type DatadogEncodingOptions, madeFromQueuedText } from './datadog-encoding.js';

export interface DatadogExporterOptions extends Omit<QueueExporterOptions, 'name' | 'url'>, DatadogEncodingOptions {
  /** Full intake URL, e.g. https://http-intake.logs.datadoghq.com/api/v2/logs. */
  url: string;
  apiKey: string;
}

/** The intake URL for a Datadog site such as `datadoghq.eu` or `us5.datadoghq.com`. */
export function datadogLogsUrl(site: string): string {
  return `https://http-intake.logs.${site}/api/v2/logs`;
}

export class DatadogExporter extends QueueExporter {
  private readonly datadog: DatadogEncodingOptions;
  private readonly headers: Record<string, string>;

  constructor(options: DatadogExporterOptions) {
    super({ ...options, name: 'datadog' });
    this.datadog = options;
    this.headers = { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'DD-API-KEY': options.apiKey };
  }

  /** Every log and every correlation event (Datadog has no other path for them). */
  wantsLog(_log: LogHead): boolean {
    return true;
  }

  /**
   * A log queued with its line is shipped from the message and attributes cut from it
   * (datadog-encoding.ts), read back only when they do not cut; an event queued with its text and
   * a head holding its counts is shipped from those, read whole only when its head lacks them.
   */
  protected override check(record: QueuedRecord): void {
    if (!madeFromQueuedText(record)) super.check(record);
  }

  /** Gzipped JSON arrays within the intake's entry and size limits. */
  protected async encode(records: QueuedRecord[]): Promise<EncodedBatch> {
    const requests = await Promise.all(
      buildDatadogRequests(records, this.datadog).map(async (r) => ({
        body: await gzipBody(r.body),
        headers: this.headers,
        records: r.records,
      })),
    );
    return { requests };
  }
}
