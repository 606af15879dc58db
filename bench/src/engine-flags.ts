// The Node flags the engine is started with, read from its `start` script (correlation-engine/
// package.json; its Dockerfile CMD repeats them), so that a bench child standing in for the
// engine runs with the engine's runtime settings: window-memory.ts measures RSS, and the size
// of V8's young generation (--max-semi-space-size) is part of it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The `--` flags between `node` and the script in the engine's `start` script (none for an engine without them). */
export function engineNodeFlags(engineDir: string): string[] {
  const pkg = JSON.parse(readFileSync(join(engineDir, 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  const words = (pkg.scripts?.start ?? '').trim().split(/\s+/);
  if (words[0] !== 'node') throw new Error(`${engineDir}/package.json: the start script does not run node: ${pkg.scripts?.start}`);
  const flags: string[] = [];
  for (const word of words.slice(1)) {
    if (!word.startsWith('--')) break;
    flags.push(word);
  }
  return flags;
}
