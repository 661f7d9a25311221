/**
 * The content and style images the browser tests and benches give the app: a smooth
 * gradient with a bright disc in the middle (content) and diagonal stripes (style), as PNG
 * files. Smooth and striped so that a stylised result is visibly neither.
 */
import { join } from 'node:path';
import sharp from 'sharp';

export interface StylizeImages {
  content: string;
  style: string;
}

/**
 * `width` × `height` images, `content.png` and `style.png` in `dir`.
 * The disc is the pixels within `discRadiusSquared` (squared distance) of the centre; by
 * default a quarter of the shorter side.
 */
export async function makeStylizeImages(dir: string, width: number, height = width, discRadiusSquared = (Math.min(width, height) / 4) ** 2): Promise<StylizeImages> {
  const c = Buffer.alloc(width * height * 3);
  const s = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 3 * (y * width + x);
      const inDisc = (x - width / 2) ** 2 + (y - height / 2) ** 2 < discRadiusSquared;
      c.set([Math.round((x * 255) / (width - 1)), Math.round((y * 255) / (height - 1)), inDisc ? 255 : 40], i);
      s.set(Math.floor((x + y) / 6) % 2 ? [230, 180, 30] : [20, 60, 200], i);
    }
  }
  const content = join(dir, 'content.png');
  const style = join(dir, 'style.png');
  await sharp(c, { raw: { width, height, channels: 3 } }).png().toFile(content);
  await sharp(s, { raw: { width, height, channels: 3 } }).png().toFile(style);
  return { content, style };
}
