// A stand-in for the correlation engine's OTLP endpoint in the gateway-only tests: records what
// the gateway's otlp_http exporter posts (path, headers, size) and answers like an OTLP/HTTP
// server (200 with an empty protobuf Export*ServiceResponse, or `status` when set).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  bytes: number;
}

export class CaptureServer {
  readonly requests: CapturedRequest[] = [];
  /** What every request is answered with; 503 plays an engine that sheds load (retryable). */
  status = 200;
  private readonly server: Server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on('end', () => {
      this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, bytes });
      res.writeHead(this.status, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
