// Where the artifacts under test live, from the repository root.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const STACK_DIR = join(REPO_ROOT, 'observability-stack');
export const CACHE_BIN = join(REPO_ROOT, '.cache', 'bin');

export const repoPath = (...parts: string[]): string => join(REPO_ROOT, ...parts);
