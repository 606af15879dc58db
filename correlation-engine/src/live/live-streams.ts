// The live-correlation streams (server-sent events, GET /api/correlations/stream): who listens
// with which filter, and the push. Records mark their window changed (changed-windows.ts, O(1));
// every CORR_LIVE_FLUSH_MS the changed windows are read once each, serialized once, and written to
// the streams whose filter they match. Nothing waits for a slow client: a stream whose unread
// bytes would pass CORR_LIVE_STREAM_BUFFER_BYTES is closed and counted, so a client that stops
// reading holds at most that much of our memory (docs/live-correlations.md).
import type { ServerResponse } from 'node:http';
import type { LiveConfig } from '../config.js';
import type { ItemForms } from '../http/routes/json-page.js';
import type { Metrics } from '../metrics.js';
import type { CorrelationEvent, OpenCorrelationEvent } from '../model/types.js';
import { ChangedWindows } from './changed-windows.js';

/** A comment line every so often keeps proxies and the browser from timing an idle stream out. */
export const KEEP_ALIVE_MS = 15_000;
/** Largest single update; a larger event is sent in a smaller listing form (its detail left out). */
const MESSAGE_MAX_BYTES = 64 * 1024;

export interface LiveStream {
  readonly res: ServerResponse;
  readonly matches: (event: CorrelationEvent) => boolean;
  lastWriteMs: number;
}

export interface LiveStreamsOptions {
  config: LiveConfig;
  metrics: Metrics;
  /** The trace's open window as an event, if it is open. */
  openEventOf: (traceId: string) => OpenCorrelationEvent | undefined;
  /** The listing forms of an event, fullest first (http/routes/listing-forms.ts). */
  forms: (event: CorrelationEvent) => ItemForms;
  /** Monotonic milliseconds (performance.now), the clock of the records' arrival times. */
  clock?: () => number;
}

export class LiveStreams {
  private readonly streams = new Set<LiveStream>();
  private readonly changes: ChangedWindows;
  private readonly o: LiveStreamsOptions;
  private readonly clock: () => number;
  private readonly messageMaxBytes: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: LiveStreamsOptions) {
    this.o = options;
    this.clock = options.clock ?? (() => performance.now());
    this.changes = new ChangedWindows(options.config.dirtyMaxBytes);
    // A message never takes a stream past its buffer on its own.
    this.messageMaxBytes = Math.min(MESSAGE_MAX_BYTES, Math.floor(options.config.streamBufferBytes / 4));
  }

  get count(): number {
    return this.streams.size;
  }

  /** False when CORR_LIVE_MAX_STREAMS are open (the route answers 429). */
  get hasRoom(): boolean {
    return this.streams.size < this.o.config.maxStreams;
  }

  /** Starts pushing to a stream whose headers are written (not when its client is already gone). */
  add(res: ServerResponse, matches: (event: CorrelationEvent) => boolean): LiveStream | undefined {
    // Its 'close' has been emitted already: registered now, it would hold a slot for ever.
    if (res.destroyed) return undefined;
    const stream: LiveStream = { res, matches, lastWriteMs: this.clock() };
    this.streams.add(stream);
    this.o.metrics.liveStreams.set(this.streams.size);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.flush(), this.o.config.flushMs);
      this.timer.unref();
    }
    res.on('close', () => this.remove(stream));
    return stream;
  }

  /** A record of this trace arrived at `arrivedAt` (clock ms). Free while nobody listens. */
  touch(traceId: string, arrivedAt: number): void {
    if (this.streams.size > 0) this.changes.touch(traceId, arrivedAt);
  }

  /** These windows closed (their events are published). */
  closed(events: readonly CorrelationEvent[]): void {
    if (this.streams.size === 0) return;
    for (const event of events) this.changes.close(event);
  }

  /** Writes what changed since the last flush to the matching streams; keeps idle ones alive. */
  flush(): void {
    const { changed, closed, resync } = this.changes.take();
    const now = this.clock();
    if (resync) {
      this.o.metrics.liveResyncs.inc();
      this.broadcast(() => 'event: resync\ndata: {}\n\n');
    }
    for (const event of closed) this.send('closed', event);
    for (const [traceId, arrivedAt] of changed) {
      const event = this.o.openEventOf(traceId);
      // Closed since it changed: its closed event was sent above.
      if (event === undefined) continue;
      if (this.send('update', event) > 0) this.o.metrics.visibility.observe({ surface: 'stream' }, Math.max(0, now - arrivedAt) / 1000);
    }
    let buffered = 0;
    for (const stream of this.streams) {
      if (now - stream.lastWriteMs >= KEEP_ALIVE_MS) this.write(stream, ': keep-alive\n\n', now);
      buffered += stream.res.writableLength;
    }
    this.o.metrics.liveBufferedBytes.set(buffered);
  }

  /** Ends every stream (shutdown): clients reconnect to another replica or after the restart. */
  closeAll(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const stream of [...this.streams]) {
      this.remove(stream);
      this.o.metrics.liveStreamsDropped.inc({ reason: 'shutdown' });
      stream.res.end();
    }
  }

  /** Sends the event to every stream it matches; returns how many. */
  private send(kind: 'update' | 'closed', event: CorrelationEvent): number {
    let message: string | undefined;
    let sent = 0;
    for (const stream of this.streams) {
      if (!stream.matches(event)) continue;
      // Serialized once for all the streams it goes to, and only when one wants it.
      message ??= `event: ${kind}\ndata: ${this.fitting(this.o.forms(event))}\n\n`;
      if (this.write(stream, message, this.clock())) sent += 1;
    }
    if (sent > 0) this.o.metrics.liveUpdates.inc(sent);
    return sent;
  }

  private broadcast(message: () => string): void {
    const text = message();
    const now = this.clock();
    for (const stream of this.streams) this.write(stream, text, now);
  }

  /** The fullest form within the message bound. */
  private fitting(forms: ItemForms): string {
    for (const form of forms) {
      const json = form();
      if (Buffer.byteLength(json) <= this.messageMaxBytes) return json;
    }
    return forms[2]();
  }

  /** Writes unless that would take the stream past its buffer bound, in which case it is dropped. */
  private write(stream: LiveStream, text: string, now: number): boolean {
    const res = stream.res;
    if (res.writableLength + Buffer.byteLength(text) > this.o.config.streamBufferBytes) {
      this.remove(stream);
      this.o.metrics.liveStreamsDropped.inc({ reason: 'slow' });
      // Its unread bytes are let go with the socket.
      res.destroy();
      return false;
    }
    res.write(text);
    stream.lastWriteMs = now;
    return true;
  }

  private remove(stream: LiveStream): void {
    if (!this.streams.delete(stream)) return;
    this.o.metrics.liveStreams.set(this.streams.size);
    if (this.streams.size === 0) {
      this.o.metrics.liveBufferedBytes.set(0);
      clearInterval(this.timer);
      this.timer = undefined;
      this.changes.take();
    }
  }
}
