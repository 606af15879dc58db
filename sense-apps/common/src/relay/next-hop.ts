// The outgoing call to the next service of the chain. Global fetch is instrumented (undici),
// so the call becomes a client span and carries W3C traceparent + baggage; the keys also go
// as x-* headers so a hop without telemetry still receives them.
import { type BusinessKeys, forwardHeaders } from '../business-keys/business-keys.js';

export interface NextHop {
  /** Service name, reported when the hop fails. */
  name: string;
  /** Base URL, e.g. http://127.0.0.1:5002 */
  url: string;
}

export class NextHopError extends Error {
  override name = 'NextHopError';
  constructor(
    /** The service that failed: the next hop itself, or the one it reported as failed. */
    readonly failedHop: string,
    /** HTTP status the next hop answered, null when it could not be reached. */
    readonly status: number | null,
    message: string,
  ) {
    super(message);
  }
}

interface ErrorBody {
  failedHop?: unknown;
  message?: unknown;
}

/** Calls `GET <hop>/api/test`, forwarding the keys and the fail flag; returns the JSON body. */
export async function callNextHop(
  hop: NextHop,
  keys: BusinessKeys,
  options: { fail?: boolean; timeoutMs?: number } = {},
): Promise<unknown> {
  const target = new URL('/api/test', hop.url);
  if (options.fail) target.searchParams.set('fail', 'true');
  let res: Response;
  try {
    res = await fetch(target, {
      headers: { accept: 'application/json', ...forwardHeaders(keys) },
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
  } catch (err) {
    throw new NextHopError(hop.name, null, `${hop.name} unreachable at ${hop.url}: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) {
    const reported = (body ?? {}) as ErrorBody;
    // A hop that relays a failure names the service that really failed; keep that name.
    const relayed = typeof reported.failedHop === 'string' && reported.failedHop !== hop.name;
    const failedHop = relayed ? (reported.failedHop as string) : hop.name;
    const detail = typeof reported.message === 'string' ? reported.message : `HTTP ${res.status}`;
    // A relayed message already names the failed service; do not wrap it once per hop.
    throw new NextHopError(failedHop, res.status, relayed ? detail : `${failedHop} failed: ${detail}`);
  }
  return body;
}
