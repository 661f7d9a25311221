/**
 * The browser decoder's pixel limit, in Node: decodeImageBlob reads the size from the file's
 * header and refuses an image with too many pixels before the browser tries to decode it
 * (Chromium only says "The source image could not be decoded", which blamed the file).
 * createImageBitmap is a stand-in that fails as Chromium's does and counts its calls.
 */
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InputError } from '../../src/errors.js';
import { DEFAULT_MAX_PIXELS } from '../../src/image/decode-node.js';
import { imageHeaderSize } from '../../src/platform/image-header.js';
import { decodeImageBlob, MAX_DECODE_PIXELS } from '../../src/platform/browser-image.js';
import { blackPng } from './black-png.js';

describe('decodeImageBlob: too many pixels', () => {
  let decodes: number;

  beforeEach(() => {
    decodes = 0;
    vi.stubGlobal('createImageBitmap', async () => {
      decodes++;
      throw new DOMException('The source image could not be decoded.', 'InvalidStateError');
    });
  });

  afterEach(() => vi.unstubAllGlobals());

  it('a 30000×30000 PNG is refused as too many pixels, naming the limit, before decoding', async () => {
    const file = new File([new Uint8Array(blackPng(30000, 30000))], 'huge.png', { type: 'image/png' });
    const err = await decodeImageBlob(file, { name: 'huge.png' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(
      "'huge.png' is 30000×30000 = 900,000,000 pixels, more than the limit of 100,000,000 pixels; shrink the image first",
    );
    expect(decodes).toBe(0);
  });

  it('the limit is the CLI’s', () => {
    expect(MAX_DECODE_PIXELS).toBe(DEFAULT_MAX_PIXELS);
  });

  it('an image within the limit goes to the decoder (whose failure still says "could not be decoded")', async () => {
    const file = new File([new Uint8Array(blackPng(10_000, 10_000))], 'big.png', { type: 'image/png' });
    await expect(decodeImageBlob(file)).rejects.toThrow(/^'big\.png' could not be decoded as an image/);
    expect(decodes).toBe(1);
  });
});

describe('imageHeaderSize', () => {
  const rgb = (w: number, h: number) => sharp(Buffer.alloc(w * h * 3, 128), { raw: { width: w, height: h, channels: 3 } });

  it('reads PNG, JPEG, GIF and WebP (lossy, lossless, extended) sizes', async () => {
    const files: [string, Buffer][] = [
      ['png', await rgb(37, 21).png().toBuffer()],
      ['jpeg', await rgb(37, 21).jpeg().toBuffer()],
      ['progressive jpeg with EXIF', await rgb(37, 21).jpeg({ progressive: true }).withMetadata().toBuffer()],
      ['gif', await rgb(37, 21).gif().toBuffer()],
      ['webp', await rgb(37, 21).webp().toBuffer()],
      ['webp lossless', await rgb(37, 21).webp({ lossless: true }).toBuffer()],
      ['webp with alpha (VP8X)', await sharp(Buffer.alloc(37 * 21 * 4, 128), { raw: { width: 37, height: 21, channels: 4 } }).webp().toBuffer()],
    ];
    for (const [what, bytes] of files) expect(imageHeaderSize(new Uint8Array(bytes)), what).toEqual({ width: 37, height: 21 });
  });

  it('reads a BMP’s size, bottom-up or top-down', () => {
    const bmp = (w: number, h: number) => {
      const b = Buffer.alloc(54);
      b.write('BM', 0, 'latin1');
      b.writeUInt32LE(40, 14);
      b.writeInt32LE(w, 18);
      b.writeInt32LE(h, 22);
      return new Uint8Array(b);
    };
    expect(imageHeaderSize(bmp(37, 21))).toEqual({ width: 37, height: 21 });
    expect(imageHeaderSize(bmp(37, -21))).toEqual({ width: 37, height: 21 });
  });

  it('says nothing for what it cannot read: other formats, truncated headers, no image', () => {
    expect(imageHeaderSize(new TextEncoder().encode('not an image at all'))).toBeUndefined();
    expect(imageHeaderSize(new Uint8Array(blackPng(4, 4).subarray(0, 20)))).toBeUndefined();
    expect(imageHeaderSize(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00]))).toBeUndefined();
    expect(imageHeaderSize(new Uint8Array(0))).toBeUndefined();
  });
});
