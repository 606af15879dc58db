// Where the artifacts under test live, from the repository root.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const STACK_DIR = join(REPO_ROOT, 'observability-stack');
export const CACHE_BIN = join(REPO_ROOT, '.cache', 'bin');

export const repoPath = (...parts: string[]): string => join(REPO_ROOT, ...parts);
