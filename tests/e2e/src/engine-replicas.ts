// Engine replicas behind the gateway's scale overlay, as the scale-out tests run them: the shipped
// overlay with a static resolver listing the replicas' gRPC endpoints, and replicas that keep their
// ports and data directory so one can be killed and started again as the same backend.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { namedPorts } from '@obs/test-support/ports';
import { type RunningProcess, startProcess, waitForHealth } from '@obs/test-support/processes';
import { repoPath } from '@obs/test-support/repo';
import { scaleOverlay } from './otelcol.js';

export class OverlayShapeError extends Error {
  override name = 'OverlayShapeError';
}

const DNS_RESOLVER_BLOCK = / {4}resolver:\n {6}dns:\n(?: {8}.*\n)+/;

/**
 * Writes the shipped overlay with its DNS resolver swapped for a static list of endpoints (the one
 * part that differs from compose, where the service name resolves to the replicas) and returns its
 * path. Fails when the overlay no longer has the resolver block this rewrite expects.
 */
export function writeStaticScaleOverlay(dir: string, endpoints: readonly string[]): string {
  const shipped = readFileSync(scaleOverlay, 'utf8');
  if (!DNS_RESOLVER_BLOCK.test(shipped)) throw new OverlayShapeError(`${scaleOverlay}: no "resolver: dns:" block to replace`);
  const file = join(dir, 'otel-config.scale.static.yaml');
  const resolver = `    resolver:\n      static:\n        hostnames: [${endpoints.join(', ')}]\n`;
  writeFileSync(file, shipped.replace(DNS_RESOLVER_BLOCK, resolver));
  return file;
}

/**
 * One built engine (`node dist/server.js`) with fixed HTTP and gRPC ports and its own data
 * directory, so that after `kill()` a `start()` brings back the same backend for the collector's
 * static resolver, with the durable queue its predecessor left.
 */
export class EngineReplica {
  private proc: RunningProcess | undefined;
  /** Output of the processes that already ended (a killed replica's last words). */
  private earlierOutput = '';

  private constructor(
    readonly name: string,
    readonly httpPort: number,
    readonly grpcPort: number,
    readonly dataDir: string,
    private readonly env: Record<string, string>,
  ) {}

  /** Picks free ports once; the replica keeps them across restarts. */
  static async create(name: string, dataDir: string, env: Record<string, string>): Promise<EngineReplica> {
    const ports = await namedPorts(['http', 'grpc']);
    mkdirSync(dataDir, { recursive: true });
    return new EngineReplica(name, ports.http, ports.grpc, dataDir, env);
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** host:port of the OTLP/gRPC receiver, as the collector's resolver lists it. */
  get grpcEndpoint(): string {
    return `127.0.0.1:${this.grpcPort}`;
  }

  async start(): Promise<void> {
    if (this.proc && this.proc.child.exitCode === null && this.proc.child.signalCode === null) {
      throw new Error(`${this.name} is already running`);
    }
    if (this.proc) this.earlierOutput += this.proc.output();
    this.proc = startProcess({
      name: this.name,
      args: ['dist/server.js'],
      cwd: repoPath('correlation-engine'),
      inheritEnv: false,
      env: {
        HOST: '127.0.0.1',
        PORT: String(this.httpPort),
        ENGINE_OTLP_GRPC_PORT: String(this.grpcPort),
        ENGINE_DATA_DIR: this.dataDir,
        ENGINE_INSTANCE_ID: this.name,
        LOG_LEVEL: 'warn',
        ...this.env,
      },
    });
    await waitForHealth(`${this.url}/health`, this.proc, { timeoutMs: 20_000 });
  }

  /** SIGKILL: no shutdown hook runs, open windows and unsent batches stay as a crash leaves them. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    proc.child.kill('SIGKILL');
    await proc.exited;
  }

  async stop(): Promise<void> {
    await this.proc?.stop(5_000);
  }

  /** The engine's own Prometheus text. */
  async metrics(): Promise<string> {
    const res = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    return res.text();
  }

  output(): string {
    return this.earlierOutput + (this.proc?.output() ?? '');
  }
}

/**
 * Sum of the samples of `name` in Prometheus text whose labels include every pair of `labels`
 * (a counter's `_total` name as exposed). 0 when there is none.
 */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/);
    if (!m || m[1] !== name) continue;
    const labelText = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}
