import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start their own nats-server and engine processes; keep the machine's
    // two cores from being oversubscribed.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts', 'config/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
    },
  },
});
