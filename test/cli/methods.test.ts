/**
 * `--method nnst` and `--method strotss` from the command line, on a narrow random VGG-16
 * weight file made here (`--model vgg16-torchvision --model-file`): runs at 128 and 512 px
 * finish and write the image, and the `--json` contract holds for methods with scales —
 * every record carries `size`, the first is iteration 0 of the coarsest scale, and
 * `--num-iterations` counts steps per scale.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type Fixture, makeFixture, writeRandomWeights } from './helpers.js';

let f: Fixture;
let weights: string;
beforeAll(async () => {
  f = await makeFixture('ns-methods-');
  weights = join(f.dir, 'vgg16.safetensors');
  await writeRandomWeights(weights, 'vgg16', [4, 6, 8, 10, 12]);
});
afterAll(() => f.cleanup());

const args = (method: string, size: number, out: string, extra: string[] = []) => [
  '-c', f.photo, '-s', f.painting, '--method', method, '--model', 'vgg16-torchvision', '--model-file', weights,
  '--image-size', String(size), '--backend', 'cpu', '-o', join(f.dir, out), '--json', ...extra,
];

// The photo is 160×120: scales of 64 and 128 px at 128; 64, 128, 256, 512 at 512 (NNST adds its last pass at full size).
const scales = { nnst: { 128: [64, 128, 128], 512: [64, 128, 256, 512, 512] }, strotss: { 128: [64, 128], 512: [64, 128, 256, 512] } };

describe.each(['nnst', 'strotss'] as const)('--method %s', (method) => {
  it.each([128, 512] as const)('finishes a %i px run, writes the image, and keeps the --json contract', async (size) => {
    const n = size === 128 ? 2 : 1;
    const r = await cli(args(method, size, `${method}-${size}.png`, ['--num-iterations', String(n)]));
    expect(r.code, r.stderr).toBe(0);
    const meta = await sharp(join(f.dir, `${method}-${size}.png`)).metadata();
    expect([meta.width, meta.height]).toEqual([size, (size * 3) / 4]);
    const records = r.json();
    const sides = scales[method][size];
    // Iteration 0 of the coarsest scale, computed before any step, then n steps at each scale.
    expect(records.map((x) => x.iteration)).toEqual(Array.from({ length: sides.length * n + 1 }, (_, i) => i));
    expect(records.map((x) => x.size)).toEqual([sides[0], ...sides.flatMap((s) => Array<number>(n).fill(s))]);
    expect(records.map((x) => x.stage)).toEqual([1, ...sides.flatMap((_, i) => Array<number>(n).fill(i + 1))]);
    expect(records.every((x) => x.stages === sides.length && Number.isFinite(x.loss))).toBe(true);
  });
});

describe('methods that cannot be tiled', () => {
  it.each(['nnst', 'strotss'])('--method %s --tile 64 is a usage error, before any work', async (method) => {
    const r = await cli(args(method, 128, 'tiled.png', ['--tile', '64']));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`--method ${method} cannot run in tiles .*leave --tile at auto or off`));
  });
});

describe('a method that starts from its own image', () => {
  it('--method nnst --init-image is a usage error, before any work (it used to be ignored)', async () => {
    const r = await cli(args('nnst', 64, 'init.png', ['--init-image', f.painting]));
    expect([r.code, r.stderr]).toEqual([2, "error: --method nnst starts from the content's coarse pyramid levels: leave out --init-image\n"]);
  });
});
