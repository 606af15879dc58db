// Micro-benchmark of workload 3's accept path without HTTP: OTLP protobuf log bodies decoded and
// normalized by the engine's decoder, then correlated (trace-less logs linked by key), in the
// steady state the bench's engine reaches: 5 s windows closing as they fall due, the waiting
// buffer full, the clock moving as it does at ~100k records/s (0.5 ms per 50-record body). Each
// body is stamped and decoded inside the timed loop, so what the correlator keeps alive is paid
// for in collections as in the server. Closed windows' events and the decoded logs go to recent
// lists of the engine's default lengths (1,000 and 2,000), as the pipeline keeps them.
//
// Records per CPU second of the whole process (V8's collector threads included), per round.
// Environment: ENGINE_DIST=<dir> another build of correlation-engine/dist (A/B runs);
// LEAVE_OUT=correlation decodes only (the difference to the default is correlation's share, read
// in one process instead of end to end), LEAVE_OUT=linking correlates without linking trace-less
// logs (the Correlator's linkTracelessLogs: false, as behind the scale overlay); WINDOW_MS (5000,
// the bench's window); MS_PER_BODY (0.5); CORR_MAX_WAITING_LOGS (10000, the engine's default).
// Usage: node src/micro/otlp-logs-correlate.ts [bodies=30000] [rounds=3]
import { otlpLogsWorkload } from '../otlp-logs-workload.ts';
import { stamp } from '../workloads.ts';
import { distModule } from './engine-dist.ts';

const { decodeLogs } = (await import(
  distModule('ingest/otlp/index.js')
)) as typeof import('../../../correlation-engine/src/ingest/otlp/index.ts');
const { Correlator } = (await import(
  distModule('correlate/correlator.js')
)) as typeof import('../../../correlation-engine/src/correlate/correlator.ts');

const count = Number(process.argv[2] ?? 30_000);
const rounds = Number(process.argv[3] ?? 3);
const LEFT_OUT: Record<string, 'decode' | 'unlinked'> = { correlation: 'decode', linking: 'unlinked' };
const leaveOut = process.env.LEAVE_OUT;
if (leaveOut !== undefined && !(leaveOut in LEFT_OUT)) throw new Error(`LEAVE_OUT must be correlation or linking, not ${leaveOut}`);
const mode = leaveOut === undefined ? 'correlate' : LEFT_OUT[leaveOut];
const windowMs = Number(process.env.WINDOW_MS ?? 5000);
const msPerBody = Number(process.env.MS_PER_BODY ?? 0.5);
const maxWaitingLogs = Number(process.env.CORR_MAX_WAITING_LOGS ?? 10_000);
const RECENT_EVENTS = 1000;
const RECENT_LOGS = 2000;
const workload = otlpLogsWorkload(64);

for (let round = 0; round < rounds; round++) {
  let now = 1_764_020_000_000;
  const correlator = new Correlator({
    instance: 'bench',
    windowMs,
    maxOpenWindows: 200_000,
    maxSpansPerWindow: 200,
    maxLogsPerWindow: 200,
    maxWaitingLogs,
    linkTracelessLogs: mode !== 'unlinked',
    now: () => now,
  });
  const recentEvents: unknown[] = new Array(RECENT_EVENTS);
  const recentLogs: unknown[] = new Array(RECENT_LOGS);
  let events = 0;
  let logsSeen = 0;
  let records = 0;
  let linked = 0;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    now += msPerBody;
    // Every send carries its own trace and circuit ids, as in the bench's load.
    const { logs } = decodeLogs(stamp(workload.bodies[i % 64] as (typeof workload.bodies)[number], i), 'protobuf', now);
    for (const log of logs) recentLogs[logsSeen++ % RECENT_LOGS] = log;
    if (mode !== 'decode') {
      correlator.addLogs(logs);
      for (const event of correlator.tick()) {
        recentEvents[events++ % RECENT_EVENTS] = event;
        linked += event.linkedLogCount;
      }
    }
    records += logs.length;
  }
  const cpu = process.cpuUsage(cpu0);
  const seconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(
    `${JSON.stringify({
      mode,
      round,
      records,
      recordsPerCpuSec: Math.round(records / seconds),
      usPerRecord: +((seconds * 1e6) / records).toFixed(2),
      events,
      linkedLogs: linked,
      openWindows: correlator.openWindowCount,
      waitingLogs: correlator.graceLogCount,
    })}\n`,
  );
}
