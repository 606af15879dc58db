// Starts the three real sense apps (beorn -> palantir -> arda) from their built dist, exporting
// OTLP straight to the engine, the way `make demo` runs them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildOnce } from '@obs/test-support/build';
import { SENSE_APPS, startSenseAppChain } from '@obs/test-support/sense-apps';
import type { Started } from './processes.js';

export const APPS = SENSE_APPS;
export type AppName = (typeof APPS)[number];

/** True once the apps' sources are in the checkout (the tests then use them, not synthetic spans). */
export function senseAppsPresent(root: string): boolean {
  return (
    existsSync(join(root, 'sense-apps/common/src/telemetry/telemetry.ts')) &&
    APPS.every((app) => existsSync(join(root, `sense-apps/${app}/src/server.ts`)))
  );
}

/** Builds the apps unless their dist is current (`make test` has normally built them already). */
export function ensureBuilt(): void {
  buildOnce('sense-apps/common', ...APPS.map((app) => `sense-apps/${app}`));
}

export interface RunningApps {
  urls: Record<AppName, string>;
  procs: Started[];
}

/** `authorization` is the engine's Basic header when BasicAuth is on (its OTLP routes need it too). */
export async function startSenseApps(otlpEndpoint: string, authorization?: string): Promise<RunningApps> {
  const chain = await startSenseAppChain({
    otlpEndpoint,
    inheritEnv: false,
    env: {
      LOG_LEVEL: 'info',
      // The SDK URL-decodes header values, so the space after "Basic" is written %20.
      ...(authorization ? { OTEL_EXPORTER_OTLP_HEADERS: `Authorization=${encodeURIComponent(authorization)}` } : {}),
      // Short export delays: the spans must reach the engine well inside its short window.
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_BLRP_SCHEDULE_DELAY: '200',
    },
  });
  return { urls: chain.urls, procs: chain.processes };
}
