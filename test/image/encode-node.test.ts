import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NeuralStyleError, UsageError } from '../../src/errors.js';
import { createImage, fromBytes, toRgbBytes } from '../../src/image/convert.js';
import { readImage } from '../../src/image/decode-node.js';
import { encodeImage, formatForPath, writeImage } from '../../src/image/encode-node.js';
import type { RgbImage } from '../../src/image/types.js';
import { gradientBytes, noiseBytes } from './make-images.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ns-encode-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const gradient = (w: number, h: number): RgbImage => fromBytes(gradientBytes(w, h), w, h);

async function listDir(d: string): Promise<string[]> {
  return (await readdir(d)).sort();
}

describe('formatForPath', () => {
  it('maps extensions case-insensitively and refuses others, listing the allowed ones', () => {
    expect(formatForPath('a/b.PNG')).toBe('png');
    expect(formatForPath('x.jpg')).toBe('jpeg');
    expect(formatForPath('x.JPEG')).toBe('jpeg');
    expect(formatForPath('x.webp')).toBe('webp');
    for (const bad of ['out.bmp', 'out.gif', 'out', 'out.png.tmp']) {
      expect(() => formatForPath(bad)).toThrow(UsageError);
      expect(() => formatForPath(bad)).toThrow(/allowed extensions: \.png, \.jpg, \.jpeg, \.webp, \.tif, \.tiff/);
    }
    expect(() => formatForPath('out.bmp')).toThrow(/out\.bmp.*"\.bmp"/);
  });
});

describe('encodeImage', () => {
  it('PNG is lossless at 8 bits; values are clamped and rounded', async () => {
    const img = createImage(3, 1);
    img.data.set([-0.5, 0.2, 1.7, 0.5, 0.999, 0, NaN, 1, 0.0019]);
    const png = await encodeImage(img, 'png');
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(info.format).toBe('raw');
    expect(Array.from(data)).toEqual([0, 51, 255, 128, 255, 0, 0, 255, 0]);
  });

  it('JPEG and WebP come back close; the format is what was asked', async () => {
    const img = gradient(40, 30);
    for (const format of ['jpeg', 'webp'] as const) {
      const buf = await encodeImage(img, format);
      const meta = await sharp(buf).metadata();
      expect(meta.format).toBe(format);
      expect([meta.width, meta.height]).toEqual([40, 30]);
      const back = (await sharp(buf).raw().toBuffer()) as Buffer;
      const ref = toRgbBytes(img);
      let sum = 0;
      back.forEach((v, i) => (sum += Math.abs(v - ref[i]!)));
      expect(sum / back.length, format).toBeLessThan(3);
    }
  });

  it('refuses a bad quality', async () => {
    await expect(encodeImage(gradient(2, 2), 'jpeg', { quality: 0 })).rejects.toThrow(/quality.*1 to 100/);
  });
});

describe('writeImage', () => {
  it('writes each format by extension and reads back, leaving no temporary files', async () => {
    const d = join(dir, 'ok');
    await mkdir(d);
    const img = fromBytes(noiseBytes(20 * 10 * 3, 7), 20, 10);
    for (const name of ['a.png', 'b.jpg', 'c.jpeg', 'd.webp']) await writeImage(join(d, name), img);
    expect(await listDir(d)).toEqual(['a.png', 'b.jpg', 'c.jpeg', 'd.webp']);
    expect(toRgbBytes(await readImage(join(d, 'a.png')))).toEqual(toRgbBytes(img));
    expect((await sharp(join(d, 'c.jpeg')).metadata()).format).toBe('jpeg');
  });

  it('replaces an existing file only with a complete new one', async () => {
    const d = join(dir, 'replace');
    await mkdir(d);
    const p = join(d, 'out.png');
    await writeImage(p, createImage(2, 2, 0));
    await writeImage(p, createImage(3, 3, 1));
    expect((await readImage(p)).width).toBe(3);
    expect(await listDir(d)).toEqual(['out.png']);
  });

  it('an encoder failure leaves the existing output untouched and no temporary file', async () => {
    const d = join(dir, 'fail');
    await mkdir(d);
    const p = join(d, 'out.webp');
    await writeFile(p, 'previous result');
    // WebP cannot hold images wider than 16383 pixels.
    const wide = createImage(16384, 1, 0.5);
    const err = await writeImage(p, wide).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NeuralStyleError);
    expect((err as Error).message).toMatch(/out\.webp: could not encode the 16384×1 image as WEBP/);
    expect(await readFile(p, 'utf8')).toBe('previous result');
    expect(await listDir(d)).toEqual(['out.webp']);
  });

  it('a failed rename removes the temporary file', async () => {
    const d = join(dir, 'isdir');
    await mkdir(join(d, 'out.png'), { recursive: true });
    const err = await writeImage(join(d, 'out.png'), createImage(2, 2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/out\.png: is a directory/);
    expect(await listDir(d)).toEqual(['out.png']);
    expect(await listDir(join(d, 'out.png'))).toEqual([]);
  });

  it('names the missing directory, and refuses unknown extensions before writing anything', async () => {
    await expect(writeImage(join(dir, 'nope', 'x.png'), createImage(1, 1))).rejects.toThrow(/directory .*nope does not exist/);
    const d = join(dir, 'ext');
    await mkdir(d);
    await expect(writeImage(join(d, 'x.bmp'), createImage(1, 1))).rejects.toThrow(UsageError);
    expect(await listDir(d)).toEqual([]);
  });

  it('refuses a malformed image before touching the disk', async () => {
    const d = join(dir, 'bad');
    await mkdir(d);
    await expect(writeImage(join(d, 'x.png'), { width: 2, height: 2, data: new Float32Array(3) })).rejects.toThrow(RangeError);
    expect(await listDir(d)).toEqual([]);
  });
});

describe('16-bit output for prints', () => {
  // Values between 8-bit levels: 16 bits keep them, 8 bits round them to 1/255.
  const img: RgbImage = { width: 5, height: 4, data: Float32Array.from({ length: 60 }, (_, i) => (i * 1013) / 65535 / 1.1) };
  for (const ext of ['png', 'tif', 'tiff']) {
    it(`.${ext} holds every value to 1/65535`, async () => {
      const path = join(dir, `deep.${ext}`);
      await writeImage(path, img, { depth: 16 });
      expect((await sharp(path).metadata()).depth).toBe('ushort');
      const { data } = await sharp(path).toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
      const back = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
      expect(back.length).toBe(60);
      for (let i = 0; i < 60; i++) expect(Math.abs(back[i]! / 65535 - img.data[i]!)).toBeLessThanOrEqual(0.5 / 65535 + 1e-7);
    });
  }

  it('JPEG and WebP have 8 bits: a 16-bit request is a usage error', async () => {
    for (const format of ['jpeg', 'webp'] as const) {
      await expect(encodeImage(img, format, { depth: 16 })).rejects.toThrow(/8 bits a channel; write 16 bits as \.png or \.tif/);
    }
  });
});
