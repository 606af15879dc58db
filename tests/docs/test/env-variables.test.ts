// The engine's variables agree between the config schema, both .env.example files and the docs
// (correlation-engine/README.md "Configuration", observability-stack/README.md "Settings (.env)");
// the sense apps' .env.example files agree with sense-apps/README.md.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, repoPath } from '@obs/test-support/repo';
import { describe, expect, it } from 'vitest';
import { ENGINE_TABLE, type EnvSources, envDocProblems, readSchemaVariables, STACK_TABLE } from '../src/env-docs.js';

const read = (path: string): string => readFileSync(repoPath(path), 'utf8');

function repoSources(): EnvSources {
  const apps = ['beorn', 'palantir', 'arda'].filter((app) => existsSync(repoPath('sense-apps', app, '.env.example')));
  return {
    schema: readSchemaVariables(join(REPO_ROOT, 'correlation-engine/src'), REPO_ROOT),
    engineExample: read('correlation-engine/.env.example'),
    rootExample: read('.env.example'),
    engineReadme: read('correlation-engine/README.md'),
    stackReadme: read('observability-stack/README.md'),
    senseAppExamples: new Map(apps.map((app) => [app, read(`sense-apps/${app}/.env.example`)])),
    senseAppsReadme: read('sense-apps/README.md'),
  };
}

describe('environment variables are documented once and agree everywhere', () => {
  it('finds the schema in both of its files (so an empty scan cannot pass)', () => {
    const schema = readSchemaVariables(join(REPO_ROOT, 'correlation-engine/src'), REPO_ROOT);
    expect(schema.get('PORT')).toMatch(/^correlation-engine\/src\/.*\.ts$/);
    expect(schema.get('LOKI_URL')).toMatch(/^correlation-engine\/src\/.*\.ts$/);
    expect(schema.size).toBeGreaterThan(30);
  });

  it('schema, .env.example files and the docs tables name the same variables', () => {
    expect(envDocProblems(repoSources())).toEqual([]);
  });

  it('names the variable and the place for each kind of gap', () => {
    const sources = repoSources();
    const withoutRow = sources.engineReadme.replace(/^\| `CORR_RECENT_LOGS` \|.*\n/m, '');
    expect(withoutRow).not.toBe(sources.engineReadme);
    expect(envDocProblems({ ...sources, engineReadme: withoutRow })).toEqual([
      `CORR_RECENT_LOGS: read by the config schema (${sources.schema.get('CORR_RECENT_LOGS')}) but missing from ${ENGINE_TABLE}`,
    ]);

    const schema = new Map(sources.schema).set('NEW_KNOB', 'correlation-engine/src/new.ts');
    expect(envDocProblems({ ...sources, schema })).toEqual([
      `NEW_KNOB: read by the config schema (correlation-engine/src/new.ts) but missing from ${ENGINE_TABLE}`,
      'NEW_KNOB: read by the config schema (correlation-engine/src/new.ts) but missing from correlation-engine/.env.example',
    ]);

    expect(envDocProblems({ ...sources, rootExample: `${sources.rootExample}\nSTRAY_SETTING=1\n` })).toEqual([
      `STRAY_SETTING: in .env.example (root) but missing from ${STACK_TABLE} (and not an engine variable)`,
    ]);

    const apps = new Map(sources.senseAppExamples).set('arda', 'EXTRA_APP_VAR=1\n');
    expect(envDocProblems({ ...sources, senseAppExamples: apps })).toEqual([
      'EXTRA_APP_VAR: in sense-apps/arda/.env.example but missing from the variable table of sense-apps/README.md',
    ]);
  });
});
