export { businessKeysFromContext, enterBusinessContext, withBusinessBaggage } from './business-context.js';
export {
  BUSINESS_KEYS,
  type BusinessKey,
  type BusinessKeys,
  forwardHeaders,
  headerNameFor,
  InvalidBusinessKeyError,
  MAX_KEY_LENGTH,
  resolveBusinessKeys,
} from './business-keys.js';
export { BusinessKeysSpanProcessor } from './business-keys-span-processor.js';
export { currentTraceId } from './current-trace.js';
export { businessKeysMiddleware, expressBusinessKeys } from './express-business-keys.js';
export { InvalidFailFlagError, parseFailFlag } from './fail-flag.js';
export { businessKeysPlugin, businessKeysServerFactory, withBusinessKeys } from './fastify-business-keys.js';
export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export { callNextHop, type NextHop, NextHopError } from './next-hop.js';
export { buildRelayApp, type RelayAppOptions } from './relay-app.js';
export { type RelayServiceSpec, runRelayService } from './relay-service.js';
export { invalidKeyBody } from './request-keys.js';
export { type Closable, listenUntilSignal } from './serve.js';
export { ConfigError, readConfigOrReport, readPort, readServiceConfig, readUrl, type ServiceConfig } from './service-config.js';
