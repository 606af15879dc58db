// The micro-benchmarks load the engine's built modules by path and drive them as the engine does;
// nothing but running them notices when the engine's classes change under them. Each runs here
// on a small input, as a real process against the built engine, and its own accounting is checked
// (every queued record delivered, every batch counted), not its speed.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const benchDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs a micro-benchmark to its end and returns the JSON lines it printed. */
function runMicro(script: string, args: string[], env: Record<string, string> = {}): Record<string, unknown>[] {
  const out = execFileSync(process.execPath, [`src/micro/${script}`, ...args], {
    cwd: benchDir,
    env: { ...process.env, ...env },
    // Its stderr goes into the error thrown on a failure, not into the test run's output.
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 60_000,
  });
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('micro-benchmarks against the built engine', () => {
  it.each([
    ['json', {}],
    ['protobuf', { LOKI_FORMAT: 'protobuf' }],
    ['datadog', { EXPORTER: 'datadog' }],
  ])('exporter.ts drains every queued record into the sink (%s)', (_format, env) => {
    const [r] = runMicro('exporter.ts', ['2000'], env);
    expect(r?.records).toBeGreaterThanOrEqual(2000);
    expect(r?.delivered).toBe(r?.records);
  });

  it('queue.ts appends every request of each round', () => {
    const rounds = runMicro('queue.ts', ['20', 'full', '2']);
    expect(rounds).toHaveLength(2);
    for (const r of rounds) expect(r.records).toBe(20 * 80);
  });

  it('normalizer.ts normalizes every record of each round', () => {
    const rounds = runMicro('normalizer.ts', ['20', '1']);
    expect(rounds.length).toBeGreaterThan(0);
    for (const r of rounds) expect(r.records).toBe(20 * 50);
  });

  it('correlator.ts correlates every record, with one circuit id for all traces as well', () => {
    for (const skew of ['distinct', 'hot']) {
      const [r] = runMicro('correlator.ts', ['20', '1', skew]);
      expect(r?.records).toBe(20 * 50);
      expect(r?.skew).toBe(skew);
    }
  });

  it('otlp-logs-correlate.ts decodes and correlates every record of its bodies', () => {
    const [r] = runMicro('otlp-logs-correlate.ts', ['50', '1']);
    expect(r?.records).toBe(50 * 50);
    expect(Number(r?.usPerRecord)).toBeGreaterThan(0);
  });

  it('otlp-logs-correlate.ts closes windows as they fall due, links trace-less logs, and leaves out what each mode says', () => {
    // 10 ms windows and 1 ms per body: the first bodies' windows close within the run.
    const env = { WINDOW_MS: '10', MS_PER_BODY: '1', CORR_MAX_WAITING_LOGS: '100' };
    const [full] = runMicro('otlp-logs-correlate.ts', ['60', '1'], env);
    expect(full?.mode).toBe('correlate');
    expect(Number(full?.events)).toBeGreaterThan(0);
    expect(Number(full?.linkedLogs)).toBeGreaterThan(0);
    expect(full?.waitingLogs).toBe(100);
    const [unlinked] = runMicro('otlp-logs-correlate.ts', ['60', '1'], { ...env, LEAVE_OUT: 'linking' });
    expect(unlinked?.events).toBe(full?.events);
    expect(unlinked?.linkedLogs).toBe(0);
    expect(unlinked?.waitingLogs).toBe(0);
    const [decoded] = runMicro('otlp-logs-correlate.ts', ['60', '1'], { ...env, LEAVE_OUT: 'correlation' });
    expect(decoded?.records).toBe(60 * 50);
    expect(decoded?.events).toBe(0);
    expect(() => runMicro('otlp-logs-correlate.ts', ['1', '1'], { LEAVE_OUT: 'everything' })).toThrow(/LEAVE_OUT must be/);
  });

  it('ab-pairs.ts runs a micro-benchmark on two builds in alternating pairs, profiled, and compares each pair', () => {
    const out = mkdtempSync(join(tmpdir(), 'ab-pairs-test-'));
    const dist = fileURLToPath(new URL('../../correlation-engine/dist', import.meta.url));
    // The checkout's own build as the base too: what is checked is the procedure, not a difference.
    const text = execFileSync(
      process.execPath,
      ['src/micro/ab-pairs.ts', `--base-dist=${dist}`, '2', 'otlp-logs-correlate.ts', '20', '1'],
      {
        cwd: benchDir,
        env: { ...process.env, AB_OUT: out, AB_CPU: '', AB_TOP: '5' },
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    for (const pair of [1, 2]) {
      const section = text.split(`pair ${pair}\n`)[1]?.split('\npair ')[0] ?? '';
      const base = JSON.parse(/^base: (.*)$/m.exec(section)?.[1] ?? 'null') as Record<string, unknown> | null;
      const mine = JSON.parse(/^new: {2}(.*)$/m.exec(section)?.[1] ?? 'null') as Record<string, unknown> | null;
      expect(base?.records).toBe(20 * 50);
      expect(mine?.records).toBe(20 * 50);
      expect(section).toMatch(/self time in all \(ms\): a \d+, b \d+/);
      expect(section).toMatch(/self time by function/);
      for (const side of ['base', 'new'])
        expect(readdirSync(join(out, `${side}-${pair}`)).filter((f) => f.endsWith('.cpuprofile'))).toHaveLength(1);
    }
    const wrong = spawnSync(process.execPath, ['src/micro/ab-pairs.ts', `--base-dist=${dist}`, 'zero', 'otlp-logs-correlate.ts'], {
      cwd: benchDir,
      encoding: 'utf8',
    });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/usage: ab-pairs.ts/);
    // The base side loads the engine from the base build, not from the checkout.
    const missing = join(out, 'no-such-build');
    const noBase = spawnSync(
      process.execPath,
      ['src/micro/ab-pairs.ts', `--base-dist=${missing}`, '1', 'otlp-logs-correlate.ts', '5', '1'],
      {
        cwd: benchDir,
        env: { ...process.env, AB_OUT: join(out, 'second'), AB_CPU: '' },
        encoding: 'utf8',
      },
    );
    expect(noBase.status).not.toBe(0);
    expect(noBase.stderr).toContain(missing);
  });

  it('otlp-decode.ts decodes spans', () => {
    const [r] = runMicro('otlp-decode.ts', ['0.2']);
    expect(Number(r?.spansPerSec)).toBeGreaterThan(0);
  });
});
