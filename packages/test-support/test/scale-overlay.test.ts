import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OverlayShapeError, SCALE_OVERLAY, writeStaticScaleOverlay } from '#scale-overlay';

describe('writeStaticScaleOverlay', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('swaps the shipped DNS resolver for the static list and leaves the rest of the overlay as shipped', () => {
    dir = mkdtempSync(join(tmpdir(), 'scale-overlay-'));
    const file = writeStaticScaleOverlay(dir, ['127.0.0.1:4001', '127.0.0.1:4002']);
    const written = readFileSync(file, 'utf8');
    const shipped = readFileSync(SCALE_OVERLAY, 'utf8');
    const staticBlock = '    resolver:\n      static:\n        hostnames: [127.0.0.1:4001, 127.0.0.1:4002]\n';
    // Both load balancers (data and cluster records) route over the same engines.
    expect(written.split(staticBlock)).toHaveLength(shipped.split('    resolver:\n      dns:\n').length);
    expect(written).toContain(staticBlock);
    expect(written).not.toMatch(/^ {6}dns:/m);
    expect(written).not.toContain('ENGINE_SCALE_HOSTNAME');
    // Everything before and after the resolver block is the shipped text.
    const [before] = shipped.split('    resolver:\n');
    expect(written.startsWith(before as string)).toBe(true);
    expect(written.endsWith(shipped.slice(shipped.indexOf('\nservice:')))).toBe(true);
  });

  it('refuses an overlay without the DNS resolver block instead of writing it unchanged', () => {
    dir = mkdtempSync(join(tmpdir(), 'scale-overlay-'));
    const source = join(dir, 'changed.yaml');
    writeFileSync(source, 'exporters:\n  load_balancing/engines:\n    resolver:\n      k8s:\n        service: engine\n');
    expect(() => writeStaticScaleOverlay(dir as string, ['127.0.0.1:4001'], source)).toThrow(OverlayShapeError);
  });
});
