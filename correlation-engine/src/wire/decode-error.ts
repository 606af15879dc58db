/** The request body is not a decodable OTLP message; routes answer 400 with this message. */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}
