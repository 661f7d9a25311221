/**
 * Issue 27: the CLI keeps onnxruntime's optimised models in the cache folder for short runs
 * (these are; src/cli/keep-optimized.ts), so a second run skips the graph optimisation and reads no weights — and writes the same image, byte
 * for byte, as the first run, which optimised the graphs itself as every run did before
 * the cache. A weight file changed in place is another model, never served the old one's.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KEEP_OPTIMIZED_ENV } from '../../src/cli/run.js';
import { cli, type Fixture, makeFixture, writeRandomWeights } from './helpers.js';

let f: Fixture;
let weights: string;
beforeAll(async () => {
  delete process.env[KEEP_OPTIMIZED_ENV];
  f = await makeFixture('ns-optimized-cli-');
  weights = join(f.dir, 'weights.safetensors');
  await writeRandomWeights(weights, 'vgg19');
});
afterAll(async () => {
  delete process.env[KEEP_OPTIMIZED_ENV];
  await f.cleanup();
});

const args = (cache: string, out: string, modelFile = weights) =>
  ['-c', f.photo, '-s', f.painting, '-o', join(f.dir, out), '--model', 'vgg19', '--model-file', modelFile, '--image-size', '32', '--num-iterations', '3', '--backend', 'cpu', '--cache-dir', cache, '--quiet', '--json'];

/** The loss of the last iteration a --json run printed. */
const finalLoss = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as { iteration?: number; loss?: number }).filter((e) => e.iteration !== undefined).at(-1)?.loss;

/** A run with the kept models off, as every run was before them. */
async function uncached(cache: string, out: string, modelFile = weights) {
  process.env[KEEP_OPTIMIZED_ENV] = '0';
  try {
    return await cli(args(cache, out, modelFile));
  } finally {
    delete process.env[KEEP_OPTIMIZED_ENV];
  }
}

it('keeps no optimised model with NEURAL_STYLE_KEEP_OPTIMIZED=0', async () => {
  const cache = join(f.dir, 'cache-off');
  const r = await uncached(cache, 'off.png');
  expect(r.code, r.stderr).toBe(0);
  await expect(readdir(join(cache, 'optimized'))).rejects.toThrow(/ENOENT/);
});

it('by default a second short run loads the kept models and writes the image a run without them writes, byte for byte; NEURAL_STYLE_TIMING prints the split', async () => {
  const cache = join(f.dir, 'cache');
  const first = await cli(args(cache, 'first.png'));
  expect(first.code, first.stderr).toBe(0);
  const kept = await readdir(join(cache, 'optimized'));
  // The features graph and the objective.
  expect(kept).toHaveLength(2);
  process.env.NEURAL_STYLE_TIMING = '1';
  let second;
  try {
    second = await cli(args(cache, 'second.png'));
  } finally {
    delete process.env.NEURAL_STYLE_TIMING;
  }
  expect(second.code, second.stderr).toBe(0);
  expect(await readdir(join(cache, 'optimized'))).toEqual(kept);
  const off = await uncached(join(f.dir, 'cache-off2'), 'plain.png');
  expect(off.code, off.stderr).toBe(0);
  const plain = await readFile(join(f.dir, 'plain.png'));
  expect((await readFile(join(f.dir, 'first.png'))).equals(plain)).toBe(true);
  expect((await readFile(join(f.dir, 'second.png'))).equals(plain)).toBe(true);
  for (const phase of ['plan', 'weights', 'graph', 'session', 'style targets', 'first evaluation', 'other', 'total']) expect(second.stderr).toMatch(new RegExp(`\\n  ${phase} +\\d+ ms`));
  expect(first.stderr).toBe('');
});

it('a --model-file rewritten in place (same path, same size, other values) gets models of its own and its own image', async () => {
  const cache = join(f.dir, 'cache-edited');
  const file = join(f.dir, 'edited.safetensors');
  await writeRandomWeights(file, 'vgg19', undefined, 1);
  const before = await cli(args(cache, 'edited-before.png', file));
  expect(before.code, before.stderr).toBe(0);
  const kept = await readdir(join(cache, 'optimized'));
  const size = (await stat(file)).size;
  await writeRandomWeights(file, 'vgg19', undefined, 2);
  expect((await stat(file)).size).toBe(size);
  const after = await cli(args(cache, 'edited-after.png', file));
  expect(after.code, after.stderr).toBe(0);
  // Two new models beside the old two, and the image the new weights give without the cache.
  expect((await readdir(join(cache, 'optimized'))).filter((e) => !kept.includes(e))).toHaveLength(2);
  const plain = await uncached(join(f.dir, 'cache-edited-off'), 'edited-plain.png', file);
  expect(plain.code, plain.stderr).toBe(0);
  expect((await readFile(join(f.dir, 'edited-after.png'))).equals(await readFile(join(f.dir, 'edited-plain.png')))).toBe(true);
  // At this size the 8-bit images of both weights can agree: the losses tell them apart.
  expect(finalLoss(after.stdout)).toBe(finalLoss(plain.stdout));
  expect(finalLoss(after.stdout)).not.toBe(finalLoss(before.stdout));
});
