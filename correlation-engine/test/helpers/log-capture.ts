// The engine's JSON log lines, caught in memory: a stream to hand to testApp({ logStream }).
import { Writable } from 'node:stream';

export interface LogCapture {
  stream: Writable;
  /** Everything written so far, as written. */
  text: () => string;
  /** Every line written so far, parsed. */
  lines: () => Record<string, unknown>[];
}

export function captureLog(): LogCapture {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const lines = () =>
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, text: () => text, lines };
}
