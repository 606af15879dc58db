// "One or many": most windows hold one span, one key node, and most key values one waiting log,
// so a lone item is kept as itself and becomes an array only from the second. Saves an array
// object per holder in the common case (hundreds of thousands of holders live at once).
// T must never itself be an array: Array.isArray tells the two forms apart.

export type OneOrMany<T extends object> = T | T[];

/**
 * Lists up to this long are copied on append into an array of the exact length: push() grows an
 * array's backing store by half plus 16 slots, which for the 2-5 items most windows hold was
 * most of the list's memory. Longer lists grow with push() (amortized O(1)).
 */
export const EXACT_UP_TO = 8;

/** The array with the item appended: an exact-length copy while short, push() after. */
export function appendTo<T>(list: T[], item: T): T[] {
  if (list.length >= EXACT_UP_TO) {
    list.push(item);
    return list;
  }
  const copy = new Array<T>(list.length + 1);
  for (let i = 0; i < list.length; i++) copy[i] = list[i] as T;
  copy[list.length] = item;
  return copy;
}

/** The holder with the item appended (a new array from the second item). */
export function append<T extends object>(list: OneOrMany<T> | undefined, item: T): OneOrMany<T> {
  if (list === undefined) return item;
  if (Array.isArray(list)) return appendTo(list, item);
  return [list, item];
}

/** How many items the holder has. */
export function countOf<T extends object>(list: OneOrMany<T> | undefined): number {
  return list === undefined ? 0 : Array.isArray(list) ? list.length : 1;
}

/** The items as a read-only array (a one-element array for a lone item). */
export function itemsOf<T extends object>(list: OneOrMany<T> | undefined): readonly T[] {
  return list === undefined ? [] : Array.isArray(list) ? list : [list];
}

/**
 * The holder without the item, looked for from the head first (where items leave when they leave
 * in arrival order); back to a lone item when one is left.
 */
export function remove<T extends object>(list: OneOrMany<T> | undefined, item: T): OneOrMany<T> | undefined {
  if (list === item) return undefined;
  if (!Array.isArray(list)) return list;
  const at = list[0] === item ? 0 : list.indexOf(item);
  if (at === 0) list.shift();
  else if (at > 0) list.splice(at, 1);
  return list.length === 1 ? list[0] : list.length === 0 ? undefined : list;
}

/** The item at position i (0 = oldest). */
export function itemAt<T extends object>(list: OneOrMany<T>, i: number): T | undefined {
  return Array.isArray(list) ? list[i] : i === 0 ? list : undefined;
}
