// Start-up settings every sense app reads (the apps call this once, in server.ts).
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ServiceConfig {
  host: string;
  port: number;
  logLevel: string;
}

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export function readPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${name} must be a port number 0-65535, got "${raw}"`);
  }
  return port;
}

export function readUrl(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name]?.trim() || fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  }
  return url.toString();
}

export function readServiceConfig(env: NodeJS.ProcessEnv, defaultPort: number): ServiceConfig {
  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!LEVELS.has(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${[...LEVELS].join(', ')}, got "${logLevel}"`);
  // 0.0.0.0 by default so the apps are reachable inside containers; the demo binds loopback.
  return { host: env.HOST?.trim() || '0.0.0.0', port: readPort(env, 'PORT', defaultPort), logLevel };
}

/**
 * Runs a settings reader; on a ConfigError prints one line naming the variable and sets
 * process.exitCode, so the process ends without a stack trace and telemetry can still flush.
 */
export function readConfigOrReport<T>(service: string, read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`${service}: ${err.message}`);
    process.exitCode = 1;
    return undefined;
  }
}
