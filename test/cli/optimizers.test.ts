/**
 * Every optimiser, through the CLI with its defaults (noise init, jcjohnson's weights),
 * lowers the total loss at least 10× on a small problem (32 px, random VGG19); RMSprop
 * also resumes from a checkpoint to the very bytes of an uninterrupted run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/cli/checkpoint.js';
import { cli, type Fixture, makeFixture, small } from './helpers.js';

let f: Fixture;
beforeAll(async () => {
  f = await makeFixture('ns-optim-');
});
afterAll(() => f.cleanup());

for (const [optimizer, iterations] of [
  ['lbfgs', 30],
  ['adam', 60],
  ['rmsprop', 60],
] as const) {
  it(`${optimizer}: ${iterations} iterations lower the total loss ≥ 10×`, async () => {
    const r = await cli(small(f, ['-o', join(f.dir, `${optimizer}.png`), '--optimizer', optimizer, '--num-iterations', String(iterations), '--json']));
    expect(r.code).toBe(0);
    const lines = r.json();
    expect(lines).toHaveLength(iterations + 1);
    const first = lines[0]!.loss!;
    const last = lines.at(-1)!.loss!;
    expect(first / last).toBeGreaterThanOrEqual(10);
  });
}

it('rmsprop: 4 iterations, a checkpoint, and --resume to 8 write the same bytes as 8 straight', async () => {
  const out = (name: string) => join(f.dir, name);
  const withoutTime = (lines: Array<Record<string, number>>) => lines.map(({ elapsedMs: _, ...rest }) => rest);
  const common = ['--optimizer', 'rmsprop', '--learning-rate', '2', '--rmsprop-alpha', '0.9', '--json'];
  const straight = await cli(small(f, ['-o', out('rms-straight.png'), '--num-iterations', '8', ...common]));
  expect(straight.code).toBe(0);
  const ckpt = out('rms.ckpt');
  const first = await cli(small(f, ['-o', out('rms-part.png'), '--num-iterations', '4', '--checkpoint', ckpt, '--checkpoint-every', '4', ...common]));
  expect(first.code).toBe(0);
  const saved = await loadCheckpoint(ckpt);
  expect(saved.checkpoint.optimizer).toMatchObject({ kind: 'rmsprop', lr: 2, alpha: 0.9, stepCount: 4 });
  const second = await cli(small(f, ['-o', out('rms-resumed.png'), '--num-iterations', '8', '--resume', ckpt, ...common]));
  expect(second.stderr).toMatch(/resuming at iteration 4/);
  expect(second.code).toBe(0);
  // Every loss equal, not just close, and the output file byte for byte.
  expect(withoutTime([...first.json().slice(0, 4), ...second.json()])).toEqual(withoutTime(straight.json()));
  const [a, b] = await Promise.all([readFile(out('rms-straight.png')), readFile(out('rms-resumed.png'))]);
  expect(b.equals(a)).toBe(true);
  // The checkpoint is this run's: resuming with another optimiser or another α is refused.
  const adam = await cli(small(f, ['-o', out('rms-adam.png'), '--num-iterations', '8', '--resume', ckpt, ...common, '--optimizer', 'adam']));
  expect(adam.code).not.toBe(0);
  expect(adam.stderr).toMatch(/it was made with --optimizer rmsprop, this run has adam/);
  const alpha = await cli(small(f, ['-o', out('rms-alpha.png'), '--num-iterations', '8', '--resume', ckpt, ...common, '--rmsprop-alpha', '0.99']));
  expect(alpha.stderr).toMatch(/it was made with --rmsprop-alpha 0\.9, this run has 0\.99/);
});
