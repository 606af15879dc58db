// OTLP/HTTP error bodies: a google.rpc.Status message in the request's own encoding, so an OTLP
// client can log why it was refused (spec: "Failures" in the OTLP/HTTP section).
import { ProtoWriter } from '../wire/proto-writer.js';

/** gRPC status code that matches an HTTP status, as the OTLP spec pairs them. */
export function grpcCodeFor(httpStatus: number): number {
  if (httpStatus === 401) return 16; // UNAUTHENTICATED
  if (httpStatus === 429) return 8; // RESOURCE_EXHAUSTED
  if (httpStatus === 503) return 14; // UNAVAILABLE
  if (httpStatus >= 500) return 13; // INTERNAL
  return 3; // INVALID_ARGUMENT
}

/** Status { int32 code = 1; string message = 2; }; the message field is written even when empty. */
export function encodeStatusProtobuf(code: number, message: string): Buffer {
  const status = new ProtoWriter().uint(1, code).bytes(2, Buffer.from(message, 'utf8')).finish();
  return Buffer.from(status);
}
