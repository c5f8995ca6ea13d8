import { defineConfig } from 'vitest/config';

// Node tests only; browser behaviour runs in real Chromium through Playwright (e2e/).
export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'bench/test/**/*.test.ts',
      'tools/test/**/*.test.ts',
    ],
    // Two cores: keep parallelism modest.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    reporters: ['default', './tools/summary-reporter.ts'],
  },
});
