// OTLP/HTTP error bodies: a google.rpc.Status message in the request's own encoding, so an OTLP
// client can log why it was refused (spec: "Failures" in the OTLP/HTTP section).

/** gRPC status code that matches an HTTP status, as the OTLP spec pairs them. */
export function grpcCodeFor(httpStatus: number): number {
  if (httpStatus === 401) return 16; // UNAUTHENTICATED
  if (httpStatus === 429) return 8; // RESOURCE_EXHAUSTED
  if (httpStatus === 503) return 14; // UNAVAILABLE
  if (httpStatus >= 500) return 13; // INTERNAL
  return 3; // INVALID_ARGUMENT
}

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/** Status { int32 code = 1; string message = 2; } — two fields, so written by hand. */
export function encodeStatusProtobuf(code: number, message: string): Buffer {
  const text = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from([0x08, ...varint(code), 0x12, ...varint(text.length)]), text]);
}
