#!/usr/bin/env node
// `npm test`: vitest with its usual output, then one plain closing line
// ("N passed, N failed, N skipped") that any CI log reader understands. Both Vitest projects
// run (vitest.config.ts: `unit` and `slow`); extra arguments go to vitest, so
// `npm run test:fast` (`--project unit`) gets the same closing line for the quick subset.
// NS_TEST_REPORT=path keeps vitest's JSON report there (per-file start and end times).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'neural-style-test-'));
const report = join(dir, 'report.json');
const run = spawnSync(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
let code = run.status ?? 1;
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`\n${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  if (r.numTotalTests === 0) code = 1;
} catch {
  console.log('\n0 passed, 1 failed');
  code = code || 1;
}
if (process.env.NS_TEST_REPORT) {
  try {
    copyFileSync(report, process.env.NS_TEST_REPORT);
  } catch (err) {
    console.log(`note: could not keep the JSON report: ${err.message}`);
  }
}
rmSync(dir, { recursive: true, force: true });
process.exit(code);
