// The live-stream settings are read with the rest of the configuration: defaults, and a bad value
// refused with a message naming the variable.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('CORR_LIVE_* settings', () => {
  it('defaults to 256 streams of 256 KiB, pushed every 250 ms, with a 2 MiB changed set', () => {
    expect(loadConfig({}).live).toEqual({ maxStreams: 256, streamBufferBytes: 262_144, flushMs: 250, dirtyMaxBytes: 2_097_152 });
  });

  it.each([
    ['CORR_LIVE_MAX_STREAMS', '-1'],
    ['CORR_LIVE_STREAM_BUFFER_BYTES', '1024'],
    ['CORR_LIVE_FLUSH_MS', '5'],
    ['CORR_LIVE_FLUSH_MS', '10000'],
    ['CORR_LIVE_DIRTY_MAX_BYTES', 'lots'],
  ])('refuses %s=%s naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}: `));
  });
});
