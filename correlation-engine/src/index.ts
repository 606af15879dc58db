// Public surface of the engine package.

export { type Config, ConfigError, loadConfig } from './config.js';
export { Correlator, type CorrelatorOptions } from './correlate/correlator.js';
export { BackpressureError, type Delivery, NoopDelivery } from './delivery/delivery.js';
export { type BuildAppOptions, buildApp, type Engine } from './http/app.js';
export { createMetrics, type Metrics, type MetricsOptions } from './metrics.js';
export type * from './model/types.js';
export { BUSINESS_KEYS, LINKING_KEYS, SEVERITIES } from './model/types.js';
