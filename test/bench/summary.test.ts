/**
 * `npm run bench:summary`'s table-making (bench/summary-rows.ts) and its --write block
 * replacement (bench/summary-write.ts), on canned reports from a real
 * `npm run bench:summary -- --quick --reports DIR` run (test/bench/fixtures/summary/). The
 * benches themselves are not run here: minutes to hours, not a test.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandLine, makePlan } from '../../bench/summary-plan.js';
import { errorLine, goalMark, header, markdownTable, rowsOf, type StepRun } from '../../bench/summary-rows.js';
import { BLOCK_END, BLOCK_START, BlockError, replaceBlock, writeBlock } from '../../bench/summary-write.js';

const FIXTURES = new URL('fixtures/summary/', import.meta.url).pathname;

/** A canned step run, its date revived; a fresh copy each time so a test may change its numbers. */
function canned(id: string): StepRun & { report: any } {
  const file = readdirSync(FIXTURES).find((f) => f.endsWith(`-${id}.json`));
  if (!file) throw new Error(`no fixture for ${id}`);
  const run = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
  return { ...run, startedAt: new Date(run.startedAt) };
}

describe('bench:summary rows from the sub-benches’ reports', () => {
  it('gives one row per evaluation size and per Adam size, with the report’s numbers and the ratio against the faster PyTorch', () => {
    const run = canned('eval');
    const rows = rowsOf(run, true);
    const { results, stylize } = run.report;
    expect(rows).toHaveLength(results.length + stylize.length);
    for (const [i, r] of results.entries()) {
      expect(rows[i]!.compared).toBe(`One evaluation at ${r.size}, ours / the faster PyTorch (${r.faster})`);
      expect(rows[i]!.ours).toBe(`${r.ours.median.toFixed(0)} ms`);
      expect(rows[i]!.ratio).toBe(`${r.ratio.ofMedians.toFixed(2)}×`);
      expect(rows[i]!.goal).toBe('—');
    }
    const adam = rows[results.length]!;
    expect(adam.compared).toBe(`Adam per iteration (${stylize[0].steps} steps) at ${stylize[0].size}, ours / the faster PyTorch (${stylize[0].faster})`);
    expect(adam.ours).toBe(`${stylize[0].ours.perStepMs.toFixed(0)} ms/step`);
    expect(adam.ratio).toBe(`${stylize[0].ratio.toFixed(2)}×`);
    expect(adam.command).toBe(commandLine(run.step));
    expect(adam.failed).toBe(false);
  });

  it('marks the Adam goal (≤ 0.6×) met or not met from the ratio, both ways', () => {
    const run = canned('eval');
    run.report.stylize[0].ratio = 0.59;
    run.report.stylize[1].ratio = 0.61;
    const rows = rowsOf(run, false).filter((r) => r.compared.startsWith('Adam'));
    expect(rows.map((r) => r.goal)).toEqual(['≤ 0.6×: **met**', '≤ 0.6×: not met']);
    // In a quick run the mark says the size is not the goal's.
    expect(rowsOf(run, true).find((r) => r.compared.startsWith('Adam'))!.goal).toBe('≤ 0.6×: **met** (quick run: not the goal’s size or reps)');
  });

  it('marks the start-up goal (≤ 1.5 s at 64 px) from the warm median, and shows the cold first run', () => {
    const run = canned('startup');
    const c = run.report.commands[0];
    const [row] = rowsOf(run, false);
    expect(row!.ours).toBe(`${(c.warmMedianMs / 1000).toFixed(2)} s (first run ${(c.coldMs / 1000).toFixed(2)} s)`);
    c.warmMedianMs = 1400;
    expect(rowsOf(run, false)[0]!.goal).toBe('≤ 1.5 s: **met**');
    c.warmMedianMs = 1600;
    expect(rowsOf(run, false)[0]!.goal).toBe('≤ 1.5 s: not met');
  });

  it('marks the tab goals (≤ 2× at the small size, ≤ 1.6× at the large) from tab / CLI, and gives Start → iteration 1', () => {
    const run = canned('tab');
    const [small, large] = run.report.rows;
    small.tabMs = 1.9 * small.cliMs;
    large.tabMs = 1.7 * large.cliMs;
    const rows = rowsOf(run, false);
    expect(rows.map((r) => r.ratio)).toEqual(['1.90×', '1.70×']);
    expect(rows.map((r) => r.goal)).toEqual(['≤ 2×: **met**', '≤ 1.6×: not met']);
    small.tabMs = 2.1 * small.cliMs;
    large.tabMs = 1.5 * large.cliMs;
    expect(rowsOf(run, false).map((r) => r.goal)).toEqual(['≤ 2×: not met', '≤ 1.6×: **met**']);
    expect(rows[0]!.ours).toContain(`Start → iteration 1: ${(small.startToFirstMs[0] / 1000).toFixed(2)} s`);
  });

  it('marks the second-visit goal (≤ 3 s) from Start → first iteration of each later visit, and says how long the first visit’s run was', () => {
    const run = canned('revisit');
    const [first, second] = run.report.visits;
    const [row, ...more] = rowsOf(run, false);
    expect(more).toHaveLength(run.report.visits.length - 2);
    expect(row!.compared).toContain(`visit 2 at ${run.report.options.size} px: Start (${run.report.options.think} s after the weights)`);
    expect(row!.compared).toContain(`the first visit ran ${first.iterations} iterations`);
    expect(row!.ours.startsWith(`${(second.startToFirstMs / 1000).toFixed(2)} s`)).toBe(true);
    const size = String(run.report.options.size);
    run.step.goals = { [size]: 3 };
    second.startToFirstMs = 2900;
    expect(rowsOf(run, false)[0]!.goal).toBe('≤ 3 s: **met**');
    second.startToFirstMs = 3100;
    expect(rowsOf(run, false)[0]!.goal).toBe('≤ 3 s: not met');
    // A visit whose run never reported an iteration (JSON writes NaN as null) is not measured.
    second.startToFirstMs = null;
    expect(rowsOf(run, false)[0]!.goal).toBe('≤ 3 s: not measured');
    // One visit is no second visit: a failed row, not a crash.
    run.report.visits = [first];
    expect(rowsOf(run, false)[0]!.failed).toBe(true);
  });

  it('says plainly when torch stands in for neural-style-pt’s script', () => {
    const [row] = rowsOf(canned('lbfgs'), true);
    expect(row!.compared).toMatch(/L-BFGS steps .* torch\.optim\.LBFGS as neural-style-pt configures it .*neural_style\.py itself not given/);
  });

  it('turns a failed step into a row with its error line, and a report of another shape into a failed row rather than a crash', () => {
    const failed = { ...canned('tab'), report: undefined, error: 'Error: /usr/bin/chromium is not installed (apt-get install -y chromium)' };
    const [row] = rowsOf(failed, false);
    expect(row).toMatchObject({ compared: 'tab: failed', ours: failed.error, failed: true });
    const odd = { ...canned('startup'), report: { size: 64 } };
    expect(rowsOf(odd, false)[0]!.failed).toBe(true);
    expect(rowsOf(odd, false)[0]!.ours).toMatch(/^unexpected report: /);
  });

  it('takes the Error line from a crashed bench’s stderr, not the stack or Node’s version after it', () => {
    const stderr = ['file.ts:1', '   ^', '', 'Error: /usr/bin/chromium is not installed (apt-get install -y chromium)', '    at main (bench/web.ts:1:30)', '', 'Node.js v20.20.2', ''].join('\n');
    expect(errorLine(stderr)).toBe('Error: /usr/bin/chromium is not installed (apt-get install -y chromium)');
    expect(errorLine('bench.ts: --sizes wants sizes like 512 or 512x384 (width x height), not \'x\'; --help lists the flags\n')).toMatch(/^bench\.ts: --sizes wants/);
  });

  it('notes "not measured" for a missing value, and no goal where there is none', () => {
    expect(goalMark(NaN, 2, '×', false)).toBe('≤ 2×: not measured');
    expect(goalMark(0.1, undefined, '×', false)).toBe('—');
  });
});

describe('bench:summary markdown', () => {
  it('prints a header row and one line per row, with when, the load and the command in each', () => {
    const run = canned('startup');
    const md = markdownTable(rowsOf(run, false)).split('\n');
    expect(md[0]).toBe('| Compared | Ours | Reference | Ratio | Goal (issue 27) | Measured | Command |');
    expect(md).toHaveLength(3);
    const at = run.startedAt.toISOString().slice(0, 16).replace('T', ' ');
    expect(md[2]).toContain(`| ${at} UTC, load ${run.loadBefore.toFixed(2)} → ${run.loadAfter.toFixed(2)} |`);
    expect(md[2]!.endsWith(`| \`npm run bench:startup -- ${run.step.args.join(' ')}\` |`)).toBe(true);
  });

  it('escapes a pipe inside a cell so the row keeps its columns', () => {
    const failed = { ...canned('tab'), report: undefined, error: 'a | b' };
    expect(markdownTable(rowsOf(failed, false)).split('\n')[2]).toContain('a \\| b');
  });

  it('labels a quick run as not the headline sizes, and a full one not', () => {
    expect(header({ quick: true, machine: 'm', command: 'c' })).toMatch(/quick.*not the headline sizes/i);
    expect(header({ quick: false, machine: 'm', command: 'c' })).not.toMatch(/quick/i);
  });

  it('plans the headline sizes, and quick ones only with --quick', () => {
    const only = ['eval', 'lbfgs', 'startup', 'tab'] as const;
    expect(makePlan({ quick: false, only }).map(commandLine)).toEqual([
      'npm run bench -- --sizes 512,512x384,384x512 --reps 5 --backends cpu --stylize-steps 10 --stylize-size 512x384,384x512 --json',
      'npm run bench -- --sizes 32 --reps 1 --warmup 0 --backends cpu --stylize-optimizer lbfgs --stylize-steps 10 --stylize-size 512 --json',
      'npm run bench:startup -- --size 64 --runs 5 --json',
      'npm run bench:startup -- --size 256 --runs 5 --json',
      'npm run bench:web -- --sizes 128,256 --iterations 14 --warmup 4 --rounds 1 --think 20 --backends wasm --json',
    ]);
    expect(makePlan({ quick: true, only: ['tab'] }).map((s) => s.id)).toEqual(['tab']);
    expect(makePlan({ quick: false, only: ['revisit'] }).map(commandLine)).toEqual([
      'npm run bench:revisit -- --size 128 --visits 2 --think 5 --iterations 4 --first-iterations 100 --json',
    ]);
  });
});

describe('bench:summary --write', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-summary-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const page = ['# Performance', '', 'before', BLOCK_START, 'old table', 'old row', BLOCK_END, 'after', ''].join('\n');

  it('replaces only what lies between the markers, keeping the markers and everything outside', () => {
    const out = replaceBlock(page, 'new table\n');
    expect(out).toBe(['# Performance', '', 'before', BLOCK_START, 'new table', BLOCK_END, 'after', ''].join('\n'));
    // Writing twice gives the same page: the block does not grow.
    expect(replaceBlock(out, 'new table')).toBe(out);
  });

  it('refuses a file without both markers, naming the missing one, and one with a marker twice or out of order', () => {
    expect(() => replaceBlock('no markers here', 'x', 'docs/p.md')).toThrow(new BlockError(`docs/p.md has no ${BLOCK_START} and no ${BLOCK_END}: add both markers, each on its own line, where the summary goes`));
    expect(() => replaceBlock(`${BLOCK_START}\n`, 'x')).toThrow(`has no ${BLOCK_END}`);
    expect(() => replaceBlock(`${BLOCK_END}\n${BLOCK_START}\n`, 'x')).toThrow('before');
    expect(() => replaceBlock(`${BLOCK_START}\n${BLOCK_START}\n${BLOCK_END}\n`, 'x')).toThrow('twice');
  });

  it('writes the file in place, leaving no temporary file, and leaves a file without markers untouched', async () => {
    const file = join(dir, 'performance.md');
    writeFileSync(file, page);
    await writeBlock(file, 'the table');
    expect(readFileSync(file, 'utf8')).toBe(replaceBlock(page, 'the table'));
    expect(readdirSync(dir)).toEqual(['performance.md']);
    const bare = join(dir, 'bare.md');
    writeFileSync(bare, 'nothing');
    await expect(writeBlock(bare, 'x')).rejects.toThrow(BlockError);
    expect(readFileSync(bare, 'utf8')).toBe('nothing');
    expect(readdirSync(dir).sort()).toEqual(['bare.md', 'performance.md']);
  });
});
