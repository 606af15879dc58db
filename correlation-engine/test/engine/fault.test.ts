// Issue 3 acceptance: the built engine as a real child process, a real Loki-protocol sink, real
// sockets. (1) Loki down under steady load, then up: everything acknowledged arrives, memory
// stays bounded, the client sees backpressure. (2) kill -9 mid-stream with Loki down, restart on
// the same data dir, Loki up: everything acknowledged arrives at least once. (3) one batch
// answered 400: it lands in the dead-letter file and the rest flows.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildEngine, EngineProcess } from '../sinks/engine-process.js';
import type { HttpSink } from '../sinks/http-sink.js';
import { LoadClient } from '../sinks/load-client.js';
import { createLokiSink, type LokiReceivedEntry } from '../sinks/loki-sink.js';

const engines: EngineProcess[] = [];
const sinks: HttpSink<unknown>[] = [];
const dirs: string[] = [];

beforeAll(() => {
  buildEngine();
}, 120_000);

afterEach(async () => {
  for (const e of engines.splice(0)) await e.kill9();
  for (const s of sinks.splice(0)) await s.down();
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fault-test-'));
  dirs.push(dir);
  return dir;
}

async function lokiSink(): Promise<HttpSink<LokiReceivedEntry>> {
  const sink = createLokiSink();
  await sink.up();
  sinks.push(sink as HttpSink<unknown>);
  return sink;
}

async function startEngine(env: Record<string, string>): Promise<EngineProcess> {
  const engine = await EngineProcess.start({
    // Fast retries so an outage that ends is noticed within a fraction of a second.
    EXPORT_RETRY_INITIAL_MS: '100',
    EXPORT_RETRY_MAX_MS: '400',
    EXPORT_LINGER_MS: '50',
    ...env,
  });
  engines.push(engine);
  return engine;
}

/** Load ids from what Loki received: `r-<id>` messages of the load service. */
function deliveredIds(sink: HttpSink<LokiReceivedEntry>, service: string): number[] {
  const ids: number[] = [];
  for (const entry of sink.accepted) {
    if (entry.labels.service !== service) continue;
    const m = /^r-(\d+)$/.exec(String(JSON.parse(entry.line).message));
    if (m) ids.push(Number(m[1]));
  }
  return ids;
}

function report(name: string, figures: Record<string, number | string>): void {
  console.log(
    `[fault] ${name}: ${Object.entries(figures)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const MB = 1024 * 1024;

describe('fault tests (engine as a child process)', () => {
  it('(1) Loki down under steady load, then up: every acknowledged record arrives, RSS bounded, 429s seen upstream', async () => {
    const loki = await lokiSink();
    const lokiUrl = loki.url;
    await loki.down();
    const engine = await startEngine({ LOKI_URL: lokiUrl, ENGINE_DATA_DIR: dataDir(), QUEUE_MAX_BYTES: String(256 * 1024) });
    const rssIdle = engine.sampleRss();
    const load = new LoadClient({ url: engine.url, service: 'load-1', batchSize: 50, senders: 4, pauseMs: 20, maxRetryWaitMs: 200 });
    load.start();
    let notReady = 0;
    const readyPoll = setInterval(() => {
      fetch(`${engine.url}/ready`)
        .then((r) => {
          if (r.status === 503) notReady += 1;
          return r.arrayBuffer();
        })
        .catch(() => {});
    }, 100);
    await sleep(4000); // outage under load: the 256 KiB bound is reached within the first second
    const rssDuringOutage = engine.sampleRss();
    await loki.up();
    await sleep(2500); // recovery under continued load
    await load.stop();
    clearInterval(readyPoll);
    const acked = load.stats.acknowledged;
    await loki.waitFor(() => new Set(deliveredIds(loki, 'load-1')).size >= acked.size, 30_000, 'all acknowledged records in Loki');
    await sleep(300);
    const delivered = deliveredIds(loki, 'load-1');
    const unique = new Set(delivered);
    const missing = [...acked].filter((id) => !unique.has(id));
    report('loki-outage', {
      sent: load.stats.sent,
      acknowledged: acked.size,
      delivered: delivered.length,
      unique: unique.size,
      duplicates: delivered.length - unique.size,
      missing: missing.length,
      backpressure_responses: load.stats.backpressured,
      ready_503_polls: notReady,
      retry_after: [...load.stats.retryAfterSeen].join('/'),
      rss_idle_mb: (rssIdle / MB).toFixed(1),
      rss_outage_mb: (rssDuringOutage / MB).toFixed(1),
      peak_rss_mb: (engine.peakRssBytes / MB).toFixed(1),
    });
    expect(missing).toEqual([]);
    expect(acked.size).toBeGreaterThan(1000);
    expect(load.stats.backpressured).toBeGreaterThan(0);
    expect(notReady).toBeGreaterThan(0);
    // Bounded: the backlog sits on disk (256 KiB bound), not in memory.
    expect(engine.peakRssBytes).toBeLessThan(250 * MB);
  }, 60_000);

  it('(2) kill -9 mid-stream with Loki down, restart on the same data dir, Loki up: every acknowledged record arrives', async () => {
    const dir = dataDir();
    const loki = await lokiSink();
    const lokiUrl = loki.url;
    const first = await startEngine({ LOKI_URL: lokiUrl, ENGINE_DATA_DIR: dir });
    const load = new LoadClient({ url: first.url, service: 'load-2', batchSize: 50, senders: 4, pauseMs: 10, maxRetryWaitMs: 200 });
    load.start();
    await sleep(800); // Loki up: part is delivered and committed
    await loki.down();
    await sleep(1200); // Loki down: the rest piles up in the queue
    await first.kill9(); // mid-stream: requests are in flight
    await load.stop();
    const acked = load.stats.acknowledged;
    const deliveredBeforeCrash = deliveredIds(loki, 'load-2').length;

    await loki.up();
    const second = await startEngine({ LOKI_URL: lokiUrl, ENGINE_DATA_DIR: dir });
    await loki.waitFor(() => new Set(deliveredIds(loki, 'load-2')).size >= acked.size, 30_000, 'acknowledged records after restart');
    await sleep(500);
    const delivered = deliveredIds(loki, 'load-2');
    const unique = new Set(delivered);
    const missing = [...acked].filter((id) => !unique.has(id));
    report('kill-9-restart', {
      sent: load.stats.sent,
      acknowledged: acked.size,
      delivered_before_crash: deliveredBeforeCrash,
      delivered: delivered.length,
      unique: unique.size,
      duplicates: delivered.length - unique.size,
      unacknowledged_but_delivered: [...unique].filter((id) => !acked.has(id)).length,
      missing: missing.length,
      peak_rss_mb: (Math.max(first.peakRssBytes, second.peakRssBytes) / MB).toFixed(1),
    });
    expect(missing).toEqual([]);
    expect(acked.size).toBeGreaterThan(500);
    expect(deliveredBeforeCrash).toBeLessThan(acked.size); // the restart really had work to do
  }, 60_000);

  it('(4) SIGTERM flushes what is queued before the process exits', async () => {
    const loki = await lokiSink();
    // A long linger: without the shutdown flush these records would still be waiting to batch up.
    const engine = await startEngine({ LOKI_URL: loki.url, ENGINE_DATA_DIR: dataDir(), EXPORT_LINGER_MS: '5000' });
    const load = new LoadClient({ url: engine.url, service: 'load-4', batchSize: 50, senders: 2, pauseMs: 20, maxRetryWaitMs: 200 });
    load.start();
    await sleep(600);
    await load.stop();
    const acked = load.stats.acknowledged;
    const beforeStop = deliveredIds(loki, 'load-4').length;
    const t0 = Date.now();
    await engine.stop();
    const exitMs = Date.now() - t0;
    const delivered = new Set(deliveredIds(loki, 'load-4'));
    report('sigterm-flush', {
      acknowledged: acked.size,
      delivered_before_sigterm: beforeStop,
      delivered: delivered.size,
      exit_ms: exitMs,
      exit_code: String(engine.child.exitCode),
    });
    expect(beforeStop).toBeLessThan(acked.size);
    expect([...acked].filter((id) => !delivered.has(id))).toEqual([]);
    expect(engine.child.exitCode).toBe(0);
    expect(exitMs).toBeLessThan(5000);
  }, 30_000);

  it('(3) a batch answered 400 goes to the dead-letter file and the rest flows', async () => {
    const dir = dataDir();
    const loki = await lokiSink();
    loki.script.push({ status: 204 }, { status: 400, body: 'entry for stream has timestamp too old' });
    const engine = await startEngine({ LOKI_URL: loki.url, ENGINE_DATA_DIR: dir });
    const load = new LoadClient({ url: engine.url, service: 'load-3', batchSize: 50, senders: 2, pauseMs: 30, maxRetryWaitMs: 200 });
    load.start();
    await sleep(1500);
    await load.stop();
    const acked = load.stats.acknowledged;
    const deadFile = join(dir, 'dead-letter', 'loki.jsonl');
    const deadIds = (): number[] => {
      try {
        return readFileSync(deadFile, 'utf8')
          .trim()
          .split('\n')
          .flatMap((line) => (JSON.parse(line) as { records: { message: string }[] }).records.map((r) => Number(r.message.slice(2))));
      } catch {
        return [];
      }
    };
    await loki.waitFor(
      () => new Set([...deliveredIds(loki, 'load-3'), ...deadIds()]).size >= acked.size,
      20_000,
      'delivered + dead-lettered',
    );
    const delivered = new Set(deliveredIds(loki, 'load-3'));
    const dead = deadIds();
    const deadLines = readFileSync(deadFile, 'utf8').trim().split('\n');
    const metrics = await (await fetch(`${engine.url}/metrics`)).text();
    report('dead-letter', {
      acknowledged: acked.size,
      delivered: delivered.size,
      dead_lettered: dead.length,
      dead_letter_batches: deadLines.length,
    });
    expect(deadLines).toHaveLength(1);
    expect(JSON.parse(deadLines[0] as string)).toMatchObject({
      exporter: 'loki',
      status: 400,
      response: 'entry for stream has timestamp too old',
    });
    expect(dead.length).toBeGreaterThan(0);
    expect(dead.every((id) => !delivered.has(id))).toBe(true);
    expect([...acked].filter((id) => !delivered.has(id) && !dead.includes(id))).toEqual([]);
    expect(delivered.size).toBeGreaterThan(dead.length); // the rest flowed after the rejected batch
    expect(metrics).toMatch(new RegExp(`exporter_dead_letter_total\\{exporter="loki"[^}]*\\} ${dead.length}\\b`));
  }, 40_000);
});
