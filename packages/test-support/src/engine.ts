// The built correlation engine (`node dist/server.js`) as a real process on a free loopback port,
// ready once /health answers. Tests that need the wire (exit codes, signals, RSS, a collector in
// front) use it; everything else builds the app in-process with app.inject().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '#ports';
import { type RunningProcess, startProcess, waitForHealth } from '#processes';
import { repoPath } from '#repo';

export interface EngineOptions {
  /** Folder holding dist/server.js and its node_modules; default the workspace's correlation-engine. */
  appDir?: string;
  /** Over a minimal base (PATH, HOME, HOST, PORT, LOG_LEVEL=warn, a fresh ENGINE_DATA_DIR). */
  env?: NodeJS.ProcessEnv;
  /** Health endpoint to wait for (default /health). */
  readyPath?: string;
  timeoutMs?: number;
}

export interface RunningEngine {
  url: string;
  port: number;
  process: RunningProcess;
  output: () => string;
  /** Stops the engine and removes the data directory it was given by default. */
  stop: (graceMs?: number) => Promise<void>;
}

export async function startEngine(options: EngineOptions = {}): Promise<RunningEngine> {
  const port = await freePort();
  const env = options.env ?? {};
  const ownDataDir = env.ENGINE_DATA_DIR === undefined ? mkdtempSync(join(tmpdir(), 'engine-data-')) : undefined;
  const proc = startProcess({
    name: 'correlation-engine',
    args: ['dist/server.js'],
    cwd: options.appDir ?? repoPath('correlation-engine'),
    inheritEnv: false,
    env: {
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ...(ownDataDir ? { ENGINE_DATA_DIR: ownDataDir } : {}),
      ...env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (graceMs = 5_000): Promise<void> => {
    await proc.stop(graceMs);
    if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(`${url}${options.readyPath ?? '/health'}`, proc, { timeoutMs: options.timeoutMs ?? 20_000 });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, process: proc, output: proc.output, stop };
}
