// The whole start-up of a relay hop (beorn, palantir): read settings, build, listen, stop on
// signals. Their server.ts files only say who they are and who comes next.
import { createLogger } from '../telemetry/logger.js';
import { buildRelayApp } from './relay-app.js';
import { listenUntilSignal } from './serve.js';
import { readConfigOrReport, readServiceConfig, readUrl } from './service-config.js';

export interface RelayServiceSpec {
  service: string;
  defaultPort: number;
  nextHop: { name: string; urlEnv: string; defaultUrl: string };
}

export function runRelayService(spec: RelayServiceSpec, env: NodeJS.ProcessEnv = process.env): void {
  const config = readConfigOrReport(spec.service, () => readServiceConfig(env, spec.defaultPort));
  if (!config) return;
  const nextHopUrl = readConfigOrReport(spec.service, () => readUrl(env, spec.nextHop.urlEnv, spec.nextHop.defaultUrl));
  if (!nextHopUrl) return;
  const logger = createLogger({ service: spec.service, level: config.logLevel });
  const app = buildRelayApp({
    service: spec.service,
    nextHop: { name: spec.nextHop.name, url: nextHopUrl },
    logger,
  });
  const server = app.listen(config.port, config.host, (err?: Error) => {
    if (err) {
      logger.error({ err }, `${spec.service} could not start`);
      process.exitCode = 1;
      return;
    }
    logger.info({ address: server.address() }, `${spec.service} listening`);
  });
  listenUntilSignal(server, logger);
}
