/**
 * What the browser benches (web.ts, web-profile.ts, web-revisit.ts) do to the app alike:
 * make a content and a style image, and fill the form for an Adam run of them.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { makeStylizeImages, type StylizeImages } from '../test/web/stylize-images.js';

export type BenchImages = StylizeImages;

/** A content image (gradients and a disc) and a style image (stripes), size × size, in a folder of `dir` for that size. */
export async function makeImages(dir: string, size: number): Promise<BenchImages> {
  const folder = join(dir, String(size));
  await mkdir(folder, { recursive: true });
  return makeStylizeImages(folder, size);
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
