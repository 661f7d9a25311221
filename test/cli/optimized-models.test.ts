/**
 * Issue 27: the CLI keeps onnxruntime's optimised models in the cache folder, so a second
 * run skips the graph optimisation — and writes the same image, byte for byte, as the
 * first run, which optimised the graphs itself as every run did before the cache.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KEEP_OPTIMIZED_ENV } from '../../src/cli/run.js';
import { cli, type Fixture, makeFixture, writeRandomWeights } from './helpers.js';

let f: Fixture;
let weights: string;
beforeAll(async () => {
  process.env[KEEP_OPTIMIZED_ENV] = '1';
  f = await makeFixture('ns-optimized-cli-');
  weights = join(f.dir, 'weights.safetensors');
  await writeRandomWeights(weights, 'vgg19');
});
afterAll(async () => {
  delete process.env[KEEP_OPTIMIZED_ENV];
  await f.cleanup();
});

it('keeps no optimised model unless asked', async () => {
  delete process.env[KEEP_OPTIMIZED_ENV];
  try {
    const cache = join(f.dir, 'cache-off');
    const r = await cli(['-c', f.photo, '-s', f.painting, '-o', join(f.dir, 'off.png'), '--model', 'vgg19', '--model-file', weights, '--image-size', '32', '--num-iterations', '1', '--backend', 'cpu', '--cache-dir', cache, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    await expect(readdir(join(cache, 'optimized'))).rejects.toThrow(/ENOENT/);
  } finally {
    process.env[KEEP_OPTIMIZED_ENV] = '1';
  }
});

it('with NEURAL_STYLE_KEEP_OPTIMIZED=1 a second run loads the kept models and writes a byte-equal image; NEURAL_STYLE_TIMING prints the split', async () => {
  const cache = join(f.dir, 'cache');
  const args = (out: string) => ['-c', f.photo, '-s', f.painting, '-o', join(f.dir, out), '--model', 'vgg19', '--model-file', weights, '--image-size', '32', '--num-iterations', '3', '--backend', 'cpu', '--cache-dir', cache, '--quiet'];
  const first = await cli(args('first.png'));
  expect(first.code, first.stderr).toBe(0);
  const kept = await readdir(join(cache, 'optimized'));
  // The features graph and the objective.
  expect(kept).toHaveLength(2);
  process.env.NEURAL_STYLE_TIMING = '1';
  let second;
  try {
    second = await cli(args('second.png'));
  } finally {
    delete process.env.NEURAL_STYLE_TIMING;
  }
  expect(second.code, second.stderr).toBe(0);
  expect(await readdir(join(cache, 'optimized'))).toEqual(kept);
  expect((await readFile(join(f.dir, 'second.png'))).equals(await readFile(join(f.dir, 'first.png')))).toBe(true);
  for (const phase of ['plan', 'weights', 'graph', 'session', 'style targets', 'first evaluation', 'other', 'total']) expect(second.stderr).toMatch(new RegExp(`\\n  ${phase} +\\d+ ms`));
  expect(first.stderr).toBe('');
});
