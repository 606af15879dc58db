// The visibility phase's probe against the built engine, as a real process: every probe it sends
// is seen on the API and on the live stream, its POST's answer is timed as part of each, and the
// engine's own histogram, which the phase reads to say which side a late probe waited on, counts
// the probe's batches.
import { startEngine } from '@obs/test-support/engine';
import { metricSum } from '@obs/test-support/prometheus-text';
import { expect, it } from 'vitest';
import { probeVisibility } from '../src/visibility-probe.ts';

it('times each probe to its answer, its open window and its stream update; the engine counts the same batches', async () => {
  const engine = await startEngine();
  try {
    const result = await probeVisibility(engine.url, 1_500, 100);
    expect(result.probes).toBeGreaterThanOrEqual(5);
    expect(result.acceptMs).toHaveLength(result.probes);
    expect(result.apiMs).toHaveLength(result.probes);
    expect(result.streamMs).toHaveLength(result.probes);
    // The window is asked for only once the POST is answered: no probe is visible before that.
    for (const [i, ms] of result.apiMs.entries()) expect(ms).toBeGreaterThanOrEqual(result.acceptMs[i] as number);

    const metrics = await (await fetch(`${engine.url}/metrics`)).text();
    expect(metricSum(metrics, 'correlation_visibility_seconds_count', { surface: 'api' })).toBe(result.probes);
    expect(metricSum(metrics, 'correlation_visibility_seconds_count', { surface: 'stream' })).toBe(result.probes);
    // The bucket the phase subtracts from the count: every one of these idle-engine batches is in it.
    expect(metricSum(metrics, 'correlation_visibility_seconds_bucket', { surface: 'api', le: '1' })).toBe(result.probes);
  } finally {
    await engine.stop();
  }
});
