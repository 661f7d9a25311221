/**
 * Colour control (Gatys et al. 2017, §5) is not a loss: it changes the images before the
 * run and the result after it. Each control is a record; index.ts lists them.
 */
import type { RgbImage } from '../types.js';

export interface ColourControl {
  name: string;
  /** The content and style images as the run should see them (before any resizing). */
  prepare(content: RgbImage, styles: readonly RgbImage[]): { content: RgbImage; styles: RgbImage[] };
  /** An init image as the run should see it (the content is prepared by `prepare`). */
  prepareInit(image: RgbImage): RgbImage;
  /** The result as the user gets it; `content` is the original content at the result's size. */
  finish(result: RgbImage, content: RgbImage): RgbImage;
}
