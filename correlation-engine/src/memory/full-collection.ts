// A full garbage collection on demand, for the memory budget to confirm a heap reading before it
// refuses ingest on it (memory-budget.ts). Node has no API for one; V8's `gc` function is exposed
// to one fresh context only, so neither the engine's global nor a dependency's can call it.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The runtime's full collection, or undefined when it cannot be had. */
export function fullCollection(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as () => void;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
