// A queue row whose body file is gone (deleted by hand, a damaged disk): the engine's exporter sets
// that row aside with the reason, delivers the rows after it, and does not stall on it.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { createDelivery } from '../../../src/delivery/create-delivery.js';
import type { DurableDelivery } from '../../../src/delivery/durable-delivery.js';
import { createMetrics } from '../../../src/metrics.js';
import { createLokiSink } from '../../sinks/loki-sink.js';
import { makeLog } from '../../sinks/records.js';

describe('a queued row whose body is lost', () => {
  it('is set aside as unreadable with where its body was, and the rows after it reach Loki', async () => {
    const loki = createLokiSink();
    await loki.up();
    onTestFinished(() => loki.down());
    const dir = mkdtempSync(join(tmpdir(), 'lost-body-test-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const config = loadConfig({
      ENGINE_INSTANCE_ID: 'engine-1',
      DEFAULT_ENV: 'test',
      ENGINE_DATA_DIR: dir,
      LOKI_URL: loki.url,
      EXPORT_LINGER_MS: '10',
    });
    const open = () =>
      createDelivery(config, {
        metrics: createMetrics({ instanceId: 'engine-1', defaultMetrics: false }),
        logger: { info() {}, warn() {}, error() {} },
        version: '9.9.9',
      }) as DurableDelivery;
    // Queued while Loki is not read (the exporters not started): two requests, ~9 MiB of bodies,
    // so the first fills a segment of its own and the second starts the next one.
    const first = open();
    const big = 'm'.repeat(30_000);
    await first.acceptLogs(Array.from({ length: 300 }, (_, i) => makeLog(i, { message: `${i} ${big}` })));
    await first.acceptLogs([makeLog(1000, { message: 'after the lost one' })]);
    await first.shutdown(100);
    const bodies = join(dir, 'queue', 'bodies');
    const files = readdirSync(bodies).sort();
    expect(files).toHaveLength(2);
    rmSync(join(bodies, files[0] as string));

    const delivery = open();
    delivery.start();
    onTestFinished(() => delivery.shutdown(500));
    await Promise.all(delivery.exporters.map((e) => e.forceFlush()));
    expect(loki.accepted.map((e) => JSON.parse(e.line).message)).toEqual(['after the lost one']);
    const aside = readFileSync(join(dir, 'dead-letter', 'loki.jsonl'), 'utf8')
      .trim()
      .split('\n');
    // The request went in as rows of 100 records, each set aside with where its body was.
    expect(aside.map((l) => JSON.parse(l).reason)).toEqual(
      [100, 200, 300].map((seq) =>
        expect.stringMatching(
          new RegExp(`^unreadable queue entry: row ${seq}: its body \\(\\d+ bytes at \\d+ in segment 1\\) is missing$`),
        ),
      ),
    );
  });
});
