// Phase `w3` (BENCH_ONLY=w3). Workload 3 (issue 16): OTLP protobuf logs, the engine against the
// collector, without export and durable.

import { startLogsCollector } from '../collector.ts';
import { collectorBin, ROUND_WARMUP, RUNS, SECONDS } from '../knobs.ts';
import type { Phase } from '../phase.ts';
import { PINNING } from '../procs.ts';
import { median, ratioTarget, round } from '../report.ts';
import { rotateRounds, startEachSide } from '../rounds.ts';
import { compareRounds, medianDelivered, mergeSeries, type Row, type Series, series, seriesRow } from '../series.ts';
import { startEngine, work } from '../session.ts';
import { deliveredOf, engineLogEntries, engineLogsAccepted, type SinkCounts, sinkCount } from '../sink-counts.ts';

export const w3Phase: Phase = {
  name: 'w3',
  async run(r) {
    const { sink, figures, targets } = r;
    // Workload 3 (issue 16): OTLP protobuf logs, the engine against the collector on the same
    // core, in two setups (collector.ts startLogsCollector says how each side is configured), in
    // interleaved rounds so the shared machine's drift falls on all sides alike.
    // Durable export, like for like: the collector delivers every record to the sink, and so does
    // `engineDurableAll` (LOKI_EXPORT_OTLP_LOGS=true). As deployed (`engineDurable`) the engine
    // queues OTLP logs but ships only its correlation events, since the gateway already sends
    // those logs to Loki: its accepted rate is shown, not compared.
    const sides = [
      {
        name: 'collectorNop',
        workload: 'logs-otlp',
        start: () => startLogsCollector(collectorBin, work, 'nop', sink.url, PINNING?.server),
      },
      { name: 'engineNop', workload: 'logs-otlp', start: () => startEngine({ LOKI_URL: '' }, 'w3-nop') },
      {
        name: 'collectorDurable',
        workload: 'logs-otlp',
        start: () => startLogsCollector(collectorBin, work, 'durable', sink.url, PINNING?.server),
        delivered: (c: SinkCounts) => c.otlpRecords,
        accepted: undefined,
      },
      { name: 'engineDurable', workload: 'logs-otlp', start: () => startEngine({ LOKI_URL: sink.url }, 'w3-durable') },
      {
        name: 'engineDurableAll',
        workload: 'logs-otlp',
        start: () => startEngine({ LOKI_URL: sink.url, LOKI_EXPORT_OTLP_LOGS: 'true' }, 'w3-durable-all'),
        delivered: engineLogEntries,
        accepted: engineLogsAccepted,
      },
    ] as const;
    const otlpBefore = (await sinkCount(sink.url)).otlpPushes;
    const rounds = await rotateRounds(sides, RUNS, startEachSide('workload 3', RUNS), (server, side) => {
      const measure = () => series(server.url, side.workload, `workload 3 ${side.name}`, server.proc, SECONDS, ROUND_WARMUP, 1);
      return 'delivered' in side ? deliveredOf(sink.url, server, side.delivered, side.accepted?.(server.url), measure) : measure();
    });
    const otlpPushes = (await sinkCount(sink.url)).otlpPushes - otlpBefore;
    // The durable collector must really have exported (its queue drains to the sink while it runs).
    if (otlpPushes === 0) throw new Error('workload 3: the durable collector delivered nothing to the sink');
    const w3: Record<string, unknown> = { rounds: RUNS, collectorOtlpPushes: otlpPushes };
    const noExport = compareRounds(rounds, 'engineNop', 'collectorNop');
    w3.noExport = {
      ...noExport,
      engineRecordsPerSec: round(noExport.current.itemsPerSec),
      collectorRecordsPerSec: round(noExport.baseline.itemsPerSec),
    };
    targets.push(
      ratioTarget(
        `workload 3 (OTLP logs), no export (engine without exporters; collector batch -> nop): records/s vs collector (median of ${RUNS} interleaved rounds)`,
        noExport.current.itemsPerSec,
        'records/s',
        noExport.baseline.itemsPerSec,
        noExport.throughputRatio,
        '>=',
        0.5,
      ),
    );
    // Durable, like for like: records delivered per second of server CPU, accepting and delivering
    // every record, per round, then the median. The accepted rates are kept as figures.
    const perCpu = (r: Record<string, Series>, side: string) => r[side]?.delivered?.recordsPerCpuSecond ?? 0;
    const deliveredRatio = round(median(rounds.map((r) => perCpu(r, 'engineDurableAll') / perCpu(r, 'collectorDurable'))), 3);
    const mergedOf = (side: 'collectorDurable' | 'engineDurableAll') => ({
      series: mergeSeries(rounds.map((r) => r[side])),
      ...medianDelivered(rounds.map((r) => r[side].delivered)),
    });
    const collectorDurable = mergedOf('collectorDurable');
    const engineDurableAll = mergedOf('engineDurableAll');
    w3.durable = {
      deliveredRatio,
      collector: collectorDurable,
      engine: engineDurableAll,
      engineAsDeployed: mergeSeries(rounds.map((r) => r.engineDurable)),
    };
    targets.push(
      ratioTarget(
        `workload 3 (OTLP logs), durable export, every record delivered to the sink (engine queue -> Loki with LOKI_EXPORT_OTLP_LOGS=true; collector persistent queue -> otlp_http): records delivered per second of server CPU vs collector (median of ${RUNS} interleaved rounds)`,
        engineDurableAll.recordsPerCpuSecond,
        'records/CPU s',
        collectorDurable.recordsPerCpuSecond,
        deliveredRatio,
        '>=',
        1.0,
      ),
    );
    figures.w3 = w3;
  },
  // biome-ignore lint/suspicious/noExplicitAny: the figures are the loose JSON record the phases build
  rows(f: Record<string, any>): Row[] {
    const rows: Row[] = [];
    if (f.w3) {
      rows.push(seriesRow('workload 3 (OTLP logs) collector, batch -> nop', 'records', f.w3.noExport.baseline));
      rows.push(seriesRow('workload 3 engine, no exporters', 'records', f.w3.noExport.current));
      const d = f.w3.durable;
      rows.push(seriesRow('workload 3 collector, persistent queue -> otlp_http: accepted', 'records', d.collector.series));
      rows.push(
        seriesRow(
          'workload 3 engine, durable queue -> Loki, every record (LOKI_EXPORT_OTLP_LOGS=true): accepted',
          'records',
          d.engine.series,
        ),
      );
      rows.push(
        seriesRow(
          'workload 3 engine as deployed, durable queue -> Loki (events only; the gateway ships the OTLP logs): accepted',
          'records',
          d.engineAsDeployed,
        ),
      );
      for (const [name, side] of [
        ['collector, persistent queue -> otlp_http', d.collector],
        ['engine, durable queue -> Loki, every record', d.engine],
      ] as const) {
        rows.push([
          `workload 3 ${name}: delivered to the sink, per second of server CPU (median of ${side.rounds.length} rounds)`,
          `${side.recordsPerCpuSecond} records/CPU s`,
          '-',
          '-',
          side.cpuUsPerRecord,
        ]);
      }
    }
    return rows;
  },
};
