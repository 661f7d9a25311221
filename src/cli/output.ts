/**
 * Writing a run's image at its end: the one write that, failing (a full disk, the folder
 * removed during the run), would throw away all of the run's work. When it fails the image
 * goes to the temp directory instead, and the message names it and says how a checkpoint
 * lets a rerun write the result without computing it again.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { NeuralStyleError } from '../errors.js';
import { type EncodeOptions, writeImage } from '../image/encode-node.js';
import type { RgbImage } from '../image/types.js';

export async function writeRunImage(path: string, img: RgbImage, options: EncodeOptions, checkpoint: string | undefined): Promise<void> {
  try {
    await writeImage(path, img, options);
    return;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const ext = extname(path);
    const kept = join(tmpdir(), `neural-style-${basename(path, ext)}-${randomBytes(4).toString('hex')}${ext}`);
    const rerun = checkpoint
      ? `the run is in ${checkpoint}: rerun with --resume ${checkpoint} to write it again without recomputing`
      : 'with --checkpoint FILE a rerun can --resume FILE and write its result without computing it again';
    try {
      await writeImage(kept, img, options);
    } catch (again) {
      throw new NeuralStyleError(`${why}; the temp directory failed too (${again instanceof Error ? again.message : String(again)}), so the image is lost; ${rerun}`, { cause: err });
    }
    // A runtime failure (exit 1), whatever the cause: the command line was fine when the run began.
    throw new NeuralStyleError(`${why}; the image is kept in ${kept}; ${rerun}`, { cause: err });
  }
}
