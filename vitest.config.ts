import { defineConfig } from 'vitest/config';

// Workspace packages load from their TypeScript sources (their "source" export condition), so
// tests need no build of them first.
export default defineConfig({
  ssr: { resolve: { conditions: ['source', 'node', 'import', 'module', 'default'] } },
  test: {
    include: ['**/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '.cache/**'],
    // Tests start real processes and sockets; two cores are the budget here.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
