/**
 * Image decoding and display in browsers (main thread or worker): createImageBitmap does
 * the decoding (PNG, JPEG, WebP, GIF, BMP, AVIF, whatever the browser knows, EXIF
 * orientation applied), a 2-D canvas gives the pixels, and convert.ts makes an RgbImage.
 */
import { InputError } from '../errors.js';
import { fromBytes, toRgbaBytes } from '../image/convert.js';
import type { RgbImage } from '../image/types.js';
import { HEADER_BYTES, imageHeaderSize } from './image-header.js';

export const SUPPORTED_IMAGE_TYPES = 'PNG, JPEG, WebP, GIF, BMP or AVIF';

/**
 * Largest image decoded, in pixels: the Node decoder's limit (DEFAULT_MAX_PIXELS, which this
 * file cannot import: it loads sharp). Far above it the browser's decoder fails without
 * saying why, and a 4-byte-per-pixel bitmap of it would not fit in a tab anyway.
 */
export const MAX_DECODE_PIXELS = 100_000_000;

export interface DecodeOptions {
  /** Shrink (keeping the aspect ratio) so the longer side is at most this many px. */
  maxSide?: number;
  /** For messages: the file name. */
  name?: string;
}

function canvas2d(width: number, height: number): OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D {
  if (typeof OffscreenCanvas !== 'undefined') {
    const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (ctx) return ctx;
  }
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new InputError('this browser gives no 2-D canvas, which decoding images needs');
  return ctx;
}

/** Decodes an image file into an RgbImage (alpha composited onto white, as the Node decoder does). */
export async function decodeImageBlob(blob: Blob, options: DecodeOptions = {}): Promise<RgbImage> {
  const name = options.name ?? (blob as Partial<File>).name ?? 'the image';
  const header = imageHeaderSize(new Uint8Array(await blob.slice(0, HEADER_BYTES).arrayBuffer()));
  if (header && header.width * header.height > MAX_DECODE_PIXELS) {
    const { width, height } = header;
    throw new InputError(
      `'${name}' is ${width}×${height} = ${fmt(width * height)} pixels, more than the limit of ${fmt(MAX_DECODE_PIXELS)} pixels; ` +
        'shrink the image first',
    );
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', premultiplyAlpha: 'none' });
  } catch (err) {
    throw new InputError(
      `'${name}' could not be decoded as an image (type ${blob.type || 'unknown'}, ${blob.size} bytes); ` +
        `use a ${SUPPORTED_IMAGE_TYPES} file`,
      { cause: err },
    );
  }
  try {
    let { width, height } = bitmap;
    if (width < 1 || height < 1) throw new InputError(`'${name}' is empty (${width}×${height})`);
    const max = options.maxSide;
    if (max && Math.max(width, height) > max) {
      const s = max / Math.max(width, height);
      width = Math.max(1, Math.round(width * s));
      height = Math.max(1, Math.round(height * s));
    }
    const ctx = canvas2d(width, height);
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, width, height);
    const pixels = ctx.getImageData(0, 0, width, height);
    return fromBytes(pixels.data, width, height, 4);
  } finally {
    bitmap.close();
  }
}


function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
