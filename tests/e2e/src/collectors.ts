// Starting collectors (the gateway with the shipped config, the stand-in sink) and waiting until
// they serve.
import { gatewayConfig, otelcolBinary } from './otelcol.js';
import type { ManagedProcess, ProcessSet } from './processes.js';
import { waitFor, waitForHttpOk } from './wait.js';

const START_TIMEOUT_MS = 20_000;

export interface RunningGateway {
  proc: ManagedProcess;
  httpUrl: string;
  healthUrl: string;
}

/** The gateway from gateway/otel-config.yaml (plus overlays); only the environment differs. */
export async function startGateway(
  set: ProcessSet,
  name: string,
  env: Record<string, string>,
  overlays: readonly string[] = [],
): Promise<RunningGateway> {
  const configs = [gatewayConfig, ...overlays].map((file) => `--config=${file}`);
  const proc = set.start({ name, command: otelcolBinary(), args: configs, env });
  const healthUrl = `http://${env.GATEWAY_HEALTH_ENDPOINT}/`;
  await readyOrExited(proc, waitForHttpOk(healthUrl, START_TIMEOUT_MS));
  return { proc, httpUrl: `http://${env.GATEWAY_OTLP_HTTP_ENDPOINT}`, healthUrl };
}

/** A collector with a test config; ready once `probeUrl` answers at all (a 404 is fine). */
export async function startSinkCollector(set: ProcessSet, name: string, config: string, probeUrl: string): Promise<ManagedProcess> {
  const proc = set.start({ name, command: otelcolBinary(), args: [`--config=${config}`] });
  const listening = waitFor(
    `${name} to listen on ${probeUrl}`,
    async () => (await fetch(probeUrl, { signal: AbortSignal.timeout(2_000) })).status > 0,
    START_TIMEOUT_MS,
  );
  await readyOrExited(proc, listening);
  return proc;
}

/** Waits for `ready`, failing at once (with the process's output) if the process exits first. */
export async function readyOrExited(proc: ManagedProcess, ready: Promise<unknown>): Promise<void> {
  let settled = false;
  const exitedEarly = proc.exited.then((code) => {
    if (!settled) throw new Error(`${proc.name} exited (${code}) during start-up:\n${proc.tail()}`);
  });
  ready.catch(() => undefined); // whichever loses the race must not surface as unhandled
  try {
    await Promise.race([ready, exitedEarly]);
  } finally {
    settled = true;
  }
}

export async function postJson(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    ...init,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
}
