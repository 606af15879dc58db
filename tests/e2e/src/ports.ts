// Moved to @obs/test-support; these names stay for the end-to-end test's existing imports.
export { freePorts, namedPorts } from '@obs/test-support/ports';
