import { defineConfig } from 'vitest/config';

// Workspace packages load from their TypeScript sources (their "source" export condition), so
// tests need no build of them first. The other conditions are Vite's server defaults: a different
// set would load some dependencies in another module format than the apps get.
export default defineConfig({
  ssr: { resolve: { conditions: ['source', 'module', 'node', 'development|production'] } },
  test: {
    include: ['**/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '.cache/**'],
    // Tests start real processes and sockets; two cores are the budget here.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
