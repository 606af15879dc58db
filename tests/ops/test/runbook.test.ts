// ops/runbook.md stays in step with the alert rules and covers the day-2 topics of the seed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../lib/run-script.js';

const runbook = readFileSync(join(repoRoot, 'ops', 'runbook.md'), 'utf8');
// Every rule file Prometheus loads (alerts.yml, memory-alerts.yml, ...), not their promtool tests.
const rulesDir = join(repoRoot, 'observability-stack', 'prometheus');
const alerts = readdirSync(rulesDir)
  .filter((f) => /alerts\.ya?ml$/.test(f))
  .map((f) => readFileSync(join(rulesDir, f), 'utf8'))
  .join('\n');
const headings = [...runbook.matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1].trim());

function section(title: string): string {
  const start = runbook.indexOf(`### ${title}\n`);
  if (start < 0) return '';
  const next = runbook.slice(start + 4).search(/^#{2,3} /m);
  return next < 0 ? runbook.slice(start) : runbook.slice(start, start + 4 + next);
}

describe('ops/runbook.md', () => {
  const alertNames = [...alerts.matchAll(/^\s*-\s*alert:\s*(\S+)/gm)].map((m) => m[1]);

  it('has a section for every alert rule, saying what it means and what to do', () => {
    expect(alertNames.length).toBeGreaterThanOrEqual(4);
    for (const name of alertNames) {
      const body = section(name);
      expect(body, `no "### ${name}" section`).not.toBe('');
      expect(body, name).toMatch(/\*\*Means\*\*/);
      expect(body, name).toMatch(/\*\*Fix\*\*/);
    }
  });

  it('has no section for an alert that no longer exists', () => {
    const alertSection = runbook.slice(runbook.indexOf('## Alerts'), runbook.indexOf('\n## ', runbook.indexOf('## Alerts') + 5));
    const documented = [...alertSection.matchAll(/^### (\S+)$/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...alertNames].sort());
  });

  it('covers backup/restore, disaster recovery, network exposure, credential rotation and troubleshooting', () => {
    for (const title of [
      'Backup and restore',
      'Disaster recovery: rebuild Server-124',
      'Network exposure',
      'Credential rotation',
      'Troubleshooting',
    ]) {
      expect(headings).toContain(title);
    }
    expect(runbook).toContain('scripts/backup.sh');
    expect(runbook).toContain('scripts/restore.sh');
    expect(runbook).toContain('scripts/certs/generate-certs.sh');
  });

  it('lists every published port in the exposure table with who may reach it', () => {
    const table = runbook.slice(runbook.indexOf('## Network exposure'), runbook.indexOf('## Credential rotation'));
    for (const port of ['3000', '4317', '4318', '55680', '55681', '8080', '5001', '3100', '3200', '9090', '13133']) {
      expect(table, port).toMatch(new RegExp(`\\|[^|\\n]*\\b${port}\\b[^|\\n]*\\|`));
    }
    expect(table).toMatch(/4317.*MDSO host/);
    expect(table).toMatch(/8080.*localhost only/);
  });
});

describe('ops/runbook.md agrees with the files it describes', () => {
  it('states the compose default of GATEWAY_CERTS_DIR wherever it speaks of its default', () => {
    const compose = readFileSync(join(repoRoot, 'gateway', 'docker-compose.yml'), 'utf8');
    const composeDefault = compose.match(/\$\{GATEWAY_CERTS_DIR:-([^}]+)\}/)?.[1];
    const envExample = readFileSync(join(repoRoot, '.env.example'), 'utf8').match(/^GATEWAY_CERTS_DIR=(.*)$/m)?.[1];
    expect(composeDefault).toBe(envExample);
    const mentions = [...runbook.matchAll(/GATEWAY_CERTS_DIR/g)].map((m) =>
      runbook.slice(Math.max(0, (m.index ?? 0) - 150), (m.index ?? 0) + 150),
    );
    const aboutDefault = mentions.filter((around) => /default/.test(around));
    expect(aboutDefault.length).toBeGreaterThan(0);
    for (const around of aboutDefault) expect(around, around).toContain(`\`${composeDefault}\``);
  });

  it("has the seed's readiness items, the team training among them", () => {
    const checklist = runbook.slice(runbook.indexOf('## Production readiness checklist'));
    expect(checklist).toMatch(/- \[ \] Team trained on the dashboard and queries/);
    expect(checklist).toMatch(/- \[ \] .*[Bb]ackup/);
    expect(checklist).toMatch(/- \[ \] Disaster recovery/);
    expect(checklist).toMatch(/- \[ \] Alert notifications reach the on-call/);
  });

  it('shows how to test an alert end to end, with commands that name real files and alerts', () => {
    const how = section('Testing an alert end to end');
    expect(how).toContain('amtool --alertmanager.url=http://127.0.0.1:9093');
    expect(how).toContain('alert add');
    expect(how).toContain('config routes test');
    expect(alerts).toContain('alert: TempoDown');
    expect(how).toContain('TempoDown');
    const compose = readFileSync(join(repoRoot, 'observability-stack', 'docker-compose.yml'), 'utf8');
    expect(compose).toContain('--config.file=/tmp/alertmanager.yml');
    expect(how).toContain('--config.file=/tmp/alertmanager.yml');
    expect(existsSync(join(repoRoot, 'tests/stack/test/alertmanager.test.ts'))).toBe(true);
  });
});
