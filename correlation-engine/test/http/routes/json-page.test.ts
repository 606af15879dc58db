// writeJsonPage pauses every few ms so other requests get a turn. Pausing must never lose or
// repeat an item, and a walk slower than the slice (a GC pause, cold code, a slow machine)
// must still make progress rather than pause before the same item for ever.
import { describe, expect, it } from 'vitest';
import { type ItemForms, type PageSource, writeJsonPage } from '../../../src/http/routes/json-page.js';

/** Items below the cursor, newest (highest) first; the cursor is the index to start below. Each visit costs `costMs` of busy time. */
function slowSource(costMs: number): PageSource<number, number> & { walks: number } {
  const source = {
    walks: 0,
    walk(from: number, visit: (item: number, resume: number) => boolean): number | undefined {
      source.walks += 1;
      for (let i = from - 1; i >= 0; i -= 1) {
        const until = performance.now() + costMs;
        while (performance.now() < until) {
          // the cost of finding the item
        }
        if (!visit(i, i + 1)) return undefined;
      }
      return undefined;
    },
    forms(item: number): ItemForms {
      const text = () => JSON.stringify({ item });
      return [text, text, text];
    },
  };
  return source;
}

describe('writeJsonPage', () => {
  it('lists every item once, in order, when each item alone takes longer than a slice', async () => {
    const source = slowSource(5);
    const page = await writeJsonPage(source, 5, 100, 1 << 20);
    expect(JSON.parse(page.body.toString('utf8'))).toEqual([4, 3, 2, 1, 0].map((item) => ({ item })));
    expect(page.count).toBe(5);
    expect(page.next).toBeUndefined();
    expect(source.walks).toBeGreaterThan(1); // it did pause between items
  });

  it('pauses without losing items and stops at the limit with the cursor of the next one', async () => {
    const source = slowSource(0.5);
    const page = await writeJsonPage(source, 50, 30, 1 << 20);
    expect((JSON.parse(page.body.toString('utf8')) as { item: number }[]).map((x) => x.item)).toEqual(
      Array.from({ length: 30 }, (_, i) => 49 - i),
    );
    expect(page.next).toBe(20);
  });
});
