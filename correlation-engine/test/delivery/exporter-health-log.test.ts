// safeTarget: what the start-up line may show of an exporter URL.
import { describe, expect, it } from 'vitest';
import { safeTarget } from '../../src/delivery/exporter-health-log.js';

describe('safeTarget', () => {
  it.each([
    ['http://loki:3100/loki/api/v1/push', 'http://loki:3100/loki/api/v1/push'],
    ['https://http-intake.logs.datadoghq.eu/api/v2/logs?dd-api-key=SECRET', 'https://http-intake.logs.datadoghq.eu/api/v2/logs'],
    ['https://user:SECRET@proxy.example:8443/intake', 'https://proxy.example:8443/intake'],
    ['not a url SECRET', '(invalid URL)'],
  ])('%s -> %s', (url, shown) => {
    expect(safeTarget(url)).toBe(shown);
    expect(safeTarget(url)).not.toContain('SECRET');
  });
});
