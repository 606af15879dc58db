// Replicas sharing one ENGINE_DATA_DIR (compose --scale mounts one named volume into every
// replica): real engine processes, each must claim its own slot, a replica beyond the slots must
// stop with a clear message, and a slot freed by a killed replica must go to the next one, with
// the queue it left behind.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningEngine, startEngine } from '@obs/test-support/engine';
import { startProcess } from '@obs/test-support/processes';
import { repoPath } from '@obs/test-support/repo';
import { afterEach, describe, expect, it } from 'vitest';

const running: RunningEngine[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function sharedDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'engine-shared-data-'));
  dirs.push(dir);
  return dir;
}

const env = (dataDir: string, slots: number) => ({
  ENGINE_DATA_DIR: dataDir,
  ENGINE_DATA_DIR_SLOTS: String(slots),
  LOG_LEVEL: 'info',
  // An exporter, so each replica opens a queue in its slot (nothing listens on port 1).
  LOKI_URL: 'http://127.0.0.1:1',
});

const slotOf = (engine: RunningEngine): number => {
  const m = /"slot":(\d+)/.exec(engine.output());
  if (!m) throw new Error(`no slot line in:\n${engine.output()}`);
  return Number(m[1]);
};

describe('ENGINE_DATA_DIR_SLOTS: replicas sharing one data directory', () => {
  it('gives each replica its own slot, refuses one more than the slots, and hands a freed slot on', async () => {
    const dir = sharedDir();
    for (let i = 0; i < 3; i++) running.push(await startEngine({ env: env(dir, 3) }));
    const slots = running.map(slotOf);
    expect([...slots].sort()).toEqual([0, 1, 2]);
    for (const slot of slots) expect(existsSync(join(dir, `slot-${slot}`, 'queue')), `slot-${slot}/queue`).toBe(true);

    // A fourth replica finds every slot held: it stops with the reason, not on top of another's queue.
    const fourth = startProcess({
      name: 'fourth',
      args: ['dist/server.js'],
      cwd: repoPath('correlation-engine'),
      inheritEnv: false,
      env: { ...env(dir, 3), HOST: '127.0.0.1', PORT: '0' },
    });
    expect(await fourth.exited).toBe(1);
    expect(fourth.output()).toMatch(/all 3 slots of ENGINE_DATA_DIR .* are held by running engines/);

    // Killed without a chance to clean up: the operating system frees its lock, the next replica takes the slot.
    const victim = running[1] as RunningEngine;
    const freed = slotOf(victim);
    victim.process.child.kill('SIGKILL');
    await victim.process.exited;
    running.splice(1, 1);
    const next = await startEngine({ env: env(dir, 3) });
    running.push(next);
    expect(slotOf(next)).toBe(freed);
  }, 90_000);

  it('moves the queue of a data directory used before slots into slot 0', async () => {
    const dir = sharedDir();
    mkdirSync(join(dir, 'queue'));
    writeFileSync(join(dir, 'queue', 'marker'), 'queued before slots');
    const engine = await startEngine({ env: env(dir, 2) });
    running.push(engine);
    expect(slotOf(engine)).toBe(0);
    expect(existsSync(join(dir, 'slot-0', 'queue', 'marker'))).toBe(true);
    expect(existsSync(join(dir, 'queue'))).toBe(false);
  }, 60_000);
});
