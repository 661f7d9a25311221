/** Test images made on the fly with sharp, so no binary fixtures are checked in. */
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** Interleaved RGB bytes of a w×h horizontal/vertical gradient. */
export function gradientBytes(w: number, h: number): Buffer {
  const b = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 3 * (y * w + x);
      b[i] = Math.round((255 * x) / Math.max(1, w - 1));
      b[i + 1] = Math.round((255 * y) / Math.max(1, h - 1));
      b[i + 2] = 128;
    }
  }
  return b;
}

export function noiseBytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) b[i] = (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24;
  return b;
}

export function raw(bytes: Buffer, width: number, height: number, channels: 1 | 2 | 3 | 4 = 3) {
  return sharp(bytes, { raw: { width, height, channels } });
}

/** An animated image (GIF or WebP) of `frames` different frames. */
export async function animated(format: 'gif' | 'webp', frames = 3, w = 8, h = 6): Promise<Buffer> {
  const pages = Buffer.alloc(w * h * frames * 4);
  for (let f = 0; f < frames; f++) {
    for (let p = 0; p < w * h; p++) pages.set([(f * 90) % 256, 255 - f * 60, (p * 5) % 256, 255], 4 * (f * w * h + p));
  }
  const s = sharp(pages, { raw: { width: w, height: h * frames, channels: 4, pageHeight: h } });
  return format === 'gif' ? s.gif().toBuffer() : s.webp({ lossless: true }).toBuffer();
}

/** A valid-looking PNG header claiming width × height, with a tiny, wrong IDAT: a decompression bomb's signature. */
export function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
