import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files that take ~25 s or more each (worker processes, Redis restarts, Chromium, WebGPU on
 * software Vulkan, many CLI runs), measured per file on this 2-core machine. They form the
 * `slow` project; everything else is `unit`. `npm test` (and CI, through it) runs both in one
 * Vitest run; `npm run test:fast` runs `unit` only, for quick local checks.
 */
export const SLOW_FILES = [
  'test/jobs/cluster.test.ts',
  'test/jobs/faults.test.ts',
  'test/jobs/soak.test.ts',
  'test/runtime/backends.test.ts',
  'test/web/e2e.test.ts',
  'test/web/e2e-jobs.test.ts',
  'test/cli/features.test.ts',
];

export default defineConfig({
  test: {
    // The backends a Node program registers (test/setup.ts).
    setupFiles: ['test/setup.ts'],
    // onnxruntime sessions and image work are CPU heavy on a 2-core machine: run files
    // one or two at a time so timings inside tests stay meaningful. One pool for both
    // projects: they share these two workers and run at the same time (one sequence group),
    // so splitting them costs no wall time.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...SLOW_FILES] } },
      { extends: true, test: { name: 'slow', include: SLOW_FILES } },
    ],
  },
});
