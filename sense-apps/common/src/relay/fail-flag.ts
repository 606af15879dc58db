export class InvalidFailFlagError extends Error {
  override name = 'InvalidFailFlagError';
  constructor(value: string) {
    super(`fail must be "true" or "false", got "${value.slice(0, 32)}"`);
  }
}

/** `?fail=true` asks the chain's last hop to fail (for demos and tests). */
export function parseFailFlag(value: unknown): boolean {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw new InvalidFailFlagError(String(value));
}
