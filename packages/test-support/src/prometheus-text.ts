// Reading one figure out of a Prometheus text exposition (an engine's or a collector's /metrics),
// for tests and the bench that compare counters before and after something happens.

/**
 * Sum of the samples of `name` whose labels include every pair of `labels` (the exposed name: a
 * counter's `_total` suffix included when the exporter adds one). 0 when there is none.
 */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/);
    if (!m || m[1] !== name) continue;
    const labelText = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}
