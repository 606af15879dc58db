// The repository root, found from this file's own place (packages/test-support/src), so tests and
// the bench resolve paths the same way whatever their working directory.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const repoPath = (...parts: string[]): string => join(REPO_ROOT, ...parts);
