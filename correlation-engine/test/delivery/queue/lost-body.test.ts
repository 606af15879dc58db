// A queue row whose body file is gone (deleted by hand, a damaged disk), or whose body's bytes are
// not those written (its checksum): the engine's exporters set that row aside with the reason,
// deliver the rows after it, and do not stall on it. Loki ships queued lines without parsing them
// and Datadog cuts its entries' message and attributes from them, so for a damaged body that still
// reads as lines, the checksum is what keeps it from being shipped.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { lokiAndDatadog, openDelivery, testDir } from '../../helpers/queued-delivery.js';
import { createLokiSink } from '../../sinks/loki-sink.js';
import { makeLog } from '../../sinks/records.js';

describe('a queued row whose body is lost', () => {
  it('is set aside as unreadable with where its body was, and the rows after it reach Loki', async () => {
    const loki = createLokiSink();
    await loki.up();
    onTestFinished(() => loki.down());
    const dir = testDir('lost-body-test-');
    const open = () => openDelivery({ ENGINE_DATA_DIR: dir, LOKI_URL: loki.url });
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

  it('is set aside as damaged when its bytes do not match its checksum, by Loki and Datadog alike, and the rows after it are delivered', async () => {
    const { loki, dd, env } = await lokiAndDatadog();
    const dir = testDir('damaged-body-test-');
    const open = () => openDelivery({ ENGINE_DATA_DIR: dir, ...env });
    const first = open();
    await first.acceptLogs([makeLog(1, { attributes: { probe: 'intact' } }), makeLog(2)]);
    await first.acceptLogs([makeLog(3, { message: 'after the damaged one' })]);
    await first.shutdown(100);
    // One byte of the first row's first line changed, the line still laid out as a log's (its
    // message, host, format and source where they belong) but no longer JSON.
    const bodies = join(dir, 'queue', 'bodies');
    const segment = join(bodies, readdirSync(bodies).sort()[0] as string);
    const text = readFileSync(segment, 'latin1');
    expect(text.split('"probe":"intact"')).toHaveLength(2);
    writeFileSync(segment, text.replace('"probe":"intact"', '"probe";"intact"'), 'latin1');

    const delivery = open();
    delivery.start();
    onTestFinished(() => delivery.shutdown(500));
    await Promise.all(delivery.exporters.map((e) => e.forceFlush()));
    expect(loki.accepted.map((e) => JSON.parse(e.line).message)).toEqual(['after the damaged one']);
    expect(dd.accepted.map((a) => a.entry.message)).toEqual(['after the damaged one']);
    for (const exporter of ['loki', 'datadog']) {
      const aside = readFileSync(join(dir, 'dead-letter', `${exporter}.jsonl`), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { reason: string });
      expect(aside.map((a) => a.reason)).toEqual([
        expect.stringMatching(
          /^unreadable queue entry: row 2: its body \(\d+ bytes at 0 in segment 1\) does not match its checksum: damaged on disk$/,
        ),
      ]);
    }
  });
});
