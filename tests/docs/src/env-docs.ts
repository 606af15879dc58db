// Every environment variable documented once: the engine's config schema, its .env.example, the
// root .env.example (compose settings), the engine's Configuration table and the stack's Settings
// table must name the same variables. Each problem is one line that says which variable is
// missing where, so adding a variable tells its author exactly which file still lacks it.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { section, tableVariables } from './markdown.js';

export interface EnvSources {
  /** Variable name -> the schema file that reads it. */
  schema: Map<string, string>;
  engineExample: string;
  rootExample: string;
  engineReadme: string;
  stackReadme: string;
  /** App folder -> its .env.example text. */
  senseAppExamples: Map<string, string>;
  senseAppsReadme: string;
}

export const ENGINE_TABLE = 'correlation-engine/README.md (section "Configuration")';
export const STACK_TABLE = 'observability-stack/README.md (section "Settings (.env)")';
export const SENSE_TABLE = 'sense-apps/README.md';

// A schema entry is `NAME: envInt(...)`-style: the helpers of correlation-engine/src/env-schema.ts.
const SCHEMA_ENTRY = /^\s*([A-Z][A-Z0-9_]*)\s*:\s*env[A-Z]\w*\(/gm;

/** Variables the engine's zod schemas read, found wherever in src a schema uses the env-schema helpers. */
export function readSchemaVariables(engineSrc: string, repoRoot: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of readdirSync(engineSrc, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    for (const m of readFileSync(file, 'utf8').matchAll(SCHEMA_ENTRY)) found.set(m[1] as string, relative(repoRoot, file));
  }
  return found;
}

/** Names assigned in a .env file (`NAME=value` lines; comments ignored). */
export function envFileNames(text: string): Set<string> {
  return new Set([...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1] as string));
}

export function envDocProblems(s: EnvSources): string[] {
  const problems: string[] = [];
  const engineSection = section(s.engineReadme, 'Configuration');
  if (engineSection === undefined) return [`${ENGINE_TABLE}: no "Configuration" section`];
  const stackSection = section(s.stackReadme, 'Settings (.env)');
  if (stackSection === undefined) return [`${STACK_TABLE}: no "Settings (.env)" section`];

  const engineRows = tableVariables(engineSection);
  const engineTable = new Set(engineRows);
  const stackRows = tableVariables(stackSection);
  const stackTable = new Set(stackRows);
  const engineExample = envFileNames(s.engineExample);
  const rootExample = envFileNames(s.rootExample);

  for (const [name, file] of s.schema) {
    if (!engineTable.has(name)) problems.push(`${name}: read by the config schema (${file}) but missing from ${ENGINE_TABLE}`);
    if (!engineExample.has(name))
      problems.push(`${name}: read by the config schema (${file}) but missing from correlation-engine/.env.example`);
  }
  for (const name of engineTable) {
    if (!s.schema.has(name)) problems.push(`${name}: in ${ENGINE_TABLE} but not read by the config schema (correlation-engine/src)`);
  }
  for (const name of engineExample) {
    if (!s.schema.has(name))
      problems.push(`${name}: in correlation-engine/.env.example but not read by the config schema (correlation-engine/src)`);
  }
  for (const name of rootExample) {
    if (!s.schema.has(name) && !stackTable.has(name)) {
      problems.push(`${name}: in .env.example (root) but missing from ${STACK_TABLE} (and not an engine variable)`);
    }
  }
  for (const name of stackTable) {
    if (!rootExample.has(name)) problems.push(`${name}: in ${STACK_TABLE} but missing from .env.example (root)`);
    if (s.schema.has(name)) problems.push(`${name}: an engine variable, documented in ${ENGINE_TABLE}; remove it from ${STACK_TABLE}`);
  }
  for (const [rows, where] of [
    [engineRows, ENGINE_TABLE],
    [stackRows, STACK_TABLE],
  ] as const) {
    for (const name of new Set(rows)) {
      const count = rows.filter((r) => r === name).length;
      if (count > 1) problems.push(`${name}: listed ${count} times in ${where}`);
    }
  }

  const senseTable = new Set(tableVariables(s.senseAppsReadme));
  for (const [app, text] of s.senseAppExamples) {
    for (const name of envFileNames(text)) {
      if (!senseTable.has(name))
        problems.push(`${name}: in sense-apps/${app}/.env.example but missing from the variable table of ${SENSE_TABLE}`);
    }
  }
  return problems;
}
