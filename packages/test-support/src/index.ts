// Test support shared by every test folder and the bench. Import from here, or a module directly
// (`@obs/test-support/ports`).
export { buildOnce } from '#build';
export { copyRepoFiles } from '#build-context';
export { type Dockerfile, type Instruction, readDockerfile, type Stage, stageEnv } from '#dockerfile';
export { type EngineOptions, type RunningEngine, startEngine } from '#engine';
export { type GatewayPorts, gatewayListenEnv } from '#gateway-env';
export { freePort, freePorts, namedPorts } from '#ports';
export { type HealthOptions, type RunningProcess, type StartOptions, startProcess, waitForHealth } from '#processes';
export { metricSum } from '#prometheus-text';
export { REPO_ROOT, repoPath } from '#repo';
export { describe as describeRun, type RunOptions, type RunResult, run } from '#run';
export { OverlayShapeError, SCALE_OVERLAY, writeStaticScaleOverlay } from '#scale-overlay';
export { SENSE_APPS, type SenseApp, type SenseAppChain, type SenseAppChainOptions, startSenseApp, startSenseAppChain } from '#sense-apps';
export { eventually, type PollOptions, poll, WaitTimeoutError, waitFor, waitForHttpOk } from '#wait';
