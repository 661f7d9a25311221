/**
 * An image's size from the first bytes of its file, without decoding it: PNG, JPEG, GIF,
 * WebP and BMP. The browser decoder uses it to refuse an image with too many pixels by
 * name and number, where createImageBitmap would only say it "could not be decoded".
 * Anything it cannot read (another format, a header cut short) gives undefined, and the
 * decoder decides as before. Browser-safe: no Node imports.
 */

export interface HeaderSize {
  width: number;
  height: number;
}

/** How many leading bytes to read: JPEG's size comes after its EXIF and ICC segments. */
export const HEADER_BYTES = 256 * 1024;

export function imageHeaderSize(b: Uint8Array): HeaderSize | undefined {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const has = (n: number) => b.length >= n;
  const ascii = (at: number, text: string) => has(at + text.length) && [...text].every((ch, i) => b[at + i] === ch.charCodeAt(0));
  const size = (width: number, height: number) => (width > 0 && height > 0 ? { width, height } : undefined);

  if (ascii(0, '\x89PNG\r\n\x1a\n')) return has(24) && ascii(12, 'IHDR') ? size(view.getUint32(16), view.getUint32(20)) : undefined;
  if (ascii(0, 'GIF8')) return has(10) ? size(view.getUint16(6, true), view.getUint16(8, true)) : undefined;
  if (ascii(0, 'BM')) return has(26) ? size(view.getInt32(18, true), Math.abs(view.getInt32(22, true))) : undefined;
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return webpSize(b, view, has, ascii, size);
  if (b[0] === 0xff && b[1] === 0xd8) return jpegSize(b, view, size);
  return undefined;
}

function webpSize(
  b: Uint8Array,
  view: DataView,
  has: (n: number) => boolean,
  ascii: (at: number, text: string) => boolean,
  size: (w: number, h: number) => HeaderSize | undefined,
): HeaderSize | undefined {
  const u24 = (at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
  // Lossy: 14-bit sizes after the key frame's start code.
  if (ascii(12, 'VP8 ')) return has(30) ? size(view.getUint16(26, true) & 0x3fff, view.getUint16(28, true) & 0x3fff) : undefined;
  // Lossless: 14-bit sizes minus one, packed after the signature byte.
  if (ascii(12, 'VP8L')) {
    if (!has(25)) return undefined;
    const bits = view.getUint32(21, true);
    return size((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  // Extended (alpha, animation, metadata): 24-bit canvas sizes minus one.
  if (ascii(12, 'VP8X')) return has(30) ? size(u24(24) + 1, u24(27) + 1) : undefined;
  return undefined;
}

function jpegSize(b: Uint8Array, view: DataView, size: (w: number, h: number) => HeaderSize | undefined): HeaderSize | undefined {
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) return undefined;
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    // Markers without a length: TEM, RST0–7, SOI.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end, or scan data before any frame header
    // Frame headers SOF0–15, except DHT (C4), JPG (C8) and DAC (CC): precision, height, width.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return at + 9 <= b.length ? size(view.getUint16(at + 7), view.getUint16(at + 5)) : undefined;
    }
    at += 2 + view.getUint16(at + 2);
  }
  return undefined;
}
