// Strings kept past the request must not keep the request alive. V8 represents `s.slice(a, b)`
// (13 characters or more) as a view into `s`, so a 40-character id cut from a 4 MB message keeps
// all 4 MB reachable for as long as the id is kept: in an open window, the recent list, an
// export buffer.
//
// Copies are made where they matter: a string cut from a line longer than
// SHARED_PARENT_MAX_LENGTH is always copied (LogBuilder.copyKept), and so is any cut to a cap.
// Strings cut from a shorter line may share that line: at most this many characters per record,
// most of which the kept message holds anyway. Copying those too would add several copies to
// every record's hot path to save a few dozen bytes.
//
// The technique (V8 issue 2869): concatenating makes a rope over the slice; slicing the rope
// flattens it into a new string of the kept characters, and the result refers only to that new
// string. It copies the kept characters once, which is cheaper than a round trip through a Buffer
// and leaves the parent unreachable (test/ingest/normalize/retained-parents.test.ts fails if it does not).

/** Lines longer than this never share memory with what is kept of them (see above). */
export const SHARED_PARENT_MAX_LENGTH = 1024;

/** Slices shorter than this are copied by V8 itself (SlicedString::kMinLength). */
const MIN_SHARED_SLICE = 13;

/** An equal string that shares no storage with any longer string. */
export function ownCopy(s: string): string {
  return s.length < MIN_SHARED_SLICE ? s : ` ${s}`.slice(1);
}

/** The first `max` characters of `s`, as an own copy (see ownCopy). */
export function ownPrefix(s: string, max: number): string {
  return ownCopy(s.length > max ? s.slice(0, max) : s);
}

/**
 * For strings that are already their own (decoder output: JSON.parse and Buffer decoding build
 * fresh strings): cut to `max` characters, copying only when cut.
 */
export function capped(s: string, max: number): string {
  return s.length > max ? ownCopy(s.slice(0, max)) : s;
}
