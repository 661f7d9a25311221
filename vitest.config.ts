import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // onnxruntime sessions and image work are CPU heavy on a 2-core machine: run files
    // one or two at a time so timings inside tests stay meaningful.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
