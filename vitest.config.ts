import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: files run in parallel worker processes, each with its own server and database.
    pool: 'forks',
    maxWorkers: 2,
  },
});
