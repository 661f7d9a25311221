/**
 * Tiles from the command line: a small coarse-to-fine job (128 px, then 256×192 in 2×2
 * tiles of 128 px) gives the untiled job's result to float tolerance, reports its stages
 * and tiles, and resumes from a checkpoint of its last stage. Content masks (two styles in
 * two regions, with style masks) and the W2 style loss tile the same way.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type Fixture, lastWins, makeFixture, writeRandomWeights } from './helpers.js';

let f: Fixture;
let weights: string;
beforeAll(async () => {
  f = await makeFixture('ns-tiles-');
  weights = join(f.dir, 'narrow.safetensors');
  await writeRandomWeights(weights, 'vgg19');
});
afterAll(() => f.cleanup());

const job = (out: string, extra: string[]) => lastWins([
  '-c', f.photo, '-s', f.painting, '-o', join(f.dir, out), '--model', 'vgg19', '--model-file', weights, '--backend', 'cpu',
  '--image-size', '256', '--multires', '128', '--multires-iterations', '3', '--num-iterations', '3', '--json', '--save-iter', '0',
  '--output-depth', '16', ...extra,
]);

async function pixels(name: string): Promise<Uint16Array> {
  const { data, info } = await sharp(join(f.dir, name)).raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  expect([info.width, info.height]).toEqual([256, 192]);
  return new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
}

function expectClose(a: Uint16Array, b: Uint16Array) {
  let worst = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!) / 65535;
    worst = Math.max(worst, d);
    sum += d;
  }
  expect(sum / a.length).toBeLessThan(1e-4);
  expect(worst).toBeLessThan(2e-3);
}

describe('a tiled coarse-to-fine job', () => {
  it('equals the untiled job, stage by stage', async () => {
    const whole = await cli(job('whole.png', ['--tile', 'off']));
    const tiled = await cli(job('tiled.png', ['--tile', '128']));
    expect(whole.code, whole.stderr).toBe(0);
    expect(tiled.code, tiled.stderr).toBe(0);
    const [a, b] = [whole.json(), tiled.json()];
    expect(b.map((l) => [l.iteration, l.stage, l.size, l.tiles])).toEqual([
      // Stage 1 is 128 px: a 128 px tile covers it, so it runs untiled (issue 26).
      [0, 1, 128, undefined], [1, 1, 128, undefined], [2, 1, 128, undefined], [3, 1, 128, undefined],
      [4, 2, 256, 4], [5, 2, 256, 4], [6, 2, 256, 4],
    ]);
    expect(a.every((l) => l.tiles === undefined)).toBe(true);
    for (const [i, l] of a.entries()) {
      for (const k of ['loss', 'content', 'style', 'tv']) expect(Math.abs(b[i]![k]! - l[k]!) / l[k]!, `${k} at ${l.iteration}`).toBeLessThan(1e-3);
    }
    expectClose(await pixels('whole.png'), await pixels('tiled.png'));
  });

  it('resumes in its last stage from a checkpoint', async () => {
    const ckpt = join(f.dir, 'job.ckpt');
    const first = await cli(job('resumed.png', ['--tile', '128', '--checkpoint', ckpt, '--num-iterations', '1']));
    expect(first.code, first.stderr).toBe(0);
    const resumed = await cli(job('resumed.png', ['--tile', '128', '--resume', ckpt]));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming at iteration 1 from/);
    // Stage 1 (iterations 0–3) is skipped: the run goes on in stage 2 from its iteration 1
    // (4 overall, evaluated again as a resumed run does) to its end.
    expect(resumed.json().map((l) => [l.iteration, l.stage])).toEqual([[4, 2], [5, 2], [6, 2]]);
    const straight = await cli(job('straight.png', ['--tile', '128']));
    expect(straight.code).toBe(0);
    expectClose(await pixels('resumed.png'), await pixels('straight.png'));
  });
});

/** A w×h greyscale PNG, white where `white(x, y)`. */
async function maskPng(name: string, w: number, h: number, white: (x: number, y: number) => boolean): Promise<string> {
  const b = Buffer.alloc(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) b[y * w + x] = white(x, y) ? 255 : 0;
  const path = join(f.dir, name);
  await writeFile(path, await sharp(b, { raw: { width: w, height: h, channels: 1 } }).png().toBuffer());
  return path;
}

describe('tiles with spatial control and W2', () => {
  // One stage at 256×192: in 2×2 tiles of 128 px, or whole.
  const single = (out: string, extra: string[]) => [
    '-c', f.photo, '-s', `${f.painting},${f.painting2}`, '-o', join(f.dir, out), '--model', 'vgg19', '--model-file', weights, '--backend', 'cpu',
    '--image-size', '256', '--num-iterations', '3', '--json', '--save-iter', '0', '--output-depth', '16', ...extra,
  ];

  async function expectSameJob(name: string, extra: string[]) {
    const whole = await cli(single(`${name}-whole.png`, ['--tile', 'off', ...extra]));
    const tiled = await cli(single(`${name}-tiled.png`, ['--tile', '128', ...extra]));
    expect(whole.code, whole.stderr).toBe(0);
    expect(tiled.code, tiled.stderr).toBe(0);
    const [a, b] = [whole.json(), tiled.json()];
    expect(b.map((l) => l.tiles)).toEqual([4, 4, 4, 4]);
    for (const [i, l] of a.entries()) {
      for (const k of ['loss', 'content', 'style', 'tv']) expect(Math.abs(b[i]![k]! - l[k]!) / l[k]!, `${k} at ${l.iteration}`).toBeLessThan(1e-3);
    }
    expectClose(await pixels(`${name}-whole.png`), await pixels(`${name}-tiled.png`));
  }

  it('content masks with style masks: two styles in two regions', async () => {
    // The content masks' edge is slanted, so it crosses the seams between tiles.
    const left = await maskPng('left.png', 160, 120, (x, y) => x + y / 2 < 100);
    const right = await maskPng('right.png', 160, 120, (x, y) => x + y / 2 >= 100);
    const top = await maskPng('top.png', 96, 96, (_, y) => y < 60);
    await expectSameJob('masked', ['--content-masks', `${left},${right}`, '--style-masks', `${top},${top}`]);
  });

  it('--style-loss w2 with style layer weights', async () => {
    await expectSameJob('w2', ['--style-loss', 'w2', '--style-weight', '1000', '--style-layer-weights', '256,64,16,4,1']);
  });
});
