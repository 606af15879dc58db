// The A/B phase's staging: two workspaces at paths of different lengths come out at paths of one
// length, each still runs (pnpm's relative links resolve in the copy), our own code is copied
// and third-party modules are hard-linked.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stageAtEqualPaths } from '../src/ab-stage.ts';

const root = mkdtempSync(join(tmpdir(), 'ab-stage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A workspace laid out as pnpm lays ours out: the engine reads `dep` through a relative link into node_modules/.pnpm. */
function workspace(dir: string, answer: string, withPackages: boolean): string {
  const store = join(dir, 'node_modules/.pnpm/dep@1.0.0/node_modules/dep');
  mkdirSync(store, { recursive: true });
  writeFileSync(join(store, 'package.json'), JSON.stringify({ name: 'dep', version: '1.0.0', main: 'index.js' }));
  writeFileSync(join(store, 'index.js'), 'module.exports = "from dep";\n');
  writeFileSync(join(dir, 'package.json'), '{"private":true}\n');
  const engine = join(dir, 'correlation-engine');
  mkdirSync(join(engine, 'dist'), { recursive: true });
  mkdirSync(join(engine, 'node_modules'));
  symlinkSync('../../node_modules/.pnpm/dep@1.0.0/node_modules/dep', join(engine, 'node_modules/dep'));
  writeFileSync(join(engine, 'package.json'), '{"type":"commonjs"}\n');
  writeFileSync(join(engine, 'dist/server.js'), `console.log(require('dep') + ' ${answer}');\n`);
  if (withPackages) {
    mkdirSync(join(dir, 'packages/shared'), { recursive: true });
    writeFileSync(join(dir, 'packages/shared/package.json'), '{"name":"shared"}\n');
  }
  return engine;
}

describe('stageAtEqualPaths', () => {
  const current = workspace(join(root, 'w'), 'current', true);
  const baseline = workspace(join(root, 'a-much-longer-folder-name/with/more/levels/w'), 'baseline', false);
  const [stagedCurrent, stagedBaseline] = stageAtEqualPaths([current, baseline], join(root, 'staged'));

  it('puts every build at a path of one length, in the order given', () => {
    expect(stagedCurrent).toBe(join(root, 'staged/a/correlation-engine'));
    expect(stagedBaseline).toBe(join(root, 'staged/b/correlation-engine'));
    expect(stagedCurrent?.length).toBe(stagedBaseline?.length);
  });

  it('leaves each staged engine runnable, with its dependencies resolved inside the stage', () => {
    const run = (dir: string | undefined) => execFileSync(process.execPath, ['dist/server.js'], { cwd: dir, encoding: 'utf8' }).trim();
    expect(run(stagedCurrent)).toBe('from dep current');
    expect(run(stagedBaseline)).toBe('from dep baseline');
  });

  it('copies our own code and hard-links third-party modules', () => {
    const ino = (p: string) => statSync(p).ino;
    expect(ino(join(stagedCurrent as string, 'dist/server.js'))).not.toBe(ino(join(current, 'dist/server.js')));
    const dep = 'node_modules/.pnpm/dep@1.0.0/node_modules/dep/index.js';
    expect(ino(join(root, 'staged/a', dep))).toBe(ino(join(root, 'w', dep)));
  });

  it('copies packages/ when the workspace has it', () => {
    expect(statSync(join(root, 'staged/a/packages/shared/package.json')).isFile()).toBe(true);
    expect(() => statSync(join(root, 'staged/b/packages'))).toThrow();
  });

  it('refuses a folder that is not a workspace engine folder', () => {
    expect(() => stageAtEqualPaths([join(root, 'w')], join(root, 'other'))).toThrow(/not a workspace's correlation-engine folder/);
  });
});
