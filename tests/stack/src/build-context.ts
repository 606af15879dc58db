// Moved to @obs/test-support; this name stays for the stack tests' existing imports.
export { copyRepoFiles } from '@obs/test-support/build-context';
