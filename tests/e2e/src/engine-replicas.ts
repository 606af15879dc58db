// Engine replicas behind the gateway's scale overlay (with a static resolver listing their gRPC
// endpoints: @obs/test-support/scale-overlay), as the scale-out tests run them: each keeps its ports and
// data directory, so one can be killed and started again as the same backend.
import { mkdirSync } from 'node:fs';
import { namedPorts } from '@obs/test-support/ports';
import { type RunningProcess, startProcess, waitForHealth } from '@obs/test-support/processes';
import { repoPath } from '@obs/test-support/repo';

export class ReplicaRunningError extends Error {
  override name = 'ReplicaRunningError';
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
      throw new ReplicaRunningError(`${this.name} is already running: kill() or stop() it first`);
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
