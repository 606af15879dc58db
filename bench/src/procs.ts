// Child processes of the benchmark: pinned to a core with taskset when the machine has two or
// more, started, waited for, measured (RSS from /proc) and always stopped.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Core for servers under test and core for the load generator (both undefined on one core). */
export const PINNING = (() => {
  const hasTaskset = (() => {
    try {
      execFileSync('taskset', ['-V'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  return hasTaskset && availableParallelism() >= 2 ? { server: '1', load: '0' } : undefined;
})();

/** USER_HZ: /proc times are in these ticks (100 on Linux x86 and arm). */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export class Proc {
  readonly child: ChildProcess;
  private output = '';
  private readonly exited: Promise<void>;

  constructor(command: string, args: string[], opts: { core?: string | undefined; env?: NodeJS.ProcessEnv; cwd?: string }) {
    const [cmd, argv] = opts.core !== undefined ? ['taskset', ['-c', opts.core, command, ...args]] : [command, args];
    this.child = spawn(cmd, argv, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      // Keep only the tail: a chatty server must not grow the bench's memory.
      this.output = (this.output + d.toString()).slice(-20_000);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get log(): string {
    return this.output;
  }

  /** Resolves once the output matches `pattern`; rejects on exit or timeout. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const m = this.output.match(pattern);
      if (m) return m;
      if (this.child.exitCode !== null) throw new Error(`process exited (${this.child.exitCode}) before ${pattern}:\n${this.output}`);
      await sleep(50);
    }
    throw new Error(`timed out waiting for ${pattern}:\n${this.output}`);
  }

  /** Resident set size in bytes (Linux /proc). */
  rssBytes(): number {
    const status = `/proc/${this.pid}/status`;
    if (!existsSync(status)) return 0;
    const m = readFileSync(status, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) * 1024 : 0;
  }

  /**
   * CPU seconds the process has used so far, user + system, all threads (Linux /proc; 0 elsewhere).
   * Unlike throughput, CPU per record barely moves when other work shares the machine.
   */
  cpuSeconds(): number {
    const stat = `/proc/${this.pid}/stat`;
    if (!existsSync(stat)) return 0;
    return statCpuSeconds(readFileSync(stat, 'utf8'));
  }

  /**
   * CPU seconds so far per kind of thread (user + system, Linux /proc; empty elsewhere): Node's
   * main thread (`main`), V8's helper threads for garbage collection and compiling (`v8`), libuv's
   * pool running zlib and file work (`libuv`), everything else (`other`). What of a process's work
   * could use a second core, and what waits for the one thread that runs the JavaScript.
   */
  threadCpuSeconds(): Record<ThreadKind, number> {
    const cpu: Record<ThreadKind, number> = { main: 0, v8: 0, libuv: 0, other: 0 };
    const tasks = `/proc/${this.pid}/task`;
    if (!existsSync(tasks)) return cpu;
    for (const tid of readdirSync(tasks)) {
      let text: string;
      try {
        text = readFileSync(`${tasks}/${tid}/stat`, 'utf8');
      } catch {
        continue; // the thread ended between the listing and the read
      }
      const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
      cpu[threadKind(name, tid === String(this.pid))] += statCpuSeconds(text);
    }
    return cpu;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** User + system seconds of a /proc `stat` line (a process's or a thread's). */
function statCpuSeconds(text: string): number {
  // Fields after the command name (which may hold spaces): utime and stime are fields 14 and 15.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

export type ThreadKind = 'main' | 'v8' | 'libuv' | 'other';

/** The kind of a thread by its name (Linux truncates names to 15 characters: `V8Worker`, `libuv-worker`). */
function threadKind(name: string, isMain: boolean): ThreadKind {
  if (isMain) return 'main';
  if (name.startsWith('V8')) return 'v8';
  if (name.startsWith('libuv')) return 'libuv';
  return 'other';
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// Ports and the readiness wait are shared with the tests (@obs/test-support).
export { freePort } from '@obs/test-support/ports';
export { waitForHttpOk as waitHttp } from '@obs/test-support/wait';
