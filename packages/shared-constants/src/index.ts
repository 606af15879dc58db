// Constants the engine and the sense apps must agree on, in one place: the apps put these keys
// on spans and logs, the engine reads, indexes and exports them under the same names.

/** The keys that join traces with the orchestrator's logs. Order is the display order. */
export const BUSINESS_KEYS = ['circuit_id', 'product_id', 'resource_id', 'resource_type_id', 'request_id'] as const;
export type BusinessKey = (typeof BUSINESS_KEYS)[number];

/**
 * Keys that link a trace-less record to open trace windows: unique enough to mean "the same
 * thing". product_id and resource_type_id name categories and request_id a single request.
 */
export const LINKING_KEYS = ['circuit_id', 'resource_id'] as const satisfies readonly BusinessKey[];
