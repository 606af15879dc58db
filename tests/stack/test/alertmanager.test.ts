// Alert notifications with the real tools: the shipped template rendered by its own script for
// each receiver, `amtool check-config` and `amtool config routes test` on the result (Debian's
// prometheus-alertmanager, scripts/lib/ensure-alertmanager.sh), and one alert end to end: a
// metrics endpoint that plays a gateway dropping data -> a real Prometheus with the shipped rules
// -> a real Alertmanager with the rendered config -> the webhook receiver.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { freePort } from '../src/engine-process.js';
import { repoPath } from '../src/paths.js';
import { run, describe as show } from '../src/run.js';
import { readYaml } from '../src/yaml-file.js';

const AM_DIR = repoPath('observability-stack', 'alertmanager');
const PROM_DIR = repoPath('observability-stack', 'prometheus');
const work = mkdtempSync(join(tmpdir(), 'alertmanager-'));
const children: ChildProcess[] = [];
let webhookServer: Server | undefined;
afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
  await new Promise((r) => (webhookServer ? webhookServer.close(r) : r(undefined)));
  rmSync(work, { recursive: true, force: true });
});

/** Runs render-config.sh the way the container does (sh, environment from compose). */
function render(name: string, env: Record<string, string>) {
  const output = join(work, `${name}.yml`);
  const r = run('sh', [join(AM_DIR, 'render-config.sh'), join(AM_DIR, 'alertmanager.yml.tmpl'), output], {
    env: { PATH: process.env.PATH, ...env },
  });
  return { ...r, output };
}

const routeFor = (config: string, labels: string[]) => {
  const r = run('amtool', ['config', 'routes', 'test', `--config.file=${config}`, ...labels]);
  expect(r.code, show(r)).toBe(0);
  return r.stdout.trim();
};

describe('alertmanager config: rendered from .env, checked by amtool', () => {
  const receivers: Array<[string, Record<string, string>]> = [
    ['none', {}],
    ['webhook', { ALERT_WEBHOOK_URL: "https://relay.example/hook?team=obs&name='oncall'" }],
    [
      'email',
      {
        ALERT_EMAIL_TO: 'oncall@example.com',
        ALERT_EMAIL_FROM: 'alertmanager@server-124.example',
        ALERT_SMTP_SMARTHOST: 'smtp.example.com:587',
        ALERT_SMTP_USERNAME: 'am',
        ALERT_SMTP_PASSWORD: "it's a secret",
      },
    ],
  ];

  it.each(receivers)('ALERT_RECEIVER=%s: amtool check-config accepts it and every alert routes there', (receiver, env) => {
    const r = render(receiver, { ALERT_RECEIVER: receiver, ...env });
    expect(r.code, show(r)).toBe(0);
    const check = run('amtool', ['check-config', r.output]);
    expect(check.code, show(check)).toBe(0);
    expect(check.stdout).toContain('SUCCESS');
    expect(routeFor(r.output, ['alertname=LokiDown', 'severity=critical'])).toBe(receiver);
    expect(routeFor(r.output, ['alertname=DataDiskSpaceLow', 'severity=warning'])).toBe(receiver);
    // Values reach the config as given, quotes included (YAML-escaped, not cut off).
    const text = readFileSync(r.output, 'utf8');
    for (const value of Object.values(env)) expect(text).toContain(value.replace(/'/g, "''"));
  });

  it('refuses a chosen receiver without its settings, and an unknown receiver, naming the variable', () => {
    const webhook = render('bad-webhook', { ALERT_RECEIVER: 'webhook' });
    expect(webhook.code).not.toBe(0);
    expect(webhook.stderr).toContain('ALERT_RECEIVER=webhook needs ALERT_WEBHOOK_URL');
    const email = render('bad-email', { ALERT_RECEIVER: 'email', ALERT_EMAIL_TO: 'a@b.c' });
    expect(email.stderr).toContain('needs ALERT_EMAIL_FROM');
    const unknown = render('bad-kind', { ALERT_RECEIVER: 'pager' });
    expect(unknown.stderr).toContain("ALERT_RECEIVER must be none, webhook or email (got 'pager')");
  });

  it('amtool does catch a broken config (the check is real)', () => {
    const r = render('broken', { ALERT_RECEIVER: 'webhook', ALERT_WEBHOOK_URL: 'not a url' });
    expect(r.code).toBe(0);
    expect(run('amtool', ['check-config', r.output]).code).not.toBe(0);
  });

  it('compose passes every variable the template reads, and .env.example documents them', () => {
    const template = readFileSync(join(AM_DIR, 'alertmanager.yml.tmpl'), 'utf8');
    const used = new Set([...template.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1] ?? ''));
    const compose = readYaml<{ services: Record<string, { environment: Record<string, string> }> }>(
      repoPath('observability-stack', 'docker-compose.yml'),
    );
    const envExample = readFileSync(repoPath('.env.example'), 'utf8');
    for (const name of used) {
      expect(Object.keys(compose.services.alertmanager?.environment ?? {}), name).toContain(name);
      expect(envExample, name).toMatch(new RegExp(`^${name}=`, 'm'));
    }
  });
});

describe('one alert end to end: metrics -> Prometheus (shipped rules) -> Alertmanager (rendered config) -> webhook', () => {
  it('GatewayDroppingData reaches the webhook with its labels and summary', async () => {
    // A gateway telemetry endpoint whose enqueue-failed counter grows on every scrape.
    let refused = 0;
    const gateway = createServer((_req, res) => {
      refused += 10;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(
        `# TYPE otelcol_exporter_enqueue_failed_spans counter\notelcol_exporter_enqueue_failed_spans{exporter="otlp_grpc/tempo"} ${refused}\n`,
      );
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const received: Array<{ status: string; alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string> }> }> = [];
    webhookServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end();
      });
    });
    await new Promise<void>((r) => webhookServer?.listen(0, '127.0.0.1', r));
    const webhookUrl = `http://127.0.0.1:${(webhookServer.address() as AddressInfo).port}/alerts`;

    const amPort = await freePort();
    const amCluster = await freePort();
    const rendered = render('e2e', { ALERT_RECEIVER: 'webhook', ALERT_WEBHOOK_URL: webhookUrl });
    expect(rendered.code, show(rendered)).toBe(0);
    const am = spawn(
      'prometheus-alertmanager',
      [
        `--config.file=${rendered.output}`,
        `--storage.path=${join(work, 'am-data')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        `--cluster.listen-address=127.0.0.1:${amCluster}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(am);
    let amLog = '';
    am.stderr?.on('data', (c: Buffer) => {
      amLog = (amLog + c.toString()).slice(-5000);
    });

    // The shipped prometheus.yml with the compose names pointed here and 1 s intervals.
    const config = readYaml<{
      global: Record<string, unknown>;
      alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
      rule_files: string[];
    }>(join(PROM_DIR, 'prometheus.yml'));
    expect(config.alerting.alertmanagers[0]?.static_configs[0]?.targets).toEqual(['alertmanager:9093']);
    config.alerting.alertmanagers = [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }];
    config.global.scrape_interval = '1s';
    config.global.evaluation_interval = '1s';
    const gatewayJob = config.scrape_configs.find((j) => j.job_name === 'otel-gateway');
    expect(gatewayJob).toBeDefined();
    config.scrape_configs = [
      {
        ...(gatewayJob as (typeof config.scrape_configs)[number]),
        static_configs: [{ targets: [`127.0.0.1:${(gateway.address() as AddressInfo).port}`] }],
      },
    ];
    config.rule_files = [join(PROM_DIR, 'alerts.yml')];
    writeFileSync(join(work, 'prometheus.yml'), stringify(config));
    const promPort = await freePort();
    const prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(work, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(work, 'prom-data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(prometheus);

    try {
      // The route's group_wait (30 s) is part of what is tested: the first notification waits for it.
      const deadline = Date.now() + 90_000;
      while (!received.some((n) => n.alerts.some((a) => a.labels.alertname === 'GatewayDroppingData'))) {
        if (Date.now() > deadline) throw new Error(`no notification within 90 s; alertmanager log:\n${amLog}`);
        if (am.exitCode !== null || prometheus.exitCode !== null) throw new Error(`a server exited:\n${amLog}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      gateway.close();
    }
    const alert = received.flatMap((n) => n.alerts).find((a) => a.labels.alertname === 'GatewayDroppingData');
    expect(alert?.labels).toMatchObject({ severity: 'critical', exporter: 'otlp_grpc/tempo' });
    expect(alert?.annotations.summary).toBe('Gateway exporter otlp_grpc/tempo drops data: its queue is full');
  }, 120_000);
});
