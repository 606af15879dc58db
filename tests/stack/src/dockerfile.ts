// Moved to @obs/test-support; this name stays for the stack tests' existing imports.
export { type Dockerfile, type Instruction, readDockerfile, type Stage, stageEnv } from '@obs/test-support/dockerfile';
