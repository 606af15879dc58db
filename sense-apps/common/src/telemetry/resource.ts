// Resource attributes for a sense app. Kept pure (env and package.json passed in) so the
// precedence rules are testable without starting an SDK.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PackageInfo {
  name?: string;
  version?: string;
}

/** Reads name/version of the app's package.json in `dir` (the app's working directory). */
export function readPackageInfo(dir: string): PackageInfo {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageInfo;
    return { name: pkg.name, version: pkg.version };
  } catch {
    return {};
  }
}

/** `@obs/beorn` -> `beorn`: the service name when OTEL_SERVICE_NAME is unset. */
export function serviceNameFromPackage(pkg: PackageInfo): string | undefined {
  return pkg.name?.replace(/^@[^/]+\//, '');
}

/**
 * Defaults for service.version and the deployment environment. OTEL_RESOURCE_ATTRIBUTES
 * still wins over these (the SDK merges detected attributes over the configured ones).
 * Both the current (`deployment.environment.name`) and the older key are set: Grafana
 * dashboards and the engine's normalizer may look for either.
 */
export function defaultResourceAttributes(env: NodeJS.ProcessEnv, pkg: PackageInfo): Record<string, string> {
  const environment = env.DEPLOYMENT_ENVIRONMENT || 'dev';
  return {
    'service.version': pkg.version ?? '0.0.0',
    'deployment.environment.name': environment,
    'deployment.environment': environment,
  };
}
