import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Stops the run with one line when Redis is not reachable (test/support/redis-global-setup.ts).
    globalSetup: ['test/support/redis-global-setup.ts'],
    // Tests that start servers (fake API server, Redis-backed queues) get room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
