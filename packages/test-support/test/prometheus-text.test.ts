import { describe, expect, it } from 'vitest';
import { metricSum } from '#prometheus-text';

const exposition = `# HELP exporter_sent_total Records sent.
# TYPE exporter_sent_total counter
exporter_sent_total{exporter="loki"} 120
exporter_sent_total{exporter="tempo"} 7
exporter_sent_total_extra{exporter="loki"} 1000
correlation_records_received_total{signal="traces",service="beorn"} 30
correlation_records_received_total{signal="traces",service="arda"} 12
correlation_records_received_total{signal="logs",service="beorn"} 5
otelcol_exporter_sent_spans{exporter="load_balancing/engines"} 2.5e+03
process_uptime 42
`;

describe('metricSum', () => {
  it.each([
    ['one labelled sample', 'exporter_sent_total', { exporter: 'loki' }, 120],
    ['every sample of a name, no filter', 'exporter_sent_total', {}, 127],
    ['a longer name sharing the prefix is another metric', 'exporter_sent_total_extra', {}, 1000],
    ['samples matching one of two labels, summed', 'correlation_records_received_total', { signal: 'traces' }, 42],
    ['both labels', 'correlation_records_received_total', { signal: 'logs', service: 'beorn' }, 5],
    ['exponent notation and a slash in a label value', 'otelcol_exporter_sent_spans', { exporter: 'load_balancing/engines' }, 2500],
    ['a sample without labels', 'process_uptime', {}, 42],
    ['a label value no sample has', 'exporter_sent_total', { exporter: 'datadog' }, 0],
    ['a name not exposed', 'nothing_here_total', {}, 0],
  ])('%s', (_what, name, labels, expected) => {
    expect(metricSum(exposition, name, labels)).toBe(expected);
  });
});
