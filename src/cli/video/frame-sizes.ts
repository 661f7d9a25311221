/**
 * A PNG directory's frames must all have the first one's size: the flow and the warps
 * pair pixels of one frame with the next, and a frame of another size would be stretched
 * to fit. Only the headers are read, so a long sequence is checked in moments, before
 * any weights load; a clip decoded by ffmpeg has one size and needs no check.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { InputError, UsageError } from '../../errors.js';

/** Width × height as the decoder gives them (EXIF orientations 5–8 swap the sides). */
async function frameSize(path: string): Promise<[number, number]> {
  const meta = await sharp(path, { limitInputPixels: false }).metadata();
  return (meta.orientation ?? 1) >= 5 ? [meta.height, meta.width] : [meta.width, meta.height];
}

export async function checkFrameSizes(dir: string, names: readonly string[]): Promise<void> {
  let first: [number, number] | undefined;
  for (let i = 0; i < names.length; i++) {
    let size: [number, number];
    try {
      size = await frameSize(join(dir, names[i]!));
    } catch (e) {
      throw new InputError(`frame ${i + 1} (${names[i]}): not a readable image (${(e as Error).message})`, { cause: e });
    }
    if (!first) first = size;
    else if (size[0] !== first[0] || size[1] !== first[1]) {
      throw new UsageError(
        `--frames-in ${dir}: frame ${i + 1} (${names[i]}) is ${size[0]}×${size[1]} but frame 1 (${names[0]}) is ${first[0]}×${first[1]}: every frame must have the same size`,
      );
    }
  }
}
