export { businessKeysFromContext, enterBusinessContext, withBusinessBaggage } from './business-keys/business-context.js';
export {
  BUSINESS_KEYS,
  type BusinessKey,
  type BusinessKeys,
  forwardHeaders,
  headerNameFor,
  InvalidBusinessKeyError,
  MAX_KEY_LENGTH,
  resolveBusinessKeys,
} from './business-keys/business-keys.js';
export { BusinessKeysSpanProcessor } from './business-keys/business-keys-span-processor.js';
export { businessKeysMiddleware, expressBusinessKeys } from './business-keys/express-business-keys.js';
export { businessKeysPlugin, businessKeysServerFactory, withBusinessKeys } from './business-keys/fastify-business-keys.js';
export { invalidKeyBody } from './business-keys/request-keys.js';
export { InvalidFailFlagError, parseFailFlag } from './relay/fail-flag.js';
export { callNextHop, type NextHop, NextHopError } from './relay/next-hop.js';
export { buildRelayApp, type RelayAppOptions } from './relay/relay-app.js';
export { type RelayServiceSpec, runRelayService } from './relay/relay-service.js';
export { type Closable, listenUntilSignal } from './relay/serve.js';
export { ConfigError, readConfigOrReport, readPort, readServiceConfig, readUrl, type ServiceConfig } from './relay/service-config.js';
export { currentTraceId } from './telemetry/current-trace.js';
export { createLogger, type Logger, type LoggerOptions } from './telemetry/logger.js';
