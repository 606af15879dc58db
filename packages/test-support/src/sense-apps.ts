// The three sense apps (beorn -> palantir -> arda) from their built dist as real processes on
// free loopback ports, telemetry loaded first as in production, exporting OTLP to `otlpEndpoint`.
import { join } from 'node:path';
import { freePorts } from '#ports';
import { type RunningProcess, startProcess, waitForHealth } from '#processes';
import { REPO_ROOT } from '#repo';

export const SENSE_APPS = ['beorn', 'palantir', 'arda'] as const;
export type SenseApp = (typeof SENSE_APPS)[number];

export interface SenseAppChainOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT of every app (the engine's /api/otlp, a gateway, a test receiver). */
  otlpEndpoint: string;
  /** Added to (and overriding) each app's environment: export delays, protocol, headers. */
  env?: NodeJS.ProcessEnv;
  /** false: only PATH, HOME and the variables given here (see startProcess). */
  inheritEnv?: boolean;
}

export interface SenseAppChain {
  urls: Record<SenseApp, string>;
  processes: RunningProcess[];
  stop(): Promise<void>;
}

/** One app from its built dist, with telemetry loaded first as in production. */
export function startSenseApp(app: SenseApp, env: NodeJS.ProcessEnv, inheritEnv = true): RunningProcess {
  return startProcess({
    name: app,
    args: ['--import', '@obs/sense-common/telemetry', 'dist/server.js'],
    cwd: join(REPO_ROOT, 'sense-apps', app),
    inheritEnv,
    env,
  });
}

/** Starts the chain and resolves once every app answers /health; stops them all if one does not. */
export async function startSenseAppChain(options: SenseAppChainOptions): Promise<SenseAppChain> {
  const ports = await freePorts(SENSE_APPS.length);
  const urls = Object.fromEntries(SENSE_APPS.map((app, i) => [app, `http://127.0.0.1:${ports[i]}`])) as Record<SenseApp, string>;
  const processes = SENSE_APPS.map((app, i) =>
    startSenseApp(
      app,
      {
        HOST: '127.0.0.1',
        PORT: String(ports[i]),
        PALANTIR_URL: urls.palantir,
        ARDA_URL: urls.arda,
        OTEL_SERVICE_NAME: app,
        OTEL_EXPORTER_OTLP_ENDPOINT: options.otlpEndpoint,
        OTEL_METRICS_EXPORTER: 'none',
        ...options.env,
      },
      options.inheritEnv,
    ),
  );
  const stop = async (): Promise<void> => {
    await Promise.all(processes.map((p) => p.stop()));
  };
  try {
    await Promise.all(processes.map((p) => waitForHealth(`${urls[p.name as SenseApp]}/health`, p)));
  } catch (err) {
    await stop();
    throw err;
  }
  return { urls, processes, stop };
}
