// Tiny HTTP servers on 127.0.0.1:<ephemeral> for script tests: each records the requests it got
// and answers with a status chosen per path.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Fixture {
  url: string;
  port: number;
  requests: RecordedRequest[];
  close: () => Promise<void>;
}

export type Responder = (req: RecordedRequest) => { status: number; body?: string; delayMs?: number };

export async function startFixture(respond: Responder): Promise<Fixture> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      const answer = respond(recorded);
      setTimeout(() => {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body ?? '{}');
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port that was free a moment ago and now has nobody listening (connection refused). */
export async function closedPort(): Promise<number> {
  const fixture = await startFixture(() => ({ status: 200 }));
  await fixture.close();
  return fixture.port;
}
