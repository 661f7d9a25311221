/**
 * Writing an RgbImage with sharp (Node only): PNG, JPEG, WebP or TIFF chosen by the extension
 * (PNG and TIFF also with 16 bits a channel, for prints),
 * written atomically (a temporary file in the same directory, renamed over the target),
 * so a crash or an encoder error never leaves a half-written or clobbered output.
 */
import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import sharp from 'sharp';
import { NeuralStyleError, UsageError } from '../errors.js';
import { toRgb16, toRgbBytes } from './convert.js';
import type { RgbImage } from './types.js';

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'tiff';

const EXTENSIONS: Record<string, ImageFormat> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.webp': 'webp',
  '.tif': 'tiff',
  '.tiff': 'tiff',
};

/** Formats that hold 16 bits a channel. */
export const DEEP_FORMATS: readonly ImageFormat[] = ['png', 'tiff'];
const ALLOWED_TEXT = Object.keys(EXTENSIONS).join(', ');

export interface EncodeOptions {
  /** JPEG/WebP quality 1–100. Default 95. PNG and TIFF ignore it (always lossless). */
  quality?: number;
  /** Bits per channel: 8 (default) or 16 (PNG and TIFF only). */
  depth?: 8 | 16;
}

/** The format an output path asks for; UsageError for any other extension. */
export function formatForPath(path: string): ImageFormat {
  const ext = extname(path).toLowerCase();
  const format = EXTENSIONS[ext];
  if (format === undefined) {
    throw new UsageError(
      `${path}: cannot tell the output format from ${ext ? `the extension "${ext}"` : 'a name without extension'}; ` +
        `allowed extensions: ${ALLOWED_TEXT}`,
    );
  }
  return format;
}

/** Encode to PNG/JPEG/WebP bytes (8-bit sRGB; values clamped to [0, 1] and rounded). */
export async function encodeImage(img: RgbImage, format: ImageFormat, options: EncodeOptions = {}): Promise<Buffer> {
  const quality = options.quality ?? 95;
  if (!(Number.isInteger(quality) && quality >= 1 && quality <= 100)) {
    throw new UsageError(`image quality must be a whole number from 1 to 100, got ${quality}`);
  }
  const depth = options.depth ?? 8;
  if (depth !== 8 && depth !== 16) throw new UsageError(`image depth must be 8 or 16 bits, got ${String(depth)}`);
  if (depth === 16 && !DEEP_FORMATS.includes(format)) {
    throw new UsageError(`${format.toUpperCase()} has 8 bits a channel; write 16 bits as .png or .tif`);
  }
  const size = { width: img.width, height: img.height, channels: 3 as const };
  const s =
    depth === 16
      ? // A Uint16Array is read as 16-bit samples.
        sharp(toRgb16(img), { raw: size, limitInputPixels: false }).toColourspace('rgb16')
      : sharp(toRgbBytes(img), { raw: size, limitInputPixels: false });
  switch (format) {
    case 'png':
      return s.png({ compressionLevel: 6 }).toBuffer();
    case 'tiff':
      // Deflate: lossless, and sharp's default (JPEG) would drop to 8 bits.
      return s.tiff({ compression: 'deflate' }).toBuffer();
    case 'jpeg':
      // 4:4:4: stylised images have fine colour detail that 4:2:0 subsampling smears.
      return s.jpeg({ quality, chromaSubsampling: '4:4:4' }).toBuffer();
    case 'webp':
      return s.webp({ quality }).toBuffer();
    default:
      throw new UsageError(`unknown image format ${JSON.stringify(format)}; allowed: png, jpeg, webp, tiff`);
  }
}

/**
 * Encode `img` in the format its extension names and write it to `path` atomically.
 * Encoding happens before anything touches the disk; an existing file at `path` is only
 * replaced by a complete new one.
 */
export async function writeImage(path: string, img: RgbImage, options: EncodeOptions = {}): Promise<void> {
  const format = formatForPath(path);
  let bytes: Buffer;
  try {
    bytes = await encodeImage(img, format, options);
  } catch (e) {
    if (e instanceof NeuralStyleError || e instanceof RangeError) throw e;
    throw new NeuralStyleError(`${path}: could not encode the ${img.width}×${img.height} image as ${format.toUpperCase()} (${reason(e)})`, {
      cause: e,
    });
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, bytes, { flag: 'wx' });
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw writeError(path, e);
  }
}

function writeError(path: string, e: unknown): NeuralStyleError {
  const code = (e as NodeJS.ErrnoException).code;
  const dir = dirname(path);
  switch (code) {
    case 'ENOENT':
      return new UsageError(`${path}: cannot write there, the directory ${dir} does not exist`, { cause: e });
    case 'ENOTDIR':
      return new UsageError(`${path}: cannot write there, a part of the path is not a directory`, { cause: e });
    case 'EISDIR':
      return new UsageError(`${path}: is a directory; give a file name ending in ${ALLOWED_TEXT}`, { cause: e });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new UsageError(`${path}: no permission to write in ${dir}`, { cause: e });
    case 'ENOSPC':
      return new NeuralStyleError(`${path}: the disk is full`, { cause: e });
    default:
      return new NeuralStyleError(`${path}: could not write the image (${code ?? reason(e)})`, { cause: e });
  }
}

function reason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.trim().replace(/[.:]$/, '') || 'unknown error';
}
