// The `grpc-status-details-bin` trailer of a refusal the sender should retry: a google.rpc.Status
// carrying a google.rpc.RetryInfo. The OTLP spec lets a server say how long to wait this way, and
// RESOURCE_EXHAUSTED is retried by OTLP senders only when a RetryInfo comes with it.
import { ProtoWriter } from '../wire/proto-writer.js';

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/** Status { code = 1; message = 2; details = 3 (Any { type_url = 1; value = 2 }) } with RetryInfo { retry_delay = 1 (Duration) }. */
export function retryStatusDetails(code: number, message: string, retryAfterSeconds: number): Buffer {
  const totalMs = Math.max(0, Math.round(retryAfterSeconds * 1000));
  const duration = new ProtoWriter().uint(1, Math.floor(totalMs / 1000)).uint(2, (totalMs % 1000) * 1_000_000);
  const retryInfo = new ProtoWriter().message(1, duration);
  const any = new ProtoWriter().string(1, RETRY_INFO_TYPE).message(2, retryInfo);
  const status = new ProtoWriter().uint(1, code).string(2, message).message(3, any);
  return Buffer.from(status.finish());
}
