import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global.ts'],
    // Temporal's native worker and child processes are happier in forked processes than threads.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 240_000,
    reporters: ['default'],
  },
});
