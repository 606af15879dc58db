// "One or many": most windows hold one span, one key node, and most key values one waiting log,
// so a lone item is kept as itself and becomes an array only from the second. Saves an array
// object per holder in the common case (hundreds of thousands of holders live at once).
// T must never itself be an array: Array.isArray tells the two forms apart.

export type OneOrMany<T extends object> = T | T[];

/** The holder with the item appended (a new array from the second item). */
export function append<T extends object>(list: OneOrMany<T> | undefined, item: T): OneOrMany<T> {
  if (list === undefined) return item;
  if (Array.isArray(list)) {
    list.push(item);
    return list;
  }
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

/** The item at position i (0 = oldest). */
export function itemAt<T extends object>(list: OneOrMany<T>, i: number): T | undefined {
  return Array.isArray(list) ? list[i] : i === 0 ? list : undefined;
}
