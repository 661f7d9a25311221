/**
 * The stylize flags do what jcjohnson's do: init modes and seeds, original colours,
 * --save-iter files, the loss plot, the `seed` preset.
 */
import * as ort from 'onnxruntime-node';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage } from '../../src/image/decode-node.js';
import { encodeImage } from '../../src/image/encode-node.js';
import { rgbToYuv } from '../../src/image/original-colors.js';
import { fitMaxSide, resize } from '../../src/image/resize.js';
import type { RgbImage } from '../../src/image/types.js';
import { resolveModel } from '../../src/models/resolve-node.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { PRESETS } from '../../src/options/index.js';
import { stylize } from '../../src/stylize/stylize.js';
import { cli, type Fixture, lastWins, listDir, makeFixture, small, writeRandomWeights } from './helpers.js';

let f: Fixture;
beforeAll(async () => {
  f = await makeFixture('ns-features-');
});
afterAll(() => f.cleanup());

const out = (name: string) => join(f.dir, name);

async function ok(args: string[]) {
  const r = await cli(args);
  expect(r.stderr).not.toMatch(/^error/m);
  expect(r.code).toBe(0);
  return r;
}

/** Mean absolute difference of two images' pixels in [0, 1]. */
function meanDiff(a: RgbImage, b: RgbImage): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs(a.data[i]! - b.data[i]!);
  return s / a.data.length;
}

async function contentAt(path: string, size: number): Promise<RgbImage> {
  const img = await readImage(path);
  const s = fitMaxSide(img.width, img.height, size);
  return resize(img, s.width, s.height);
}

describe('init modes and seeds', () => {
  it('the same seed gives the same bytes and losses; another seed other losses', async () => {
    const run = async (name: string, seed: string, iterations = '6') => {
      const r = await ok(small(f, ['-o', out(name), '--num-iterations', iterations, '--seed', seed, '--json']));
      return r.json().map(({ elapsedMs: _, ...rest }) => rest);
    };
    const a = await run('a.png', '3');
    const b = await run('b.png', '3');
    const c = await run('c.png', '4', '0');
    expect(b).toEqual(a);
    expect((await readFile(out('a.png'))).equals(await readFile(out('b.png')))).toBe(true);
    // The noise is tiny (std 0.001 of a 0-255 range, as jcjohnson's), yet it is the seed's.
    expect(c[0]!.loss).not.toBe(a[0]!.loss);
  });

  it('--init image starts from the content, --init-image from another image, random from mean-grey noise', async () => {
    const content = await contentAt(f.photo, 32);
    await ok(small(f, ['-o', out('init-image.png'), '--num-iterations', '0', '--init', 'image']));
    expect(meanDiff(await readImage(out('init-image.png')), content)).toBeLessThan(1 / 255);

    await ok(small(f, ['-o', out('init-other.png'), '--num-iterations', '0', '--init-image', f.painting2]));
    const other = resize(await readImage(f.painting2), content.width, content.height);
    expect(meanDiff(await readImage(out('init-other.png')), other)).toBeLessThan(1 / 255);

    await ok(small(f, ['-o', out('init-random.png'), '--num-iterations', '0']));
    const noise = await readImage(out('init-random.png'));
    // Caffe preprocessing: x ≈ 0 is the ImageNet mean colour.
    const mean = [123.68, 116.779, 103.939].map((v) => v / 255);
    for (let i = 0; i < noise.data.length; i++) expect(Math.abs(noise.data[i]! - mean[i % 3]!)).toBeLessThanOrEqual(1 / 255);
  });
});

describe('--original-colors', () => {
  it("keeps the content's chrominance (YUV U and V) within 8-bit rounding", async () => {
    const args = ['--num-iterations', '8', '--init', 'image', '--style-weight', '1000'];
    await ok(small(f, ['-o', out('colours.png'), '--original-colors', ...args]));
    await ok(small(f, ['-o', out('plain.png'), ...args]));
    const content = await contentAt(f.photo, 32);
    /** Largest U/V difference over pixels the encoder did not clip (no channel at 0 or 255), and how many those are. */
    const chromaDiff = (img: RgbImage) => {
      let max = 0;
      let sum = 0;
      let n = 0;
      for (let i = 0; i < img.data.length; i += 3) {
        const px = [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
        if (px.some((v) => v <= 0 || v >= 1)) continue;
        const [, u, v] = rgbToYuv(px[0]!, px[1]!, px[2]!);
        const [, cu, cv] = rgbToYuv(content.data[i]!, content.data[i + 1]!, content.data[i + 2]!);
        max = Math.max(max, Math.abs(u - cu), Math.abs(v - cv));
        sum += Math.abs(u - cu) + Math.abs(v - cv);
        n++;
      }
      return { max, mean: sum / (2 * n), fraction: n / (img.width * img.height) };
    };
    const kept = chromaDiff(await readImage(out('colours.png')));
    // Rounding R, G, B to 1/255 moves U by at most 0.44/255 and V by 0.62/255.
    expect(kept.fraction).toBeGreaterThan(0.5);
    expect(kept.max).toBeLessThan(0.62 / 255 + 1e-6);
    // Without the flag the style's colours come through: the check is not vacuous.
    expect(chromaDiff(await readImage(out('plain.png'))).mean).toBeGreaterThan(10 * kept.mean);
  });
});

describe('--save-iter', () => {
  it('writes NAME_ITER.EXT beside the output every n iterations, and the output at the end', async () => {
    const dir = out('save');
    await (await import('node:fs/promises')).mkdir(dir);
    await ok(small(f, ['-o', join(dir, 'r.jpg'), '--num-iterations', '5', '--save-iter', '2']));
    expect(await listDir(dir)).toEqual(['r.jpg', 'r_2.jpg', 'r_4.jpg']);
    for (const name of ['r_2.jpg', 'r_4.jpg']) {
      const meta = await sharp(join(dir, name)).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 32, 24]);
    }
  });
});

describe('intermediate files that cannot be written', () => {
  it('are a warning, not the end of the run', async () => {
    const { mkdir } = await import('node:fs/promises');
    const dir = out('blocked');
    await mkdir(join(dir, 'r_2.png'), { recursive: true }); // a directory where r_2.png would go
    const r = await ok(small(f, ['-o', join(dir, 'r.png'), '--num-iterations', '3', '--save-iter', '2']));
    expect(r.stderr).toMatch(/warning: could not save .*r_2\.png \(.*\); the run goes on/);
    expect((await sharp(join(dir, 'r.png')).metadata()).format).toBe('png');
  });
});

describe('--plot', () => {
  it('writes a log-scale SVG of the loss parts, or a PNG of it', async () => {
    await ok(small(f, ['-o', out('p.png'), '--num-iterations', '4', '--plot', out('loss.svg')]));
    const svg = await readFile(out('loss.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    for (const label of ['total', 'content', 'style', 'tv']) expect(svg).toContain(`>${label}</text>`);
    expect(svg.match(/<path /g)!.length).toBeGreaterThanOrEqual(3); // tv of the noise start may be < the axis
    expect(svg).toMatch(/>1e\d+<\/text>/);
    expect(svg.length).toBeLessThan(20_000);

    await ok(small(f, ['-o', out('p.png'), '--num-iterations', '2', '--plot', out('loss.png')]));
    const meta = await sharp(out('loss.png')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 640, 400]);
  });
});

describe('--preset seed', () => {
  it("runs gcucurull's settings (VGG16, conv layers, Adam, avg pooling, noise std 1, best iterate) like the library", async () => {
    const weights = out('vgg16.safetensors');
    await writeRandomWeights(weights, 'vgg16');
    const common = ['-c', f.photo, '-s', f.painting, '--image-size', '32', '--num-iterations', '6', '--backend', 'cpu', '--save-iter', '0'];
    const r = await ok([...common, '-o', out('preset.png'), '--preset', 'seed', '--model-file', weights, '--json']);
    const lines = r.json();
    expect(lines.map((l) => l.iteration)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(lines.every((l) => l.tv === 0)).toBe(true); // the preset has no TV term

    const model = await resolveModel({ model: PRESETS.seed!.model, modelFile: weights });
    const result = await stylize({
      ort: ort as unknown as OrtModule,
      model,
      content: await readImage(f.photo),
      styles: [await readImage(f.painting)],
      options: { ...PRESETS.seed!.options, imageSize: 32, numIterations: 6, seed: 0 },
    });
    expect((await readFile(out('preset.png'))).equals(await encodeImage(result.image, 'png'))).toBe(true);
    expect(result.loss).toBe(Math.min(...lines.map((l) => l.loss))); // the best iterate is what was kept

    // Flags given explicitly win over the preset.
    const r2 = await ok(lastWins([...common, '-o', out('preset2.png'), '--preset', 'seed', '--model-file', weights, '--tv-weight', '1', '--json', '--num-iterations', '0']));
    expect(r2.json()[0]!.tv).toBeGreaterThan(0);
  });
});

describe('--multires', () => {
  it('runs the smaller size first and writes the result at --image-size', async () => {
    const r = await ok(small(f, ['-o', out('multi.png'), '--multires', '32', '--multires-iterations', '2', '--num-iterations', '2', '--json'], 48));
    expect(r.json().map((l) => l.iteration)).toEqual([0, 1, 2, 3, 4]);
    const meta = await sharp(out('multi.png')).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBe(48);
  });
});
