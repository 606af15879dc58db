#!/usr/bin/env node
// Runs every workspace's tests in one vitest run and ends with the plain summary line
// `N passed, N failed` (vitest's own summary is not in that form).
// Extra arguments go to vitest, e.g. `pnpm test correlation-engine`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const outDir = join(root, '.cache');
// One report per run: several runs at once (developers, agents) must not read each other's.
const outFile = join(outDir, `vitest-report-${process.pid}.json`);
mkdirSync(outDir, { recursive: true });
rmSync(outFile, { force: true });

const args = ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${outFile}`, ...process.argv.slice(2)];
const run = spawnSync('pnpm', args, { cwd: root, stdio: 'inherit' });

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const report = JSON.parse(readFileSync(outFile, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A test file that fails to load has no tests in it; count it as a failure so it cannot hide.
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed += 1;
  }
} catch (err) {
  console.error(`run-tests: no vitest report (${err.message})`);
  failed += 1;
}
if (run.status !== 0 && failed === 0) failed = 1; // vitest failed for a reason the report does not show
rmSync(outFile, { force: true });
process.exitCode = failed > 0 ? 1 : 0;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
