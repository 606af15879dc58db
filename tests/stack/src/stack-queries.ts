// Every query the stack ships, with where it came from and its language: dashboard targets and
// Explore links, datasource-level queries (trace -> logs/metrics), and alert rule expressions.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { unescapeProvisioning } from './grafana-vars.js';
import { REPO_ROOT, STACK_DIR } from './paths.js';
import type { QueryLanguage } from './query-languages.js';
import { readJson, readYaml } from './yaml-file.js';

export interface StackQuery {
  where: string;
  language: QueryLanguage;
  /** As written (provisioning `$$` already turned into `$`), Grafana variables still in place. */
  query: string;
}

const LANGUAGE_BY_DATASOURCE: Record<string, QueryLanguage> = { prometheus: 'promql', loki: 'logql', tempo: 'traceql' };

export const DASHBOARD_DIR = join(STACK_DIR, 'grafana', 'provisioning', 'dashboards');
export const DATASOURCES_FILE = join(STACK_DIR, 'grafana', 'provisioning', 'datasources', 'datasources.yml');
export const ALERTS_FILE = join(STACK_DIR, 'prometheus', 'alerts.yml');
export const MEMORY_ALERTS_FILE = join(STACK_DIR, 'prometheus', 'memory-alerts.yml');

type Json = Record<string, unknown>;
export interface DatasourceRef {
  type?: string;
  uid?: string;
}

export function dashboardFiles(): string[] {
  return readdirSync(DASHBOARD_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(DASHBOARD_DIR, f));
}

/** Panels including those nested in collapsed rows. */
export function allPanels(dashboard: Json): Json[] {
  const out: Json[] = [];
  for (const panel of (dashboard.panels as Json[] | undefined) ?? []) {
    out.push(panel);
    for (const inner of (panel.panels as Json[] | undefined) ?? []) out.push(inner);
  }
  return out;
}

/** Queries inside an Explore URL's `panes` parameter (data links, dashboard links). */
export function exploreLinkQueries(url: string): Array<{ datasource: string; query: string }> {
  const match = /[?&]panes=([^&]+)/.exec(url);
  if (!match?.[1]) return [];
  // `${__value.raw}` stays unencoded in the URL so Grafana can interpolate it.
  const panes = JSON.parse(decodeURIComponent(match[1])) as Record<string, { datasource: string; queries: Json[] }>;
  const out: Array<{ datasource: string; query: string }> = [];
  for (const pane of Object.values(panes)) {
    for (const q of pane.queries) {
      const text = (q.expr ?? q.query) as string | undefined;
      if (text) out.push({ datasource: pane.datasource, query: text });
    }
  }
  return out;
}

function linksOf(panel: Json): string[] {
  const urls: string[] = [];
  const field = panel.fieldConfig as { defaults?: { links?: Json[] }; overrides?: Array<{ properties: Json[] }> } | undefined;
  for (const l of field?.defaults?.links ?? []) urls.push(l.url as string);
  for (const o of field?.overrides ?? []) {
    for (const p of o.properties) if (p.id === 'links') for (const l of p.value as Json[]) urls.push(l.url as string);
  }
  for (const l of (panel.links as Json[] | undefined) ?? []) urls.push(l.url as string);
  return urls;
}

export function dashboardQueries(path: string): StackQuery[] {
  const dashboard = readJson<Json>(path);
  const file = relative(REPO_ROOT, path);
  const out: StackQuery[] = [];
  for (const panel of allPanels(dashboard)) {
    const panelDs = panel.datasource as DatasourceRef | undefined;
    for (const target of (panel.targets as Json[] | undefined) ?? []) {
      const ds = (target.datasource as DatasourceRef | undefined) ?? panelDs;
      const language = LANGUAGE_BY_DATASOURCE[ds?.type ?? ''];
      const query = (target.expr ?? target.query) as string | undefined;
      if (!language || query === undefined)
        throw new Error(`${file}: panel "${String(panel.title)}" target ${String(target.refId)} has no query or an unknown datasource`);
      out.push({ where: `${file} panel "${String(panel.title)}" ${String(target.refId)}`, language, query });
    }
    for (const url of linksOf(panel)) {
      for (const q of exploreLinkQueries(url)) {
        const language = LANGUAGE_BY_DATASOURCE[q.datasource];
        if (language) out.push({ where: `${file} panel "${String(panel.title)}" link`, language, query: q.query });
      }
    }
  }
  for (const link of (dashboard.links as Json[] | undefined) ?? []) {
    for (const q of exploreLinkQueries(link.url as string)) {
      const language = LANGUAGE_BY_DATASOURCE[q.datasource];
      if (language) out.push({ where: `${file} dashboard link "${String(link.title)}"`, language, query: q.query });
    }
  }
  return out;
}

export interface ProvisionedDatasource {
  name: string;
  type: string;
  uid: string;
  url: string;
  jsonData?: Json;
}

export function provisionedDatasources(): ProvisionedDatasource[] {
  return readYaml<{ datasources: ProvisionedDatasource[] }>(DATASOURCES_FILE).datasources;
}

export function datasourceQueries(): StackQuery[] {
  const out: StackQuery[] = [];
  for (const ds of provisionedDatasources()) {
    const j = ds.jsonData ?? {};
    const toLogs = j.tracesToLogsV2 as Json | undefined;
    if (typeof toLogs?.query === 'string') {
      out.push({ where: `${ds.uid}.tracesToLogsV2.query`, language: 'logql', query: unescapeProvisioning(toLogs.query) });
    }
    const toMetrics = j.tracesToMetrics as { queries?: Array<{ name: string; query: string }> } | undefined;
    for (const q of toMetrics?.queries ?? []) {
      out.push({ where: `${ds.uid}.tracesToMetrics "${q.name}"`, language: 'promql', query: unescapeProvisioning(q.query) });
    }
  }
  return out;
}

export interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(): AlertRule[] {
  const file = readYaml<{ groups: Array<{ name: string; rules: AlertRule[] }> }>(ALERTS_FILE);
  return file.groups.flatMap((g) => g.rules);
}

/** The memory-budget alerts (a rule file of their own, docs/memory-budget.md). */
export function memoryAlertRules(): AlertRule[] {
  const file = readYaml<{ groups: Array<{ name: string; rules: AlertRule[] }> }>(MEMORY_ALERTS_FILE);
  return file.groups.flatMap((g) => g.rules);
}

export function ruleQueries(): StackQuery[] {
  return [
    ...alertRules().map((r) => ({ where: `alerts.yml ${r.alert ?? r.record}`, language: 'promql' as const, query: r.expr })),
    ...memoryAlertRules().map((r) => ({ where: `memory-alerts.yml ${r.alert ?? r.record}`, language: 'promql' as const, query: r.expr })),
  ];
}

export function everyStackQuery(): StackQuery[] {
  return [...dashboardFiles().flatMap(dashboardQueries), ...datasourceQueries(), ...ruleQueries()];
}
