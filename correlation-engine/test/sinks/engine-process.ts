// Runs the built engine (`node dist/server.js`) as a child process for fault tests: a free port,
// its own environment, readiness wait, RSS sampling from /proc, and SIGKILL/SIGTERM by pid.
// Building, ports, starting and the health wait are @obs/test-support's.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { buildOnce } from '@obs/test-support/build';
import { type RunningEngine, startEngine } from '@obs/test-support/engine';

export { freePort } from '@obs/test-support/ports';

/** Builds dist/ unless it is current (`make test` builds first). */
export function buildEngine(): void {
  buildOnce('correlation-engine');
}

export class EngineProcess {
  readonly child: ChildProcess;
  readonly url: string;
  peakRssBytes = 0;
  private readonly engine: RunningEngine;
  private sampler: NodeJS.Timeout;

  private constructor(engine: RunningEngine) {
    this.engine = engine;
    this.child = engine.process.child;
    this.url = engine.url;
    this.sampler = setInterval(() => this.sampleRss(), 100);
  }

  /** Everything the engine printed lately, for failure messages. */
  get output(): string {
    return this.engine.output();
  }

  /** Starts the engine with `env` (over a minimal base) and waits until /health answers. */
  static async start(env: Record<string, string>): Promise<EngineProcess> {
    return new EngineProcess(await startEngine({ env: { ENGINE_INSTANCE_ID: 'fault-test', ...env } }));
  }

  /** Current resident set size from /proc (Linux), 0 when the process is gone. */
  sampleRss(): number {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      this.peakRssBytes = Math.max(this.peakRssBytes, kb * 1024);
      return kb * 1024;
    } catch {
      return 0;
    }
  }

  /** kill -9: no shutdown hook runs, nothing is flushed. */
  async kill9(): Promise<void> {
    clearInterval(this.sampler);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.engine.process.exited;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    clearInterval(this.sampler);
    await this.engine.stop(graceMs);
  }
}
