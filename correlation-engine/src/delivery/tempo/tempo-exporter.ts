// Ships one synthetic span per correlation event to Tempo over OTLP/HTTP protobuf.

import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { ENGINE_SERVICE } from '../encoding-helpers.js';
import type { EntryKind } from '../queue/durable-queue.js';
import type { LogHead, QueuedRecord } from '../queue/queue-rows.js';
import { type EncodedBatch, QueueExporter, type QueueExporterOptions } from '../queue-exporter.js';
import { eventToSpan } from './tempo-span.js';

export interface TempoExporterOptions extends Omit<QueueExporterOptions, 'name' | 'url'> {
  /** OTLP/HTTP base URL, e.g. http://tempo:4318 (`/v1/traces` is appended). */
  baseUrl: string;
  /** Spans per OTLP request. */
  batchMaxSpans: number;
  /** deployment.environment.name on the resource. */
  env: string;
  version: string;
}

export class TempoExporter extends QueueExporter {
  private readonly tempo: TempoExporterOptions;
  private readonly resources = new Map<string, Resource>();

  constructor(options: TempoExporterOptions) {
    super({ ...options, name: 'tempo', url: `${options.baseUrl.replace(/\/+$/, '')}/v1/traces` });
    this.tempo = options;
  }

  /** Correlation events only: the logs' own traces reach Tempo through the gateway. */
  wantsLog(_log: LogHead): boolean {
    return false;
  }

  /** Logs are skipped without parsing them. */
  protected override wantsKind(kind: EntryKind): boolean {
    return kind === 'event';
  }

  /** ExportTraceServiceRequest protobuf bodies of at most `batchMaxSpans` spans each. */
  protected async encode(records: QueuedRecord[]): Promise<EncodedBatch> {
    const good: { span: ReadableSpan; record: QueuedRecord }[] = [];
    const bad: QueuedRecord[] = [];
    for (const record of records) {
      if (record.kind !== 'event') continue;
      const span = eventToSpan(record.event, this.resourceFor(record.event.instance), this.tempo.version);
      if (span) good.push({ span, record });
      else bad.push(record);
    }
    const requests = [];
    for (let i = 0; i < good.length; i += this.tempo.batchMaxSpans) {
      const chunk = good.slice(i, i + this.tempo.batchMaxSpans);
      const body = ProtobufTraceSerializer.serializeRequest(chunk.map((c) => c.span));
      if (!body) {
        bad.push(...chunk.map((c) => c.record));
        continue;
      }
      requests.push({ body, headers: { 'Content-Type': 'application/x-protobuf' }, records: chunk.map((c) => c.record) });
    }
    return { requests, ...(bad.length > 0 ? { rejected: { records: bad, reason: 'event has no usable trace id or window times' } } : {}) };
  }

  /** One resource per engine instance (the serializer groups spans by resource identity). */
  private resourceFor(instance: string): Resource {
    let resource = this.resources.get(instance);
    if (!resource) {
      resource = resourceFromAttributes({
        'service.name': ENGINE_SERVICE,
        'service.instance.id': instance,
        'service.version': this.tempo.version,
        'deployment.environment.name': this.tempo.env,
      });
      this.resources.set(instance, resource);
    }
    return resource;
  }
}
