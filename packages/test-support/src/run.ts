// Runs a command to completion and returns its output; never throws on a non-zero exit, so a
// test can assert on the exit code and show the tool's own message when it fails.
import { spawnSync } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
}

export function run(command: string, args: readonly string[], options: RunOptions = {}): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) return { code: -1, stdout: '', stderr: String(result.error) };
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The output of a failed run, for an assertion message. */
export function describe(result: RunResult): string {
  return `exit ${result.code}\n${result.stdout}\n${result.stderr}`.trim();
}
