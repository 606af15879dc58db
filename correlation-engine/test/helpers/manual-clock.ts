// A clock tests move by hand, for the correlator alone or for a whole test app.

/** A clock tests move by hand. */
export class ManualClock {
  ms: number;
  constructor(startMs = Date.parse('2026-11-25T10:00:00.000Z')) {
    this.ms = startMs;
  }
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}
