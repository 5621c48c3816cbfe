import { defineConfig } from 'vitest/config';

/** `npm run test:e2e`: tests that drive a real browser, kept out of `npm test`. */
export default defineConfig({
  test: {
    include: ['apps/*/src/**/*.e2e.ts'],
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 300_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'reports/vitest-e2e.json' },
  },
});
