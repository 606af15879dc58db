// Public surface of the engine package.
export { type BuildAppOptions, buildApp, type Engine } from './app.js';
export { type Config, ConfigError, loadConfig } from './config.js';
export { BackpressureError, type Delivery, NoopDelivery } from './exporters/delivery.js';
export { createMetrics, type Metrics, type MetricsOptions } from './metrics.js';
export { Correlator, type CorrelatorOptions } from './pipeline/correlator.js';
export type * from './pipeline/types.js';
export { BUSINESS_KEYS, LINKING_KEYS, SEVERITIES } from './pipeline/types.js';
