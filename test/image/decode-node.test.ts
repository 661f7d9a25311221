import { mkdtemp, mkdir, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { readImage } from '../../src/image/decode-node.js';
import { animated, gradientBytes, pngHeaderOnly, raw } from './make-images.js';

let dir: string;
const at = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ns-decode-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(name: string, bytes: Buffer | string): Promise<string> {
  await writeFile(at(name), bytes);
  return at(name);
}

/** The InputError readImage gives for `path`; fails if it resolves or throws anything else. */
async function refusal(path: string): Promise<InputError> {
  try {
    await readImage(path);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).toContain(path);
    expect((e as Error).message).not.toMatch(/\n\s+at /); // no stack inside the message
    return e as InputError;
  }
  return expect.fail(`readImage(${path}) should have failed`);
}

describe('readImage', () => {
  it('reads an 8-bit PNG exactly, as HWC floats in [0, 1]', async () => {
    const bytes = gradientBytes(16, 9);
    const img = await readImage(await put('g.png', await raw(bytes, 16, 9).png().toBuffer()));
    expect([img.width, img.height, img.data.length]).toEqual([16, 9, 16 * 9 * 3]);
    expect(Array.from(img.data, (v) => Math.round(v * 255))).toEqual(Array.from(bytes));
  });

  it('reads JPEG and WebP close to the source', async () => {
    const bytes = gradientBytes(32, 32);
    for (const [name, buf] of [
      ['g.jpg', await raw(bytes, 32, 32).jpeg({ quality: 98, chromaSubsampling: '4:4:4' }).toBuffer()],
      ['g.webp', await raw(bytes, 32, 32).webp({ lossless: true }).toBuffer()],
    ] as const) {
      const img = await readImage(await put(name, buf));
      let err = 0;
      img.data.forEach((v, i) => (err = Math.max(err, Math.abs(v * 255 - bytes[i]!))));
      expect(err, name).toBeLessThanOrEqual(6);
    }
  });

  it('composites transparency onto white', async () => {
    const rgba = Buffer.from([255, 0, 0, 0, 0, 0, 255, 255, 0, 255, 0, 128]);
    const img = await readImage(await put('alpha.png', await raw(rgba, 3, 1, 4).png().toBuffer()));
    const px = Array.from(img.data, (v) => Math.round(v * 255));
    expect(px.slice(0, 3)).toEqual([255, 255, 255]); // fully transparent red → white
    expect(px.slice(3, 6)).toEqual([0, 0, 255]);
    expect(px[6]).toBeGreaterThanOrEqual(126); // half-transparent green over white
    expect(px[6]).toBeLessThanOrEqual(128);
    expect(px[7]).toBe(255);
  });

  it('expands grayscale (with and without alpha) to RGB', async () => {
    const g = Buffer.from([0, 64, 128, 255]);
    const img = await readImage(await put('gray.png', await raw(g, 4, 1, 1).png().toBuffer()));
    expect(Array.from(img.data, (v) => Math.round(v * 255))).toEqual([0, 0, 0, 64, 64, 64, 128, 128, 128, 255, 255, 255]);
    const ga = Buffer.from([0, 0, 200, 255]);
    const img2 = await readImage(await put('graya.png', await raw(ga, 2, 1, 2).png().toBuffer()));
    expect(Array.from(img2.data, (v) => Math.round(v * 255))).toEqual([255, 255, 255, 200, 200, 200]);
  });

  it('reduces 16-bit PNG to 8-bit sRGB', async () => {
    const bytes = gradientBytes(8, 8);
    const png16 = await raw(bytes, 8, 8).toColourspace('rgb16').png().toBuffer();
    const img = await readImage(await put('g16.png', png16));
    expect(Array.from(img.data, (v) => Math.round(v * 255))).toEqual(Array.from(bytes));
    for (const v of img.data) expect(Math.abs(v * 255 - Math.round(v * 255))).toBeLessThan(1e-3); // 8-bit levels
  });

  it('converts CMYK JPEG to RGB', async () => {
    const bytes = gradientBytes(16, 16);
    const cmyk = await raw(bytes, 16, 16).toColourspace('cmyk').jpeg({ quality: 98 }).toBuffer();
    const img = await readImage(await put('cmyk.jpg', cmyk));
    expect([img.width, img.height, img.data.length]).toEqual([16, 16, 16 * 16 * 3]);
    let sum = 0;
    img.data.forEach((v, i) => (sum += Math.abs(v * 255 - bytes[i]!)));
    expect(sum / img.data.length).toBeLessThan(25); // colour management moves values a little
  });

  it('applies the EXIF orientation', async () => {
    // Stored 8 wide × 4 high, left half red, right half blue; orientation 6 = rotate 90° clockwise.
    const w = 8;
    const h = 4;
    const bytes = Buffer.alloc(w * h * 3);
    for (let p = 0; p < w * h; p++) bytes.set(p % w < w / 2 ? [255, 0, 0] : [0, 0, 255], 3 * p);
    const jpg = await raw(bytes, w, h).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    const img = await readImage(await put('rot.jpg', jpg));
    expect([img.width, img.height]).toEqual([4, 8]);
    // After turning clockwise the stored left edge is on top: top rows red, bottom rows blue.
    expect(img.data[0]).toBeGreaterThan(0.8);
    expect(img.data[2]).toBeLessThan(0.2);
    const last = img.data.length - 3;
    expect(img.data[last]).toBeLessThan(0.2);
    expect(img.data[last + 2]).toBeGreaterThan(0.8);
  });

  it('refuses animated GIF and WebP', async () => {
    for (const fmt of ['gif', 'webp'] as const) {
      const e = await refusal(await put(`anim.${fmt}`, await animated(fmt, 3)));
      expect(e.message).toMatch(/has 3 frames.*only still, single-frame images/);
    }
  });

  it('accepts a single-frame GIF', async () => {
    const img = await readImage(await put('still.gif', await raw(gradientBytes(4, 4), 4, 4).gif().toBuffer()));
    expect(img.width).toBe(4);
  });

  it('refuses decompression bombs, naming the pixel count and the limit', async () => {
    const e = await refusal(await put('bomb.png', pngHeaderOnly(20000, 20000)));
    expect(e.message).toMatch(/20000×20000 = 400,000,000 pixels.*limit of 100,000,000 pixels/);
    // The limit is an option.
    const small = await put('small.png', await raw(gradientBytes(40, 30), 40, 30).png().toBuffer());
    await expect(readImage(small, { maxPixels: 1000 })).rejects.toThrow(/1,200 pixels.*limit of 1,000/);
  });

  it('refuses missing, empty, truncated and non-image files with the path in the message', async () => {
    expect((await refusal(at('missing.png'))).message).toMatch(/no such file/);
    expect((await refusal(await put('empty.png', Buffer.alloc(0)))).message).toMatch(/empty \(0 bytes\)/);
    expect((await refusal(await put('text.jpg', 'just some words\n'))).message).toMatch(/not a readable image.*allowed formats: PNG, JPEG/);
    const png = await raw(gradientBytes(64, 64), 64, 64).png().toBuffer();
    const jpg = await raw(gradientBytes(64, 64), 64, 64).jpeg().toBuffer();
    expect((await refusal(await put('trunc.png', png.subarray(0, png.length >> 1)))).message).toMatch(/damaged or truncated/);
    expect((await refusal(await put('trunc.jpg', jpg.subarray(0, jpg.length >> 1)))).message).toMatch(/damaged or truncated/);
    expect((await refusal(await put('sig-only.png', png.subarray(0, 8)))).message).toMatch(/PNG image is damaged or truncated/);
    expect((await refusal(await put('noise.png', Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9])))).message).toMatch(/not a readable image/);
    await mkdir(at('adir.png'));
    expect((await refusal(at('adir.png'))).message).toMatch(/is a directory/);
    expect((await refusal(join(at('empty.png'), 'x.png'))).message).toMatch(/not a directory/);
  });

  it('refuses SVG (vector) input', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
    expect((await refusal(await put('v.svg', svg))).message).toMatch(/SVG images are not supported; allowed formats/);
  });

  it.skipIf(process.getuid?.() === 0)('reports an unreadable file', async () => {
    const p = await put('locked.png', await raw(gradientBytes(2, 2), 2, 2).png().toBuffer());
    await chmod(p, 0o000);
    expect((await refusal(p)).message).toMatch(/permission denied/);
  });
});
