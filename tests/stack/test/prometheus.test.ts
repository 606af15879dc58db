// Prometheus config and alert rules, proven with the real tools: promtool (check config/rules,
// rule unit tests) and a real Prometheus server that loads our config, scrapes a live engine and
// evaluates our rules.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort, type RunningEngine, startEngine } from '../src/engine-process.js';
import { repoPath } from '../src/paths.js';
import { run, describe as show } from '../src/run.js';
import { alertRules, memoryAlertRules } from '../src/stack-queries.js';
import { readYaml } from '../src/yaml-file.js';

const PROM_DIR = repoPath('observability-stack', 'prometheus');

interface AlertCase {
  alertname: string;
  exp_alerts?: unknown[];
}

interface RuleTestFile {
  tests: Array<{ alert_rule_test?: AlertCase[] }>;
}

/** Every alert has a promtool case where it fires and one where it stays silent. */
function expectFiringAndSilentCases(alerts: readonly string[], tests: readonly AlertCase[]): void {
  for (const alert of alerts) {
    const cases = tests.filter((t) => t.alertname === alert);
    expect(
      cases.some((c) => (c.exp_alerts ?? []).length > 0),
      `${alert} never fires in a test`,
    ).toBe(true);
    expect(
      cases.some((c) => (c.exp_alerts ?? []).length === 0),
      `${alert} has no silent case`,
    ).toBe(true);
  }
}

describe('promtool', () => {
  it('accepts prometheus.yml (and finds the rule file it names)', () => {
    const r = run('promtool', ['check', 'config', 'prometheus.yml'], { cwd: PROM_DIR });
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout + r.stderr).toContain('2 rule files found');
  });

  it('accepts alerts.yml', () => {
    const r = run('promtool', ['check', 'rules', 'alerts.yml'], { cwd: PROM_DIR });
    expect(r.code, show(r)).toBe(0);
  });

  it('passes the alert unit tests', () => {
    const r = run('promtool', ['test', 'rules', 'alerts.test.yml'], { cwd: PROM_DIR });
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain('SUCCESS');
  });

  it('accepts memory-alerts.yml and passes its unit tests', () => {
    const check = run('promtool', ['check', 'rules', 'memory-alerts.yml'], { cwd: PROM_DIR });
    expect(check.code, show(check)).toBe(0);
    const test = run('promtool', ['test', 'rules', 'memory-alerts.test.yml'], { cwd: PROM_DIR });
    expect(test.code, show(test)).toBe(0);
    expect(test.stdout).toContain('SUCCESS');
  });

  it('has, for every memory alert, a case where it fires and one where it does not', () => {
    const tests = readYaml<RuleTestFile>(join(PROM_DIR, 'memory-alerts.test.yml')).tests.flatMap((t) => t.alert_rule_test ?? []);
    const alerts = memoryAlertRules().map((r) => r.alert);
    expect(alerts).toEqual(['EngineMemoryShedding', 'EngineMemoryRefusingIngest']);
    expectFiringAndSilentCases(alerts, tests);
  });

  it('has, for every alert, a case where it fires and one where it does not', () => {
    const tests = readYaml<RuleTestFile>(join(PROM_DIR, 'alerts.test.yml')).tests.flatMap((t) => t.alert_rule_test ?? []);
    const alerts = alertRules()
      .map((r) => r.alert)
      .filter((a): a is string => Boolean(a));
    expect(alerts.length).toBeGreaterThanOrEqual(5);
    expectFiringAndSilentCases(alerts, tests);
  });

  it('covers the required alerts (engine down, export failures, backlog, no correlations, drops)', () => {
    const names = alertRules().map((r) => r.alert);
    for (const n of [
      'CorrelationEngineDown',
      'ExporterFailuresRising',
      'ExportBacklogStale',
      'ExportBacklogGrowing',
      'NoCorrelationsWhileRecordsArrive',
      'CorrelationRecordsDropped',
    ]) {
      expect(names).toContain(n);
    }
  });

  it('fails a unit test whose expectation is wrong (the harness is not a rubber stamp)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'promtool-'));
    try {
      const file = parse(readFileSync(join(PROM_DIR, 'alerts.test.yml'), 'utf8')) as RuleTestFile & { rule_files: string[] };
      // Expect silence where the real file expects CorrelationEngineDown to fire.
      const firing = file.tests
        .flatMap((t) => t.alert_rule_test ?? [])
        .find((c) => c.alertname === 'CorrelationEngineDown' && (c.exp_alerts ?? []).length > 0);
      if (!firing) throw new Error('no firing case for CorrelationEngineDown');
      firing.exp_alerts = [];
      file.rule_files = [join(PROM_DIR, 'alerts.yml')];
      writeFileSync(join(dir, 'broken.test.yml'), stringify(file));
      const r = run('promtool', ['test', 'rules', 'broken.test.yml'], { cwd: dir });
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toContain('CorrelationEngineDown');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a real Prometheus with our config and rules, scraping a live engine', () => {
  let engine: RunningEngine | undefined;
  let prometheus: ChildProcess | undefined;
  let promUrl = '';
  let workDir = '';
  let promLog = '';

  beforeAll(async () => {
    engine = await startEngine(repoPath('correlation-engine'));
    workDir = mkdtempSync(join(tmpdir(), 'prometheus-'));
    // Our prometheus.yml with the compose hostnames pointed at this machine and a short
    // interval; everything else (jobs, rule file) as shipped.
    const config = readYaml<{
      global: Record<string, unknown>;
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
      rule_files: string[];
    }>(join(PROM_DIR, 'prometheus.yml'));
    config.global.scrape_interval = '1s';
    config.global.evaluation_interval = '1s';
    const port = await freePort();
    for (const job of config.scrape_configs) {
      if (job.job_name === 'correlation-engine') job.static_configs = [{ targets: [`127.0.0.1:${engine.port}`] }];
      if (job.job_name === 'prometheus') job.static_configs = [{ targets: [`127.0.0.1:${port}`] }];
    }
    config.scrape_configs = config.scrape_configs.filter((j) => j.job_name === 'correlation-engine' || j.job_name === 'prometheus');
    config.rule_files = [join(PROM_DIR, 'alerts.yml'), join(PROM_DIR, 'memory-alerts.yml')];
    writeFileSync(join(workDir, 'prometheus.yml'), stringify(config));
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(workDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(workDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=15d', // the flag the compose file passes
        '--web.enable-remote-write-receiver',
        '--enable-feature=exemplar-storage',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stderr?.on('data', (c: Buffer) => {
      promLog = (promLog + c.toString()).slice(-10_000);
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (prometheus.exitCode !== null) throw new Error(`prometheus exited:\n${promLog}`);
      try {
        if ((await fetch(`${promUrl}/-/ready`)).ok) break;
      } catch {
        // starting
      }
      if (Date.now() > deadline) throw new Error(`prometheus not ready:\n${promLog}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus?.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await engine?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const query = async (expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> => {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as {
      status: string;
      data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    };
    expect(body.status).toBe('success');
    return body.data.result;
  };

  it('scrapes the engine and loads every alert rule healthy', async () => {
    let up: Awaited<ReturnType<typeof query>> = [];
    for (let i = 0; i < 50; i += 1) {
      up = await query('up{job="correlation-engine"}');
      if (up[0]?.value[1] === '1') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(up[0]?.value[1], promLog).toBe('1');
    expect((await query('correlation_open_windows')).length).toBeGreaterThan(0);

    const rules = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
      data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> };
    };
    const loaded = rules.data.groups.flatMap((g) => g.rules);
    expect(loaded.map((r) => r.name).sort()).toEqual([...alertRules(), ...memoryAlertRules()].map((r) => r.alert).sort());
    // Evaluated at least once against real engine series, without errors.
    for (let i = 0; i < 30; i += 1) {
      const again = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as typeof rules;
      const all = again.data.groups.flatMap((g) => g.rules);
      if (all.every((r) => r.health === 'ok')) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`rules not healthy: ${JSON.stringify(loaded)}`);
  });

  it('does not fire CorrelationEngineDown while the engine is up', async () => {
    const alerts = (await (await fetch(`${promUrl}/api/v1/alerts`)).json()) as {
      data: { alerts: Array<{ labels: Record<string, string> }> };
    };
    expect(alerts.data.alerts.map((a) => a.labels.alertname)).not.toContain('CorrelationEngineDown');
  });
});
