/**
 * docs/options.md is generated (scripts/options-page.ts, from the option records and the
 * commands' definitions): it must be exactly what the generator writes today, so that a new
 * option, flag or help text cannot land without the reference.
 */
import { describe, expect, it } from 'vitest';
import { optionsPage, REGENERATE } from '../../scripts/options-page.js';
import { cliOptionSpecs, flagOf } from '../../src/cli/options.js';
import { videoOptionSpecs } from '../../src/cli/video/options.js';
import { jobOptionSpecs } from '../../src/jobs/job-options.js';
import { readPage } from './markdown.js';

describe('docs/options.md', () => {
  it(`is what the generator writes (if not, run \`${REGENERATE}\`)`, () => {
    const page = readPage('docs/options.md');
    // toBe would print both 30 kB texts; say which line differs and how to fix it.
    const want = optionsPage();
    if (page !== want) {
      const a = page.split('\n');
      const b = want.split('\n');
      const at = b.findIndex((line, i) => a[i] !== line);
      const n = at < 0 ? a.length : at;
      expect.fail(`docs/options.md is stale from line ${n + 1} on:\n  committed: ${a[n] ?? '(end of file)'}\n  generated: ${b[n] ?? '(end of file)'}\nRegenerate it: ${REGENERATE}`);
    }
  });

  it("names every flag of the stylize and video commands and every job option's key", () => {
    const page = optionsPage();
    for (const s of [...cliOptionSpecs(), ...videoOptionSpecs()]) expect(page, s.key).toContain(flagOf(s.key));
    for (const s of jobOptionSpecs()) expect(page, s.key).toContain(`| \`${s.key}\` |`);
  });
});
