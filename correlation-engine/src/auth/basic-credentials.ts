// The configured Basic credentials and the check of an `Authorization` value against them, shared
// by both edges (HTTP header, gRPC `authorization` metadata) so they accept exactly the same thing.
import { createHash, timingSafeEqual } from 'node:crypto';

// Comparing fixed-length digests keeps the comparison constant-time whatever the input length.
const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export class BasicCredentials {
  private readonly user: Buffer;
  private readonly pass: Buffer;

  constructor(user: string, pass: string) {
    this.user = digest(user);
    this.pass = digest(pass);
  }

  /** True when the header value is `Basic <base64 user:pass>` with the configured pair. */
  matches(header: string | undefined): boolean {
    if (!header) return false;
    const match = /^Basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header);
    if (!match?.[1]) return false;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const sep = decoded.indexOf(':');
    if (sep < 0) return false;
    const userOk = timingSafeEqual(digest(decoded.slice(0, sep)), this.user);
    const passOk = timingSafeEqual(digest(decoded.slice(sep + 1)), this.pass);
    // Both comparisons always run: which half was wrong must not show in the timing.
    return userOk && passOk;
  }
}
