// Zod building blocks for reading environment variables. Every value arrives as a string (or is
// absent); these turn it into a typed value or a message that says what was expected.
import { z } from 'zod';

/** Compose files often write `VAR=` to mean "unset": treat an empty string as absent. */
function blankAsUnset(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

/** true/false/1/0 only: "yes" or "on" are more likely typos than intent. */
export function envBoolean(fallback: boolean) {
  return z.preprocess(
    blankAsUnset,
    z
      .enum(['true', 'false', '1', '0'], { error: 'must be one of true, false, 1, 0' })
      .optional()
      .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1')),
  );
}

/** A whole number in [min, max], as text. */
function wholeNumber(min: number, max: number) {
  return z
    .string()
    .regex(/^[0-9]+$/, { error: 'must be a whole number' })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { error: `must be >= ${min}` })
        .max(max, { error: `must be <= ${max}` }),
    );
}

/** A whole number in [min, max]. */
export function envInt(fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) {
  return z.preprocess(
    blankAsUnset,
    wholeNumber(min, max)
      .optional()
      .transform((v) => v ?? fallback),
  );
}

/** An optional whole number in [min, max] (undefined when unset). */
export function envOptionalInt(min: number, max = Number.MAX_SAFE_INTEGER) {
  return z.preprocess(blankAsUnset, wholeNumber(min, max).optional());
}

/** A positive decimal number (fractions allowed). */
export function envPositiveNumber(fallback: number) {
  return z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^[0-9]*\.?[0-9]+$/, { error: 'must be a positive number' })
      .transform(Number)
      .pipe(z.number().positive({ error: 'must be > 0' }))
      .optional()
      .transform((v) => v ?? fallback),
  );
}

/** A non-empty string, or the fallback when unset. */
export function envString(fallback: string) {
  return z.preprocess(
    blankAsUnset,
    z
      .string()
      .optional()
      .transform((v) => v ?? fallback),
  );
}

/** An optional non-empty string (undefined when unset). */
export function envOptionalString() {
  return z.preprocess(blankAsUnset, z.string().optional());
}

/** An optional absolute http(s) URL, trailing slash removed so paths can be appended. */
export function envOptionalUrl() {
  return z.preprocess(
    blankAsUnset,
    z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      .optional()
      .transform((v) => v?.replace(/\/+$/, '')),
  );
}

/** One of a fixed set of words. */
export function envEnum<const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) {
  return z.preprocess(
    blankAsUnset,
    z
      .enum(values, { error: `must be one of ${values.join(', ')}` })
      .optional()
      .transform((v) => v ?? fallback),
  );
}

/** Most ports one list may name: enough for any ring, few enough that a typo'd range is caught. */
const MAX_LISTED_PORTS = 64;

/**
 * A list of TCP ports, "4320,4321" or ranges "4320-4330" (commas between), no duplicates; empty
 * when unset. 0 (any free port) is not allowed: a listed port must be one the sender can name.
 */
export function envPortList() {
  return z.preprocess(
    blankAsUnset,
    z
      .string()
      .regex(/^\s*[0-9]+(\s*-\s*[0-9]+)?(\s*,\s*[0-9]+(\s*-\s*[0-9]+)?)*\s*$/, {
        error: 'must be ports or ranges separated by commas, e.g. 4320-4330 or 4320,4321',
      })
      .transform((text, ctx) => {
        const ports: number[] = [];
        for (const part of text.split(',')) {
          const [from, to = from] = part.split('-').map((p) => Number(p.trim())) as [number, number?];
          if (from < 1 || to > 65535 || from > to) {
            ctx.addIssue({ code: 'custom', message: `"${part.trim()}" is not a port or range within 1..65535` });
            return z.NEVER;
          }
          if (ports.length + (to - from + 1) > MAX_LISTED_PORTS) {
            ctx.addIssue({ code: 'custom', message: `must name at most ${MAX_LISTED_PORTS} ports` });
            return z.NEVER;
          }
          for (let p = from; p <= to; p++) ports.push(p);
        }
        if (new Set(ports).size !== ports.length) {
          ctx.addIssue({ code: 'custom', message: 'names a port twice' });
          return z.NEVER;
        }
        return ports;
      })
      .optional()
      .transform((v) => v ?? []),
  );
}
