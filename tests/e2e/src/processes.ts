// Starts the end-to-end test's real processes and guarantees they stop: each runs in its own
// process group (so a child's children go too), is stopped by afterAll, by SIGINT/SIGTERM/SIGHUP
// handlers in this worker, and — if this worker dies without running either — by a detached
// reaper that notices the worker is gone and kills the recorded groups.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class ProcessStartError extends Error {
  override name = 'ProcessStartError';
}

export interface StartOptions {
  name: string;
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: Record<string, string | undefined>;
}

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** Last lines of the process's output, for assertion messages. */
  tail(lines?: number): string;
}

const STOP_GRACE_MS = 5_000;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export class ProcessSet {
  private readonly running = new Map<number, ManagedProcess>();
  private readonly pgidFile: string;
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.killAllNow('SIGKILL');
    // Default behaviour once our cleanup is done: die by the same signal.
    for (const s of SIGNALS) process.removeListener(s, this.onSignal);
    process.kill(process.pid, signal);
  };
  private readonly onExit = (): void => this.killAllNow('SIGKILL');
  private reaper: ChildProcess | undefined;

  constructor(private readonly logDir: string) {
    mkdirSync(logDir, { recursive: true });
    this.pgidFile = join(logDir, 'pgids');
    writeFileSync(this.pgidFile, '');
    for (const s of SIGNALS) process.on(s, this.onSignal);
    process.on('exit', this.onExit);
    this.startReaper();
  }

  start(options: StartOptions): ManagedProcess {
    const logFile = join(this.logDir, `${options.name}.log`);
    const out = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env } as NodeJS.ProcessEnv,
      detached: true, // own process group: kill(-pid) reaches everything it spawned
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new ProcessStartError(`${options.name}: could not spawn ${options.command}`);
    child.stdout?.pipe(out, { end: false });
    child.stderr?.pipe(out, { end: false });
    const pid = child.pid;
    appendFileSync(this.pgidFile, `${pid}\n`);
    const exited = new Promise<number | string>((resolve) => {
      child.on('exit', (code, signal) => {
        this.running.delete(pid);
        // Keep the reaper's list current: a pid that has exited may be reused by the system.
        writeFileSync(this.pgidFile, [...this.running.keys()].map((p) => `${p}\n`).join(''));
        resolve(code ?? signal ?? 'unknown');
      });
    });
    const managed: ManagedProcess = {
      name: options.name,
      child,
      logFile,
      exited,
      tail: (lines = 30) => readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n'),
    };
    this.running.set(pid, managed);
    return managed;
  }

  /** `signal` (SIGTERM) to the group, SIGKILL after a grace period; resolves once it has exited. */
  async stop(proc: ManagedProcess, graceMs = STOP_GRACE_MS, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const pid = proc.child.pid;
    if (pid === undefined || !this.running.has(pid)) return;
    signalGroup(pid, signal);
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
    await proc.exited;
    clearTimeout(timer);
    signalGroup(pid, 'SIGKILL'); // anything the leader left behind in its group
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((p) => this.stop(p)));
    for (const s of SIGNALS) process.removeListener(s, this.onSignal);
    process.removeListener('exit', this.onExit);
    this.reaper?.kill('SIGKILL');
  }

  private killAllNow(signal: NodeJS.Signals): void {
    for (const pid of this.running.keys()) signalGroup(pid, signal);
  }

  /**
   * A tiny detached watcher: once this worker's pid is gone (killed hard, so neither afterAll
   * nor the handlers ran), it kills every process group listed in the pgid file, then exits.
   */
  private startReaper(): void {
    const script = `
      const fs = require('node:fs');
      const [parent, file] = process.argv.slice(1);
      const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
      const tick = setInterval(() => {
        if (alive(Number(parent))) return;
        clearInterval(tick);
        let pids = [];
        try { pids = fs.readFileSync(file, 'utf8').split('\\n').filter(Boolean).map(Number); } catch {}
        for (const pid of pids) { try { process.kill(-pid, 'SIGKILL'); } catch {} }
      }, 1000);`;
    this.reaper = spawn(process.execPath, ['-e', script, String(process.pid), this.pgidFile], {
      detached: true,
      stdio: 'ignore',
    });
    this.reaper.unref();
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
