import { defineConfig } from 'vitest/config';

// `npm run test:gpu`: the GPU specs only (TUNEKIT_REQUIRE_GPU=1 makes a machine without CUDA an error, not a skip).
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.gpu.spec.ts', 'scripts/gpu/**/*.gpu.spec.ts'],
    pool: 'forks',
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
