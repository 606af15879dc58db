// Where the artifacts under test live, from the repository root.
import { join } from 'node:path';
import { REPO_ROOT } from '@obs/test-support/repo';

export { REPO_ROOT, repoPath } from '@obs/test-support/repo';
export const STACK_DIR = join(REPO_ROOT, 'observability-stack');
export const CACHE_BIN = join(REPO_ROOT, '.cache', 'bin');
