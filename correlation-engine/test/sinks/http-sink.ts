// A scriptable HTTP receiver on 127.0.0.1:<ephemeral> for exporter tests: records every request,
// answers from a script (status, Retry-After) or a default, and can go down (stop listening, drop
// connections) and come back up on the same port, like a backend being restarted.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as received on the wire (still compressed). */
  raw: Buffer;
  /** Status the sink answered. */
  status: number;
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export class HttpSink<T> {
  readonly received: ReceivedRequest[] = [];
  /** Items decoded from requests answered 2xx (what the backend would have stored). */
  readonly accepted: T[] = [];
  /** Answers used one per request, before the default. */
  readonly script: ScriptedAnswer[] = [];
  /** Answer when the script is empty. */
  defaultAnswer: ScriptedAnswer = { status: 204 };
  port = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly decode: (raw: Buffer, headers: IncomingHttpHeaders, path: string) => T[],
    /** Answer used when the request cannot be decoded (a real backend says 400). */
    acceptedStatus = 204,
  ) {
    this.defaultAnswer = { status: acceptedStatus };
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts listening (on the previous port when restarting). */
  async up(): Promise<this> {
    if (this.server) return this;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req.method ?? '', req.url ?? '', req.headers, Buffer.concat(chunks), res));
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address && typeof address === 'object') this.port = address.port;
    this.server = server;
    return this;
  }

  /** Stops listening and cuts open connections: clients see connection refused/reset. */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Waits until `predicate` holds, polling; throws with `what` after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  private handle(method: string, path: string, headers: IncomingHttpHeaders, raw: Buffer, res: ServerResponse): void {
    let answer = this.script.shift() ?? this.defaultAnswer;
    let items: T[] = [];
    if (answer.status >= 200 && answer.status < 300) {
      try {
        items = this.decode(raw, headers, path);
      } catch (err) {
        answer = { status: 400, body: `undecodable: ${(err as Error).message}` };
      }
    }
    this.received.push({ method, path, headers, raw, status: answer.status });
    if (answer.status >= 200 && answer.status < 300) this.accepted.push(...items);
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body ?? '');
  }
}
