// The business keys have one definition (src/index.ts). The engine and the sense apps re-export
// it; the correlation view keeps a copy, because the browser loads the page's plain ES modules
// from the engine's fixed asset list, without a bundler, and cannot import a workspace package.
// This test holds the copy to the definition.
import { BUSINESS_KEYS, LINKING_KEYS } from '@obs/shared-constants';
import { repoPath } from '@obs/test-support/repo';
import { describe, expect, it } from 'vitest';

describe('one source for the business keys', () => {
  it('the engine and the sense apps export the shared definition itself', async () => {
    const engine = await import(repoPath('correlation-engine/src/model/types.ts'));
    const senseApps = await import(repoPath('sense-apps/common/src/business-keys/business-keys.ts'));
    expect(engine.BUSINESS_KEYS).toBe(BUSINESS_KEYS);
    expect(engine.LINKING_KEYS).toBe(LINKING_KEYS);
    expect(senseApps.BUSINESS_KEYS).toBe(BUSINESS_KEYS);
  });

  it("the correlation view's browser copy lists the same keys in the same order", async () => {
    const viewModel = await import(repoPath('correlation-engine/src/ui/view-model.js'));
    expect(viewModel.BUSINESS_KEYS).toEqual(BUSINESS_KEYS);
  });
});
