// Starts a built correlation engine (`node dist/server.js`) as a real process on a free local
// port with its own data directory, and stops it again (the work is @obs/test-support's).
import { type RunningEngine, startEngine as start } from '@obs/test-support/engine';

export { freePort } from '@obs/test-support/ports';
export type { RunningEngine };

/** `appDir` holds dist/server.js and its node_modules (a workspace package or a `pnpm deploy` folder). */
export function startEngine(appDir: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<RunningEngine> {
  return start({ appDir, env: { NODE_ENV: 'production', ...extraEnv } });
}

/** Metric family names (from `# TYPE` lines) of a Prometheus text exposition. */
export function metricFamilies(exposition: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const line of exposition.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)/.exec(line);
    if (m?.[1] && m[2]) families.set(m[1], m[2]);
  }
  return families;
}

// What Prometheus (2.x and 3.x) asks a target for; the answer decides the stored names.
export const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** Scrapes like Prometheus does and returns the series names it would store. */
export async function scrapeSeriesNames(url: string): Promise<Set<string>> {
  const res = await fetch(url, { headers: { accept: PROMETHEUS_ACCEPT } });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  const openMetrics = (res.headers.get('content-type') ?? '').includes('openmetrics');
  return seriesNames(metricFamilies(await res.text()), openMetrics);
}

/**
 * Series names a family exposes: histograms add _bucket/_sum/_count, summaries _sum/_count, and
 * in OpenMetrics a counter family `x` has samples `x_total`.
 */
export function seriesNames(families: Map<string, string>, openMetrics = false): Set<string> {
  const names = new Set<string>();
  for (const [name, type] of families) {
    names.add(openMetrics && type === 'counter' && !name.endsWith('_total') ? `${name}_total` : name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}
