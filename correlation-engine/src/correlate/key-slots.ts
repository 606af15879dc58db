// A window's values per business key, whichever form they take: the first record's own keys
// object while it is shared, or slots (one value as a string, more as a short list: at most
// maxKeyValuesPerWindow, so a linear search beats a Set's allocation) once it is not.
import { BUSINESS_KEYS, type BusinessKey, type BusinessKeys } from '../model/types.js';
import type { KeySlots, Window } from './state.js';

/**
 * Where slots keep the keys object the window held before them: detail records listed while it
 * was the window's refer to it without a slot of their own (window-detail.ts).
 */
const LENT_AT = BUSINESS_KEYS.length;

/** The values a window holds under key position k, whichever form its keys take. */
export function keySlot(keys: KeySlots | BusinessKeys | undefined, k: number): string | string[] | undefined {
  if (keys === undefined) return undefined;
  if (Array.isArray(keys)) return keys[k] as string | string[] | undefined;
  return keys[BUSINESS_KEYS[k] as BusinessKey] || undefined;
}

/** True when the slot holds the value. */
export const slotHas = (slot: string | string[] | undefined, value: string): boolean =>
  slot === value || (Array.isArray(slot) && slot.includes(value));

/** How many distinct values a key slot holds. */
export const slotSize = (slot: string | string[] | undefined): number =>
  slot === undefined ? 0 : typeof slot === 'string' ? 1 : slot.length;

/** The window's keys as slots (copied out of a shared keys object the first time). */
export function windowSlots(w: Window): KeySlots {
  const keys = w.keys;
  if (Array.isArray(keys)) return keys;
  const slots: KeySlots = new Array(LENT_AT + 1);
  if (keys !== undefined) for (let k = 0; k < BUSINESS_KEYS.length; k++) slots[k] = keySlot(keys, k);
  slots[LENT_AT] = keys;
  w.keys = slots;
  return slots;
}

/** The keys object the window holds or held before it had slots (undefined: none). */
export function lentKeys(w: Window): BusinessKeys | undefined {
  const keys = w.keys;
  return Array.isArray(keys) ? (keys[LENT_AT] as BusinessKeys | undefined) : keys;
}
