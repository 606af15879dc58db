// What reached the sink: its counters, waiting for a sender's backlog to be delivered, and the
// records delivered per second of server CPU (the durable sides' measure).
import { metricSum } from '@obs/test-support/prometheus-text';
import { sleep } from './procs.ts';
import { round } from './report.ts';
import type { Delivered, Series } from './series.ts';
import { type Engine, log } from './session.ts';

export interface SinkCounts {
  entries: number;
  /** Of `entries`, the engine's correlation events. */
  eventEntries: number;
  firstAt: number;
  /** Entries of the first push (a drain is timed from its arrival, so they took no measured time). */
  firstPushEntries: number;
  /** When the last push (Loki or OTLP) arrived, Unix ms. */
  lastAt: number;
  otlpPushes: number;
  otlpRecords: number;
  /** Log records the engine forwarded to Loki's OTLP endpoint (LOKI_OTLP_LOGS_FORM=otlp). */
  lokiOtlpRecords: number;
}

export async function sinkCount(url: string): Promise<SinkCounts> {
  const res = await fetch(`${url}/count`);
  return (await res.json()) as SinkCounts;
}

/**
 * The sink's counts once `counted` has not moved for 2 s (the sender's backlog delivered), or
 * 120 s after `since`; polled every `pollMs`.
 */
export async function sinkQuiet(url: string, counted: (c: SinkCounts) => number, since: number, pollMs: number): Promise<SinkCounts> {
  let last = await sinkCount(url);
  let lastChange = Date.now();
  while (Date.now() - lastChange < 2000 && Date.now() - since < 120_000) {
    await sleep(pollMs);
    const c = await sinkCount(url);
    if (counted(c) !== counted(last)) lastChange = Date.now();
    last = c;
  }
  return last;
}

/**
 * Runs `measure` (the side's warm-up and timed run), then waits until the sink has received
 * nothing for 2 s (the server's backlog delivered, at most 120 s) and says what was delivered
 * and at what CPU. A closed-loop run at full speed may accept faster than the server delivers:
 * the accepted rate then overstates what it sustains, this does not.
 */
export async function deliveredOf(
  sinkUrl: string,
  server: Engine,
  delivered: (c: SinkCounts) => number,
  accepted: (() => Promise<number>) | undefined,
  measure: () => Promise<Series>,
): Promise<Series> {
  const before = await sinkCount(sinkUrl);
  const cpu0 = server.proc.cpuSeconds();
  const t0 = Date.now();
  const s = await measure();
  const last = await sinkQuiet(sinkUrl, delivered, t0, 100);
  // The CPU of the 2 s of quiet is counted too: an idle server spends next to none.
  const cpu = server.proc.cpuSeconds() - cpu0;
  const records = delivered(last) - delivered(before);
  const acceptedRecords = await accepted?.();
  const d: Delivered = {
    records,
    ...(acceptedRecords === undefined ? {} : { accepted: acceptedRecords }),
    cpuUsPerRecord: records > 0 ? round((cpu * 1e6) / records, 2) : Number.NaN,
    recordsPerCpuSecond: records > 0 ? round(records / cpu) : 0,
    seconds: round((last.lastAt - t0) / 1000, 2),
  };
  log(
    `  delivered ${records} log records${acceptedRecords === undefined ? '' : ` of ${acceptedRecords} accepted`} in ${d.seconds} s, ${d.cpuUsPerRecord} µs server CPU per delivered record (${d.recordsPerCpuSecond} records per CPU second)`,
  );
  return { ...s, delivered: d };
}

/** Log records the engine at `url` acknowledged (its own counter), to check a delivery against. */
export const engineLogsAccepted = (url: string) => async (): Promise<number> =>
  metricSum(await (await fetch(`${url}/metrics`)).text(), 'correlation_records_received_total', { signal: 'logs' });

/** Log records the sink got from the engine, pushed or forwarded over OTLP: its correlation events not counted. */
export const engineLogEntries = (c: SinkCounts): number => c.entries - c.eventEntries + c.lokiOtlpRecords;
