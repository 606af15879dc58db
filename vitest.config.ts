import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '.cache/**'],
    // Tests start real processes and sockets; two cores are the budget here.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
