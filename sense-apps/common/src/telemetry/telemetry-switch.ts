/** Why telemetry stays off for this environment, or undefined when it should start. */
export function telemetryDisabledReason(env: NodeJS.ProcessEnv): string | undefined {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return 'OTEL_SDK_DISABLED is true';
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()) return 'OTEL_EXPORTER_OTLP_ENDPOINT is not set';
  return undefined;
}
