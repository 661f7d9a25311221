/**
 * Reading an image file into an RgbImage with sharp (Node only).
 *
 * Whatever the file holds, the result is 8-bit sRGB RGB in [0, 1], oriented as its EXIF
 * tag says, with any transparency composited onto white. Anything that is not a readable
 * still image gives an InputError naming the file, what is wrong, and what is allowed.
 */
import { readFile, stat } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import { InputError } from '../errors.js';
import type { RgbImage } from './types.js';

/** Default largest accepted image, in pixels (width × height): 100 megapixels. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/** Formats we decode; others sharp may know (SVG, PDF, raw camera files…) are refused. */
const ALLOWED_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif'] as const;
const ALLOWED_TEXT = 'PNG, JPEG, WebP, GIF, TIFF, AVIF or HEIF';

export interface ReadImageOptions {
  /** Refuse images with more pixels than this (decompression bombs). Default 100 MP. */
  maxPixels?: number;
  /** What maxPixels is, for the refusal ("this server's limit … for a style image"); default a decompression-bomb guard. */
  maxPixelsMeans?: string;
}

export async function readImage(path: string, options: ReadImageOptions = {}): Promise<RgbImage> {
  return decodeImage(await readImageBytes(path), path, options);
}

/**
 * Decode image bytes that did not come from a file (an upload, a queued job's input) with
 * the same rules and messages as `readImage`; `path` names the image in those messages.
 */
export async function decodeImage(bytes: Buffer, path: string, options: ReadImageOptions = {}): Promise<RgbImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (bytes.length === 0) throw new InputError(`${path}: the file is empty (0 bytes), expected an image`);

  // The header first: refuse what we will not decode before decoding anything.
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false, failOn: 'error' }).metadata();
  } catch (e) {
    const sniffed = sniffFormat(bytes);
    throw new InputError(
      sniffed
        ? `${path}: the ${sniffed} image is damaged or truncated (${reason(e)})`
        : `${path}: not a readable image (${reason(e)}); allowed formats: ${ALLOWED_TEXT}`,
      { cause: e },
    );
  }
  if (!(ALLOWED_FORMATS as readonly string[]).includes(meta.format)) {
    throw new InputError(`${path}: ${meta.format.toUpperCase()} images are not supported; allowed formats: ${ALLOWED_TEXT}`);
  }
  const pages = meta.pages ?? 1;
  if (pages > 1) {
    throw new InputError(
      `${path}: has ${pages} ${meta.format === 'tiff' ? 'pages' : 'frames'} (animated or multi-page); ` +
        'only still, single-frame images are supported — export one frame as PNG or JPEG',
    );
  }
  const { width, height } = meta;
  if (!(width > 0 && height > 0)) {
    throw new InputError(`${path}: the image header gives no size (${width}×${height})`);
  }
  if (width * height > maxPixels) {
    throw new InputError(
      `${path}: ${width}×${height} = ${fmt(width * height)} pixels is more than ` +
        (options.maxPixelsMeans ?? `the limit of ${fmt(maxPixels)} pixels (a guard against decompression bombs)`) +
        '; shrink the image first',
    );
  }

  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' })
      .autoOrient()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      throw new Error(`decoder gave ${info.channels} channels, expected 3`);
    }
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = data[i]! / 255;
    return { width: info.width, height: info.height, data: out };
  } catch (e) {
    throw new InputError(`${path}: the ${meta.format.toUpperCase()} image is damaged or truncated (${reason(e)})`, { cause: e });
  }
}

/** An image file's bytes, with readImage's messages for a missing, empty or unreadable file. */
export async function readImageBytes(path: string): Promise<Buffer> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new InputError(`${path}: is a directory, expected an image file`);
    if (!st.isFile()) throw new InputError(`${path}: is not a regular file, expected an image file`);
    if (st.size === 0) throw new InputError(`${path}: the file is empty (0 bytes), expected an image`);
    return await readFile(path);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'ENOTDIR'
            ? 'a part of the path is not a directory'
            : `cannot read it (${code ?? reason(e)})`;
    throw new InputError(`${path}: ${why}`, { cause: e });
  }
}

/** The format the first bytes announce, for messages about files the decoder rejects. */
function sniffFormat(b: Buffer): string | null {
  const starts = (...sig: number[]) => sig.every((v, i) => b[i] === v);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'PNG';
  if (starts(0xff, 0xd8, 0xff)) return 'JPEG';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'GIF';
  if (starts(0x52, 0x49, 0x46, 0x46) && b.subarray(8, 12).toString('latin1') === 'WEBP') return 'WebP';
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return 'TIFF';
  if (b.subarray(4, 8).toString('latin1') === 'ftyp') return 'AVIF/HEIF';
  return null;
}

/** sharp's message, first line only, without libvips' trailing noise. */
function reason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.trim().replace(/[.:]$/, '') || 'unknown error';
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
