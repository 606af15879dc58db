// Loki stand-in on one address, as the engine and the gateway see the real one:
//   POST /loki/api/v1/push  the push API (JSON, optionally gzip) — decoded and kept in memory;
//   POST /otlp/v1/logs      Loki's native OTLP endpoint — forwarded unchanged to a collector's
//                           OTLP receiver, whose `file` exporter records it (protocol-exact);
//   GET  /ready             200, like Loki once it is up.
// `refuseWith` plays a Loki that is down for pushes (e.g. 503): pushes are still decoded, kept in
// `refusedEntries` (what a sender tried to deliver) and answered with that status and Retry-After.
// The collector's own `loki` receiver would be the protocol-exact push sink, but its module is not
// on the Go module proxy these machines use, so the push side is decoded here. Protobuf (snappy)
// pushes answer 415: the engine sends JSON unless LOKI_FORMAT=protobuf.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface PushedEntry {
  labels: Record<string, string>;
  tsNs: string;
  line: string;
  metadata: Record<string, string>;
}

interface PushBody {
  streams?: { stream?: Record<string, string>; values?: unknown[][] }[];
}

export class LokiStandIn {
  readonly entries: PushedEntry[] = [];
  /** Status codes answered to push requests, e.g. to see that none were rejected. */
  readonly pushStatuses: number[] = [];
  /** Entries of pushes answered with `refuseWith` (not accepted: the sender must send them again). */
  readonly refusedEntries: PushedEntry[] = [];
  /** While set, every push is answered with this status and `Retry-After: 1` instead of 204. */
  refuseWith: number | undefined;
  private server: Server | undefined;

  constructor(private readonly otlpForwardUrl: string) {}

  async listen(port: number): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ({ status, body, type }) => {
          const retry = status === this.refuseWith ? { 'retry-after': '1' } : {};
          res.writeHead(status, { 'content-type': type ?? 'text/plain', ...retry });
          res.end(body);
        },
        (err: Error) => {
          res.writeHead(400, { 'content-type': 'text/plain' });
          res.end(err.message);
        },
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: string | Buffer; type?: string }> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/ready') return { status: 200, body: 'ready' };
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    if (req.method === 'POST' && path === '/loki/api/v1/push') {
      const result = this.push(req, raw);
      this.pushStatuses.push(result.status);
      return result;
    }
    if (req.method === 'POST' && path === '/otlp/v1/logs') return this.forward(req, raw);
    return { status: 404, body: `no route ${req.method} ${path}` };
  }

  private push(req: IncomingMessage, raw: Buffer): { status: number; body: string } {
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return { status: 415, body: 'this stand-in decodes JSON pushes only' };
    }
    const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    const body = JSON.parse(text) as PushBody;
    if (!Array.isArray(body.streams)) return { status: 400, body: 'streams: expected an array' };
    const decoded: PushedEntry[] = [];
    for (const stream of body.streams) {
      for (const value of stream.values ?? []) {
        const [tsNs, line, metadata] = value as [string, string, Record<string, string> | undefined];
        if (typeof tsNs !== 'string' || !/^[0-9]+$/.test(tsNs)) return { status: 400, body: 'timestamp must be a decimal string' };
        decoded.push({ labels: stream.stream ?? {}, tsNs, line, metadata: metadata ?? {} });
      }
    }
    if (this.refuseWith !== undefined) {
      this.refusedEntries.push(...decoded);
      return { status: this.refuseWith, body: 'refusing pushes (test)' };
    }
    this.entries.push(...decoded);
    return { status: 204, body: '' };
  }

  private async forward(req: IncomingMessage, raw: Buffer): Promise<{ status: number; body: Buffer; type?: string }> {
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'content-encoding']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const res = await fetch(this.otlpForwardUrl, { method: 'POST', headers, body: new Uint8Array(raw) });
    return {
      status: res.status,
      body: Buffer.from(await res.arrayBuffer()),
      type: res.headers.get('content-type') ?? undefined,
    };
  }
}
