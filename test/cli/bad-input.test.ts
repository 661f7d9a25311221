/**
 * Issue 7: every bad input gets one clear line on stderr and the right exit code (2 for
 * usage mistakes, 1 for unreadable inputs), before any weights load — and no output file
 * or cache entry is created, and an existing output is left as it was.
 */
import { copyFile, link, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { animated, pngHeaderOnly } from '../image/make-images.js';
import { cli, type Fixture, lastWins, listDir, makeFixture, writeRandomWeights } from './helpers.js';

let f: Fixture;
let out: string; // where outputs would go; holds keep.png, which must survive every failure
let cache: string;
let keepBytes: Buffer;
const p: Record<string, string> = {};

beforeAll(async () => {
  f = await makeFixture('ns-bad-');
  out = join(f.dir, 'out');
  cache = join(f.dir, 'cache');
  await mkdir(out);
  await copyFile(f.painting, join(out, 'keep.png'));
  keepBytes = await readFile(join(out, 'keep.png'));
  const file = (name: string) => (p[name] = join(f.dir, name));
  await writeFile(file('empty.png'), '');
  await writeFile(file('truncated.jpg'), (await readFile(f.photo)).subarray(0, 600));
  await writeFile(file('notes.png'), 'these are my notes, not an image\n');
  await writeFile(file('huge.png'), pngHeaderOnly(20_000, 20_000));
  await writeFile(file('animated.gif'), await animated('gif', 3, 40, 40));
  await writeFile(file('thin.png'), await (await import('sharp')).default({ create: { width: 400, height: 8, channels: 3, background: '#808080' } }).png().toBuffer());
  await mkdir(file('folder.png'));
  const weights = await writeRandomWeights(file('weights.safetensors'), 'vgg19');
  await writeFile(file('truncated.safetensors'), weights.subarray(0, Math.floor(weights.length / 2)));
  await writeRandomWeights(file('vgg16.safetensors'), 'vgg16');
  await writeFile(file('html.pth'), '<!DOCTYPE html><html><body>404 Not Found</body></html>');
  await link(f.photo, file('photo-hardlink.jpg'));
  await symlink(f.painting, file('painting-link.png'));
});
afterAll(() => f.cleanup());

const O = () => join(out, 'result.png');
const base = () => ['-c', f.photo, '-s', f.painting, '-o', O(), '--model', 'vgg19-random', '--image-size', '32', '--cache-dir', cache, '--num-iterations', '2'];

interface Case {
  name: string;
  args: () => string[];
  code: number;
  message: RegExp;
}

const usage: Case[] = [
  { name: 'a non-numeric size', args: () => [...base(), '--image-size', 'big'], code: 2, message: /--image-size must be a whole number ≥ 1, got 'big'/ },
  { name: 'a zero size', args: () => [...base(), '--image-size', '0'], code: 2, message: /--image-size must be a whole number ≥ 1, got '0'/ },
  { name: 'a fractional iteration count', args: () => [...base(), '--num-iterations', '2.5'], code: 2, message: /--num-iterations must be a whole number/ },
  { name: 'a negative weight', args: () => [...base(), '--tv-weight', '-1'], code: 2, message: /--tv-weight must be a number ≥ 0, got '-1'/ },
  { name: 'an infinite weight', args: () => [...base(), '--style-weight', 'Infinity'], code: 2, message: /--style-weight must be a number ≥ 0/ },
  { name: 'a zero style scale', args: () => [...base(), '--style-scale', '0'], code: 2, message: /--style-scale must be a number > 0/ },
  { name: 'a zero learning rate', args: () => [...base(), '--learning-rate', '0'], code: 2, message: /--learning-rate must be a number > 0/ },
  { name: 'an unknown optimizer', args: () => [...base(), '--optimizer', 'sgd'], code: 2, message: /--optimizer must be one of lbfgs, adam, rmsprop, got 'sgd'/ },
  { name: 'an unknown pooling', args: () => [...base(), '--pooling', 'min'], code: 2, message: /--pooling must be one of max, avg/ },
  { name: 'an unknown backend', args: () => [...base(), '--backend', 'cuda'], code: 2, message: /--backend must be one of auto, cpu, webgpu/ },
  { name: 'an unknown preset', args: () => [...base(), '--preset', 'fancy'], code: 2, message: /--preset must be one of seed/ },
  { name: 'an unknown flag', args: () => [...base(), '--colour-boost'], code: 2, message: /unknown option '--colour-boost'/ },
  { name: "jcjohnson's spelling", args: () => ['-content_image', f.photo, '-style_image', f.painting], code: 2, message: /-content_image is --content here/ },
  { name: 'a stray argument', args: () => [...base(), 'extra.jpg'], code: 2, message: /unexpected argument 'extra.jpg': give images with -c\/--content and -s\/--style/ },
  { name: 'a flag given no value (it took the next flag)', args: () => [...base(), '--content-weight', '--style-weight', '5'], code: 2, message: /option '--content-weight' needs a value; it was followed by the flag '--style-weight'/ },
  { name: 'a mistyped command', args: () => ['modles'], code: 2, message: /unknown command 'modles'; commands: models, fetch, serve/ },
  { name: 'no content image', args: () => ['-s', f.painting, '-o', O()], code: 2, message: /no content image: give one with -c\/--content/ },
  { name: 'no style image', args: () => ['-c', f.photo, '-o', O()], code: 2, message: /no style image/ },
  { name: 'an empty item in the style list', args: () => ['-c', f.photo, '-s', `${f.painting},`, '-o', O()], code: 2, message: /--style must be a comma-separated list/ },
  { name: 'an unknown model', args: () => [...base(), '--model', 'vgg99'], code: 2, message: /Unknown model 'vgg99'. Known models: vgg19, vgg16/ },
  { name: 'an unknown style layer', args: () => [...base(), '--style-layers', 'relu1_1,relu9_1'], code: 2, message: /--style-layers: unknown layer 'relu9_1' for vgg19; valid layers: conv1_1/ },
  { name: 'a vgg19-only layer on vgg16', args: () => [...base(), '--model', 'vgg16', '--content-layers', 'relu5_4'], code: 2, message: /--content-layers: unknown layer 'relu5_4' for vgg16/ },
  { name: 'multires sizes not increasing', args: () => [...base(), '--multires', '24,16'], code: 2, message: /--multires sizes must increase and stay below --image-size 32, got '24,16'/ },
  { name: 'a multires size too small for the layers', args: () => [...base(), '--image-size', '64', '--multires', '8'], code: 2, message: /--multires 8 makes the content image 8×6, too small for relu5_1/ },
  { name: 'multires counts not matching sizes', args: () => [...base(), '--multires', '16', '--multires-iterations', '3,4'], code: 2, message: /--multires-iterations has 2 count\(s\) for 1 --multires size\(s\)/ },
  { name: 'a repeated layer', args: () => [...base(), '--style-layers', 'relu1_1,relu1_1'], code: 2, message: /--style-layers lists relu1_1 twice/ },
  {
    name: 'too few blend weights',
    args: () => [...base(), '-s', f.painting2, '--style-blend-weights', '1'],
    code: 2,
    message: /--style-blend-weights has 1 weight\(s\) but there are 2 style images/,
  },
  { name: 'all-zero blend weights', args: () => [...base(), '--style-blend-weights', '0'], code: 2, message: /at least one above 0/ },
  { name: '--init random with --init-image', args: () => [...base(), '--init', 'random', '--init-image', f.photo], code: 2, message: /--init-image needs --init image/ },
  { name: 'an output format we cannot write', args: () => [...base(), '-o', join(out, 'result.bmp')], code: 2, message: /allowed extensions: \.png, \.jpg, \.jpeg, \.webp, \.tif, \.tiff/ },
  { name: '16 bits for a JPEG output', args: () => [...base(), '-o', join(out, 'print.jpg'), '--output-depth', '16'], code: 2, message: /--output-depth 16 needs a \.png or \.tif output; .*print\.jpg is JPEG/ },
  { name: 'a tile size that is not a size', args: () => [...base(), '--tile', 'big'], code: 2, message: /--tile must be auto, off or a whole number ≥ 16, got 'big'/ },
  { name: 'an output directory that does not exist', args: () => [...base(), '-o', join(out, 'missing', 'r.png')], code: 2, message: /the directory .*missing does not exist/ },
  { name: 'an output path that is a directory', args: () => [...base(), '-o', p['folder.png']!], code: 2, message: /is a directory/ },
  { name: 'output = content', args: () => [...base(), '-o', f.photo.replace(/\.jpg$/, '.jpg')], code: 2, message: /--output .* is also the --content file/ },
  { name: 'output = style via a symlink', args: () => [...base(), '-o', p['painting-link.png']!], code: 2, message: /is also the --style file/ },
  { name: 'output = content via a hard link', args: () => [...base(), '-o', p['photo-hardlink.jpg']!], code: 2, message: /is also the --content file/ },
  { name: '--checkpoint-every without --checkpoint', args: () => [...base(), '--checkpoint-every', '10'], code: 2, message: /--checkpoint-every needs --checkpoint FILE/ },
  { name: 'checkpoint = output', args: () => [...base(), '--checkpoint', O()], code: 2, message: /--output and --checkpoint name the same file/ },
  { name: 'a plot format we cannot write', args: () => [...base(), '--plot', join(out, 'loss.pdf')], code: 2, message: /--plot .*\.svg or \.png/ },
  {
    name: 'an image too thin for the deepest layer',
    args: () => [...base().map((a) => (a === f.photo ? p['thin.png']! : a)), '--image-size', '64'],
    code: 2,
    message: /makes the content image 64×1, too small for relu5_1 \(4 poolings need at least 16 px/,
  },
];

const inputs: Case[] = [
  { name: 'a missing content image', args: () => [...base().map((a) => (a === f.photo ? join(f.dir, 'nope.jpg') : a))], code: 1, message: /nope\.jpg: no such file/ },
  { name: 'an empty style image', args: () => [...base().map((a) => (a === f.painting ? p['empty.png']! : a))], code: 1, message: /empty\.png: the file is empty \(0 bytes\)/ },
  { name: 'a truncated JPEG', args: () => [...base().map((a) => (a === f.photo ? p['truncated.jpg']! : a))], code: 1, message: /truncated\.jpg: the JPEG image is damaged or truncated/ },
  { name: 'a text file named .png', args: () => [...base().map((a) => (a === f.painting ? p['notes.png']! : a))], code: 1, message: /notes\.png: not a readable image/ },
  { name: 'a decompression bomb', args: () => [...base().map((a) => (a === f.photo ? p['huge.png']! : a))], code: 1, message: /20000×20000 = 400,000,000 pixels is more than the limit/ },
  { name: 'an animated GIF', args: () => [...base().map((a) => (a === f.painting ? p['animated.gif']! : a))], code: 1, message: /animated\.gif: has 3 frames \(animated or multi-page\)/ },
  { name: 'a directory as the content image', args: () => [...base().map((a) => (a === f.photo ? p['folder.png']! : a))], code: 1, message: /folder\.png: is a directory/ },
  { name: 'a missing --init-image', args: () => [...base(), '--init-image', join(f.dir, 'nope.png')], code: 1, message: /nope\.png: no such file/ },
  { name: 'a missing --model-file', args: () => [...base(), '--model', 'vgg19', '--model-file', join(f.dir, 'nope.pth')], code: 1, message: /--model-file .*nope\.pth: no such file/ },
  { name: 'a missing --resume file', args: () => [...base(), '--resume', join(f.dir, 'nope.ckpt')], code: 1, message: /--resume .*nope\.ckpt: no such file/ },
  { name: 'a --resume file that is not a checkpoint', args: () => [...base(), '--resume', p['notes.png']!], code: 1, message: /not a neural-style checkpoint/ },
  // Without --checkpoint a resumed run saves into its --resume file: never one of the run's images.
  { name: 'a --resume file that is the style image', args: () => [...base(), '--resume', f.painting], code: 2, message: /--resume \(the file a resumed run goes on saving its checkpoints into\) .* is also the --style file; it would be overwritten/ },
];

const resources: Case[] = [
  {
    name: 'a run far larger than memory',
    args: () => [...base(), '--image-size', '40000'],
    code: 1,
    message: /a 40000×30000 run (in tiles of \d+ px )?needs about \d+\.\d GB of memory but .* is available; try --image-size \d+, or --optimizer adam/,
  },
];

const weights: Case[] = [
  {
    name: 'a truncated weight file',
    args: () => [...base(), '--model', 'vgg19', '--model-file', p['truncated.safetensors']!],
    code: 1,
    message: /truncated\.safetensors/,
  },
  {
    name: 'an HTML page saved as weights',
    args: () => [...base(), '--model', 'vgg19', '--model-file', p['html.pth']!],
    code: 1,
    message: /html\.pth: not a weight file: it is an HTML\/XML document/,
  },
  {
    name: 'VGG16 weights read as VGG19',
    args: () => [...base(), '--model', 'vgg19', '--model-file', p['vgg16.safetensors']!],
    code: 1,
    message: /missing tensor 'conv3_4\.weight' for vgg19 layer conv3_4/,
  },
];

async function expectRefused(c: Case) {
  const r = await cli(lastWins(c.args()));
  expect(r.stderr).toMatch(c.message);
  expect(r.code).toBe(c.code);
  const lines = r.stderr.trimEnd().split('\n');
  // One line (weights errors come after the one "backend: …" note).
  expect(lines.filter((l) => l.startsWith('error: '))).toHaveLength(1);
  expect(lines.at(-1)).toMatch(/^error: /);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(r.stdout).toBe('');
  expect(await listDir(out)).toEqual(['keep.png']);
  expect(await readFile(join(out, 'keep.png'))).toEqual(keepBytes);
  expect(existsSync(cache)).toBe(false);
}

describe('usage mistakes exit 2 before anything is loaded', () => {
  for (const c of usage) it(c.name, () => expectRefused(c));
});

describe('unreadable inputs exit 1', () => {
  for (const c of inputs) it(c.name, () => expectRefused(c));
});

describe('a run that cannot fit in memory is refused before loading anything', () => {
  for (const c of resources) it(c.name, () => expectRefused(c));
});

describe('bad weight files exit 1 with what is wrong', () => {
  for (const c of weights) it(c.name, () => expectRefused(c));

  it('an existing output survives a failed run', async () => {
    await copyFile(f.painting, O());
    const before = await readFile(O());
    const r = await cli(lastWins([...base(), '--model', 'vgg19', '--model-file', p['html.pth']!]));
    expect(r.code).toBe(1);
    expect(await readFile(O())).toEqual(before);
    const { rm } = await import('node:fs/promises');
    await rm(O());
  });
});

describe('an unwritable output directory', () => {
  it('is refused with exit 2 before any work', async () => {
    // root may write anywhere chmod allows nothing, so use sysfs (no new files, even for root) then.
    let dir: string;
    if (process.getuid?.() === 0) {
      dir = '/sys';
    } else {
      dir = join(f.dir, 'locked');
      const { chmod } = await import('node:fs/promises');
      await mkdir(dir);
      await chmod(dir, 0o555);
    }
    const r = await cli(lastWins([...base(), '-o', join(dir, 'r.png')]));
    expect(r.stderr).toMatch(/no permission to write in/);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'r.png'))).toBe(false);
  });
});

describe('unusual but valid images are handled, not refused', () => {
  it('grayscale content, a 16-bit style with alpha, a CMYK init image', async () => {
    const sharp = (await import('sharp')).default;
    const gray = join(f.dir, 'gray.png');
    const rgba16 = join(f.dir, 'rgba16.png');
    const cmyk = join(f.dir, 'cmyk.jpg');
    await sharp(f.photo).toColourspace('b-w').png().toFile(gray);
    await sharp(f.painting).ensureAlpha(0.5).toColourspace('rgb16').png().toFile(rgba16);
    await sharp(f.photo).toColourspace('cmyk').jpeg().toFile(cmyk);
    expect((await sharp(rgba16).metadata()).depth).toBe('ushort');
    const r = await cli(['-c', gray, '-s', rgba16, '--init-image', cmyk, '-o', join(f.dir, 'unusual.png'), '--model', 'vgg19-random', '--image-size', '32', '--num-iterations', '1', '--backend', 'cpu']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect((await sharp(join(f.dir, 'unusual.png')).metadata()).channels).toBe(3);
  });
});
