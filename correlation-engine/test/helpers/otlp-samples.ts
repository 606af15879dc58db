// Real OTLP request bodies, serialized by the OpenTelemetry JS SDK's own serializers.
import { context, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

/** An ExportTraceServiceRequest (protobuf) with a root and a child span carrying a circuit_id. */
export async function protobufTraceRequest(service = 'beorn', circuit = 'CKT-1'): Promise<Uint8Array> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('samples');
  const root = tracer.startSpan('root', { attributes: { circuit_id: circuit } });
  tracer.startSpan('child', {}, trace.setSpan(context.active(), root)).end();
  root.end();
  await provider.forceFlush();
  const bytes = ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans());
  await provider.shutdown();
  if (!bytes) throw new Error('serializer returned nothing');
  return bytes;
}
