// Maps the many ways producers spell a level onto our six severities.
import type { Severity } from '../../model/types.js';

// Level words seen in Java/log4j/logback, syslog keywords, Python, Go, .NET and pino output.
// NOTICE and AUDIT are informational records; CRIT/ALERT/EMERG/PANIC are all "service is down".
const WORDS: Record<string, Severity> = {
  TRACE: 'TRACE',
  TRC: 'TRACE',
  FINEST: 'TRACE',
  FINER: 'TRACE',
  VERBOSE: 'TRACE',
  DEBUG: 'DEBUG',
  DBG: 'DEBUG',
  FINE: 'DEBUG',
  CONFIG: 'DEBUG',
  INFO: 'INFO',
  INF: 'INFO',
  INFORMATION: 'INFO',
  INFORMATIONAL: 'INFO',
  NOTICE: 'INFO',
  AUDIT: 'INFO',
  WARN: 'WARN',
  WARNING: 'WARN',
  WRN: 'WARN',
  ERROR: 'ERROR',
  ERR: 'ERROR',
  EROR: 'ERROR',
  SEVERE: 'ERROR',
  FATAL: 'FATAL',
  FTL: 'FATAL',
  CRIT: 'FATAL',
  CRITICAL: 'FATAL',
  ALERT: 'FATAL',
  EMERG: 'FATAL',
  EMERGENCY: 'FATAL',
  PANIC: 'FATAL',
};
// Speed: the lowercase and capitalised spellings are keys too, so `warn` or `Error` need one
// lookup and no toUpperCase copy.
const LEVEL_WORDS = new Map<string, Severity>();
// Char codes (either case) a level word can start with: most words of a message are rejected
// without hashing them.
const LEVEL_INITIAL = new Uint8Array(128);
for (const [word, severity] of Object.entries(WORDS)) {
  const lower = word.toLowerCase();
  LEVEL_WORDS.set(word, severity);
  LEVEL_WORDS.set(lower, severity);
  LEVEL_WORDS.set(word.charAt(0) + lower.slice(1), severity);
  LEVEL_INITIAL[word.charCodeAt(0)] = 1;
  LEVEL_INITIAL[lower.charCodeAt(0)] = 1;
}
const LONGEST_WORD = 13;

/** False when a word starting with this char code cannot be a level word. */
export function mayStartLevelWord(c: number): boolean {
  // Non-ASCII may still upper-case into a level word (`ınfo` -> `INFO`): left to toUpperCase.
  return c >= 128 || LEVEL_INITIAL[c] === 1;
}

/** A level word in any case (`warn`, `WARNING`, `Err`...); undefined when it is not one. */
export function severityFromWord(word: string): Severity | undefined {
  // Cheap checks first: most tokens in a message are not level words.
  if (word.length < 3 || word.length > LONGEST_WORD || !mayStartLevelWord(word.charCodeAt(0))) return undefined;
  return LEVEL_WORDS.get(word) ?? LEVEL_WORDS.get(word.toUpperCase());
}

// RFC 5424 section 6.2.1 severities 0..7: emergency, alert, critical, error, warning, notice,
// informational, debug.
const SYSLOG: readonly Severity[] = ['FATAL', 'FATAL', 'FATAL', 'ERROR', 'WARN', 'INFO', 'INFO', 'DEBUG'];

/** Severity from a syslog PRI value (facility * 8 + severity). */
export function severityFromSyslogPri(pri: number): Severity {
  return SYSLOG[pri & 7] as Severity;
}

/** OTLP SeverityNumber 1..24 (four steps per level); undefined for 0 (unspecified) or out of range. */
export function severityFromOtlpNumber(n: number): Severity | undefined {
  if (!(n >= 1 && n <= 24)) return undefined;
  if (n <= 4) return 'TRACE';
  if (n <= 8) return 'DEBUG';
  if (n <= 12) return 'INFO';
  if (n <= 16) return 'WARN';
  if (n <= 20) return 'ERROR';
  return 'FATAL';
}

/**
 * A numeric `level` field of a JSON log line: pino/bunyan use 10..60 (trace..fatal),
 * anything 0..7 is read as a syslog severity.
 */
export function severityFromNumber(n: number): Severity | undefined {
  if (!Number.isFinite(n) || n < 0) return undefined;
  if (n <= 7) return severityFromSyslogPri(n);
  if (n < 10) return undefined;
  if (n < 20) return 'TRACE';
  if (n < 30) return 'DEBUG';
  if (n < 40) return 'INFO';
  if (n < 50) return 'WARN';
  if (n < 60) return 'ERROR';
  return 'FATAL';
}

/** A `level`/`severity` value from a structured record: a word or a number. */
export function severityFromValue(v: unknown): Severity | undefined {
  if (typeof v === 'string') {
    const w = severityFromWord(v);
    if (w) return w;
    const n = v.length > 0 && v.length <= 2 ? Number(v) : Number.NaN;
    return Number.isNaN(n) ? undefined : severityFromNumber(n);
  }
  if (typeof v === 'number') return severityFromNumber(v);
  return undefined;
}
