// Moved to @obs/test-support; this name stays for the stack tests' existing imports.
export { describe, type RunOptions, type RunResult, run } from '@obs/test-support/run';
