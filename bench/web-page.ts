/**
 * What the browser benches (web.ts, web-profile.ts, web-revisit.ts) do to the app alike:
 * make a content and a style image, and fill the form for an Adam run of them.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';

export interface BenchImages {
  content: string;
  style: string;
}

/** A content image (gradients and a disc) and a style image (stripes), size × size, in `dir`. */
export async function makeImages(dir: string, size: number): Promise<BenchImages> {
  const c = Buffer.alloc(size * size * 3);
  const s = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = 3 * (y * size + x);
      c[i] = Math.round((x * 255) / (size - 1));
      c[i + 1] = Math.round((y * 255) / (size - 1));
      c[i + 2] = (x - size / 2) ** 2 + (y - size / 2) ** 2 < (size / 4) ** 2 ? 255 : 40;
      const stripe = Math.floor((x + y) / 6) % 2;
      s.set(stripe ? [230, 180, 30] : [20, 60, 200], i);
    }
  }
  const content = join(dir, `content-${size}.png`);
  const style = join(dir, `style-${size}.png`);
  await sharp(c, { raw: { width: size, height: size, channels: 3 } }).png().toFile(content);
  await sharp(s, { raw: { width: size, height: size, channels: 3 } }).png().toFile(style);
  return { content, style };
}

/** The app's form set for `iterations` Adam steps on `images` at `size`, on `backend`; Start is the caller's. */
export async function fillAdamRun(page: Page, images: BenchImages, size: number, iterations: number, backend = 'wasm'): Promise<void> {
  await page.setInputFiles('#content-file', images.content);
  await page.setInputFiles('#style-files', images.style);
  await page.waitForSelector('#style-list li');
  await page.fill('#image-size', String(size));
  await page.selectOption('#optimizer', 'adam');
  await page.fill('#num-iterations', String(iterations));
  await page.selectOption('#backend-choice', backend);
}
