// Moved to @obs/test-support; these names stay for the end-to-end test's existing imports.
export { WaitTimeoutError, waitFor, waitForHttpOk } from '@obs/test-support/wait';
