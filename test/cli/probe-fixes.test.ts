/**
 * Holes a hostile-input probe found (issue 12), each shown by the command it used:
 * --save-iter names that replace an input, a memory estimate blind to the style images,
 * a plot failure that lost the result, all-zero weights found only after loading,
 * a resume hint for a checkpoint never written, and --model-file fingerprinted by name.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vgg19Table } from '../../src/models/layers.js';
import { DEFAULT_STYLIZE_OPTIONS } from '../../src/options/index.js';
import { checkMemory, largestFittingImageSize, runMemory } from '../../src/stylize/preflight.js';
import { cli, type Fixture, makeFixture, small, spawnCli, writeRandomWeights } from './helpers.js';

let f: Fixture;
beforeAll(async () => {
  f = await makeFixture('ns-probe-');
});
afterAll(() => f.cleanup());

describe('every file the run writes is checked against every input', () => {
  it('a --save-iter image that would replace the init image is refused before work starts', async () => {
    const dir = join(f.dir, 'r');
    await mkdir(dir, { recursive: true });
    const init = join(dir, 'out_1.png');
    await copyFile(f.painting, init);
    const before = await readFile(init);
    const r = await cli(small(f, ['--init-image', init, '-o', join(dir, 'out.png'), '--num-iterations', '2', '--save-iter', '1']));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--save-iter \(iteration 1\) .*out_1\.png is also the --init-image file; it would be overwritten/);
    expect((await readFile(init)).equals(before)).toBe(true);
  });
});

describe('the memory estimate covers the style images and the decoded inputs', () => {
  const image = (w: number, h: number) => ({ width: w, height: h });
  const input = (imageSize: number, styleScale: number) => ({
    table: vgg19Table,
    // Untiled: with tiles (the default `auto`) these runs would fit; test/tiles covers that.
    options: { ...DEFAULT_STYLIZE_OPTIONS, imageSize, styleScale, tile: 'off' as const },
    content: image(640, 480),
    styles: [image(512, 512)],
  });

  it('counts the feature pass over a style image at image size × style scale', () => {
    // The probe measured an 11.0 GB peak at 256 px with --style-scale 16 (estimated 0.95 GB).
    const m = runMemory(input(256, 16));
    expect(m.total).toBeGreaterThan(11e9);
    expect(m.features).toBeGreaterThan(m.evaluation);
    // At scale 1 the style pass is no larger than the content's.
    expect(runMemory(input(256, 1)).total).toBeLessThan(3e9);
  });

  it('counts the decoded inputs: a 100 MP image is 1.2 GB of floats', () => {
    const small = runMemory({ ...input(256, 1), content: image(640, 480) });
    const huge = runMemory({ ...input(256, 1), content: image(10_000, 10_000) });
    expect(huge.images - small.images).toBeGreaterThan(1.1e9);
  });

  it('suggests an image size that itself passes the check', () => {
    for (const budget of [2e9, 4e9, 8e9, 16e9]) {
      const i = input(2048, 1);
      const err = (() => {
        try {
          checkMemory({ ...i, availableBytes: budget });
        } catch (e) {
          return e as { suggestion?: { option: string; value: number } };
        }
      })();
      expect(err?.suggestion?.option).toBe('imageSize');
      const side = err!.suggestion!.value;
      expect(side).toBe(largestFittingImageSize(i, budget));
      expect(() => checkMemory({ ...i, options: { ...i.options, imageSize: side }, availableBytes: budget })).not.toThrow();
      expect(runMemory({ ...i, options: { ...i.options, imageSize: side + 16 } }).total).toBeGreaterThan(budget);
    }
  });

  it('the CLI refuses --style-scale 16 at 512 px before loading anything, naming the remedies', async () => {
    // Untiled: tiles (the default --tile auto) bound the style image's pass too, and say so.
    const r = await cli(small(f, ['-o', join(f.dir, 'big.png'), '--style-scale', '16', '--num-iterations', '1', '--tile', 'off'], 512));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/needs about \d+\.\d GB of memory .* try --tile auto \(tiles of \d+ px fit\), or --image-size \d+.*or a smaller --style-scale/);
  });
});

describe('a failed plot is a warning; the result is written first', () => {
  it('a plot that cannot be written loses nothing', async () => {
    const plotDir = join(f.dir, 'plots');
    await mkdir(plotDir, { recursive: true });
    const out = join(f.dir, 'plotted.png');
    const { done } = spawnCli(
      small(f, ['-o', out, '--num-iterations', '40', '--json', '--plot', join(plotDir, 'loss.svg')]),
      (line) => {
        // The directory becomes a file: the plot cannot be written (as on a full disk).
        if (line.includes('"iteration":0,')) {
          rmSync(plotDir, { recursive: true, force: true });
          writeFileSync(plotDir, 'not a directory');
        }
      },
    );
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: could not save the loss plot/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect((await sharp(out).metadata()).width).toBe(32);
  });
});

describe('usage errors found before any weight is loaded', () => {
  it('all loss weights 0 is a usage error (exit 2), not a graph error after loading', async () => {
    const empty = join(f.dir, 'empty-cache');
    const r = await cli([
      ...small(f, ['-o', join(f.dir, 'zero.png'), '--content-weight', '0', '--style-weight', '0', '--tv-weight', '0', '--model', 'vgg19', '--cache-dir', empty]),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: --content-weight, --style-weight and --tv-weight are all 0: there is nothing to optimise; give at least one a weight above 0\n',
    );
  });
});

describe('interruptions and checkpoints', () => {
  it('SIGINT before the first iteration does not point at a checkpoint that was never written', async () => {
    const stop = new AbortController();
    stop.abort('SIGINT');
    const ckpt = join(f.dir, 'never.ckpt');
    const r = await cli(small(f, ['-o', join(f.dir, 'never.png'), '--checkpoint', ckpt]), stop.signal);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted before the first iteration; nothing written\n/);
    expect(r.stderr).not.toMatch(/--resume/);
  });

  it('--model-file is fingerprinted by content: a renamed copy resumes, a same-size edit does not', async () => {
    const weights = join(f.dir, 'w.safetensors');
    const bytes = await writeRandomWeights(weights, 'vgg19');
    const ckpt = join(f.dir, 'mf.ckpt');
    const base = (file: string, out: string, extra: string[]) =>
      small(f, ['--model', 'vgg19-torchvision', '--model-file', file, '-o', join(f.dir, out), '-q', ...extra]).filter((a, i, all) => !(a === 'vgg19-random' || (a === '--model' && all[i + 1] === 'vgg19-random')));
    expect((await cli(base(weights, 'a.png', ['--num-iterations', '2', '--checkpoint', ckpt]))).code).toBe(0);

    const renamed = join(f.dir, 'renamed.safetensors');
    await copyFile(weights, renamed);
    const same = await cli(base(renamed, 'b.png', ['--num-iterations', '3', '--resume', ckpt]));
    expect(same.stderr).toBe('');
    expect(same.code).toBe(0);

    const edited = Buffer.from(bytes);
    const i = edited.length - 64; // inside the last tensor's floats
    edited[i] = edited[i]! ^ 0x01;
    const editedPath = join(f.dir, 'edited.safetensors');
    await writeFile(editedPath, edited);
    const other = await cli(base(editedPath, 'c.png', ['--num-iterations', '3', '--resume', ckpt]));
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/the checkpoint is from another run: it was made with --model-file .*, this run has /);
  });
});
