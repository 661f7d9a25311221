/**
 * Issue 11 on the command line: masks, colour control, the style statistics and iterate
 * averaging run end to end at 32 px; every mask mistake is refused in one line, exit 2,
 * before any weights load (no cache directory appears).
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type Fixture, lastWins, makeFixture } from './helpers.js';

let f: Fixture;
let cache: string;
const m: Record<string, string> = {};

/** A w×h greyscale PNG, white where `white(x, y)`. */
async function maskPng(path: string, w: number, h: number, white: (x: number, y: number) => boolean): Promise<string> {
  const b = Buffer.alloc(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) b[y * w + x] = white(x, y) ? 255 : 0;
  await sharp(b, { raw: { width: w, height: h, channels: 1 } }).png().toFile(path);
  return path;
}

beforeAll(async () => {
  f = await makeFixture('ns-control-');
  cache = join(f.dir, 'cache');
  m.left = await maskPng(join(f.dir, 'left.png'), 80, 60, (x) => x < 40);
  m.right = await maskPng(join(f.dir, 'right.png'), 80, 60, (x) => x >= 40);
  m.black = await maskPng(join(f.dir, 'black.png'), 80, 60, () => false);
  m.thin = await maskPng(join(f.dir, 'thin.png'), 32, 24, (x) => x === 20); // at the run's size: one column, not resampled
  m.top = await maskPng(join(f.dir, 'top.png'), 96, 96, (_, y) => y < 48);
  m.notes = join(f.dir, 'notes.png');
  await writeFile(m.notes, 'not an image\n');
  await mkdir(join(f.dir, 'out'));
});
afterAll(() => f.cleanup());

const O = () => join(f.dir, 'out', 'r.png');
const base = () => ['-c', f.photo, '-s', `${f.painting},${f.painting2}`, '-o', O(), '--model', 'vgg19-random', '--image-size', '32', '--cache-dir', cache, '--num-iterations', '2'];

describe('control flags that cannot work are refused before loading weights, exit 2 (1 for an unreadable file)', () => {
  // Exit 2 but for an unreadable file, which is an input error (exit 1) like any other input's.
  const cases: Array<{ name: string; args: () => string[]; message: RegExp; code?: number }> = [
    { name: 'a mask count that differs from the styles', args: () => [...base(), '--content-masks', m.left!], message: /--content-masks has 1 mask\(s\) but there are 2 style images: give one per style/ },
    { name: 'a style-mask count that differs', args: () => [...base(), '--content-masks', `${m.left},${m.right}`, '--style-masks', m.top!], message: /--style-masks has 1 mask\(s\) but there are 2 style images/ },
    { name: 'a mask that does not decode', args: () => [...base(), '--content-masks', `${m.left},${m.notes}`], message: /--content-masks: .*notes\.png: not a readable image/, code: 1 },
    { name: 'a mask file that is not there', args: () => [...base(), '--content-masks', `${m.left},${join(f.dir, 'nowhere.png')}`], message: /--content-masks: .*nowhere\.png: no such file/, code: 1 },
    { name: 'an empty mask', args: () => [...base(), '--content-masks', `${m.left},${m.black}`], message: /--content-masks .*black\.png: the mask is empty \(all black\): it selects nothing/ },
    { name: 'a region that --mask-mode inside erodes away at every style layer', args: () => [...base(), '--content-masks', `${m.left},${m.thin}`, '--mask-mode', 'inside'], message: /the content mask for style 2 vanishes at every style layer at 32×24 \(--mask-mode inside erodes it at every conv\): that style would apply nowhere; use --mask-mode simple/ },
    { name: '--style-masks without --content-masks', args: () => [...base(), '--style-masks', `${m.top},${m.top}`], message: /--style-masks needs --content-masks/ },
    { name: 'w2 with --normalize-gradients', args: () => [...base(), '--style-loss', 'w2', '--normalize-gradients'], message: /--style-loss w2 cannot be combined with --normalize-gradients/ },
    { name: 'w2 with content masks', args: () => [...base(), '--style-loss', 'w2', '--content-masks', `${m.left},${m.right}`], message: /content masks work with --style-loss gram only/ },
    { name: 'layer weights that do not match the layers', args: () => [...base(), '--style-layer-weights', '1,2'], message: /--style-layer-weights has 2 weight\(s\) for 5 layer\(s\) in --style-layers/ },
    { name: 'colour control with --original-colors', args: () => [...base(), '--color-control', 'luminance', '--original-colors'], message: /--original-colors and --color-control luminance both decide/ },
    { name: 'an unknown colour control', args: () => [...base(), '--color-control', 'sepia'], message: /--color-control must be one of none, luminance, histogram/ },
    { name: 'averaging with --keep-best', args: () => [...base(), '--average-iterates', '0.9', '--keep-best'], message: /--keep-best and --average-iterates both choose/ },
    { name: 'an averaging decay of 1', args: () => [...base(), '--average-iterates', '1'], message: /--average-iterates must be a number > 0 and ≤ 0\.9999/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await cli(lastWins(c.args()));
      expect(r.stderr).toMatch(c.message);
      expect(r.code).toBe(c.code ?? 2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(cache)).toBe(false);
      expect(existsSync(O())).toBe(false);
    });
  }
});

describe('control flags run end to end', () => {
  const run = async (extra: string[], out: string) => {
    const r = await cli(lastWins([...base().map((a) => (a === O() ? out : a)), '--backend', 'cpu', '-q', ...extra]));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height]).toEqual([32, 24]);
  };
  it('two styles as regions, with style masks and the inside mode', () =>
    run(['--content-masks', `${m.left},${m.right}`, '--style-masks', `${m.top},${m.top}`, '--mask-mode', 'inside'], join(f.dir, 'out', 'masked.png')));
  it('w2 with layer weights, luminance colour control and iterate averaging', () =>
    run(['--style-loss', 'w2', '--style-layers', 'relu1_1,relu2_1,relu3_1', '--style-layer-weights', '16,4,1', '--color-control', 'luminance', '--average-iterates', '0.9', '--optimizer', 'adam', '--learning-rate', '1'], join(f.dir, 'out', 'w2.png')));
  it('histogram colour control', () => run(['--color-control', 'histogram'], join(f.dir, 'out', 'hist.png')));
  it("crowsonkb's preset (on the random VGG-19, at 32 px: a flag given wins over the preset)", () =>
    run(['--preset', 'crowsonkb', '--model', 'vgg19-random', '--num-iterations', '3', '--style-layers', 'relu1_1,relu2_1,relu3_1', '--style-layer-weights', '16,4,1'], join(f.dir, 'out', 'crowsonkb.png')));
});
