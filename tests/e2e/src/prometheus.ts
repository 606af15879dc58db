// Real Prometheus (Debian's /usr/bin/prometheus) with the shipped
// observability-stack/prometheus/prometheus.yml. Only target addresses change (compose service
// names -> the loopback ports the test started); rule files are copied next to the adapted copy
// so their relative paths still resolve.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { repoRoot } from './otelcol.js';
import type { ManagedProcess, ProcessSet } from './processes.js';

export const shippedPrometheusConfig = join(repoRoot, 'observability-stack/prometheus/prometheus.yml');
export const prometheusBinary = '/usr/bin/prometheus';

interface ScrapeConfig {
  job_name: string;
  static_configs?: { targets?: string[] }[];
}

/** Rewrites every static target found in `addresses` (e.g. "correlation-engine:8080" -> "127.0.0.1:41234"). */
export function adaptPrometheusConfig(text: string, addresses: Record<string, string>): { text: string; rewritten: string[] } {
  const doc = parse(text) as { rule_files?: string[]; scrape_configs?: ScrapeConfig[] };
  const rewritten: string[] = [];
  for (const job of doc.scrape_configs ?? []) {
    for (const group of job.static_configs ?? []) {
      group.targets = (group.targets ?? []).map((target) => {
        const local = addresses[target];
        if (local === undefined) return target;
        rewritten.push(`${job.job_name}: ${target} -> ${local}`);
        return local;
      });
    }
  }
  return { text: stringify(doc), rewritten };
}

export async function startPrometheus(
  set: ProcessSet,
  dir: string,
  port: number,
  addresses: Record<string, string>,
): Promise<{ proc: ManagedProcess; url: string; rewritten: string[] }> {
  const shipped = readFileSync(shippedPrometheusConfig, 'utf8');
  const { text, rewritten } = adaptPrometheusConfig(shipped, { ...addresses, 'localhost:9090': `127.0.0.1:${port}` });
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, text);
  for (const rules of (parse(shipped) as { rule_files?: string[] }).rule_files ?? []) {
    const source = join(dirname(shippedPrometheusConfig), rules);
    if (existsSync(source)) copyFileSync(source, join(dir, basename(rules)));
  }
  const proc = set.start({
    name: 'prometheus',
    command: prometheusBinary,
    args: [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
  });
  return { proc, url: `http://127.0.0.1:${port}`, rewritten };
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** Runs an instant query through the HTTP API (/api/v1/query). */
export async function promQuery(baseUrl: string, query: string): Promise<PromSample[]> {
  const res = await fetch(`${baseUrl}/api/v1/query?query=${encodeURIComponent(query)}`, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as { status: string; error?: string; data?: { result?: PromSample[] } };
  if (body.status !== 'success') throw new Error(`query ${query} failed: ${body.error ?? res.status}`);
  return body.data?.result ?? [];
}
