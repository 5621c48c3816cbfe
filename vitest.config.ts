import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.spec.ts', 'apps/*/src/**/*.spec.ts', 'examples/*/src/**/*.spec.ts', 'scripts/quickstart/*.spec.ts'],
    // onnxruntime-node is a native addon: separate processes keep its thread pools apart.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', 'json'],
    // .ci/run reads the counts from here to print its "N passed, N failed" line.
    outputFile: { json: 'reports/vitest.json' },
  },
});
