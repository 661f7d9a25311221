/** `--resume FILE`: the checkpoint must belong to this run (same fingerprint and size). */
import { UsageError } from '../../errors.js';
import { fitMaxSide } from '../../image/resize.js';
import type { RgbImage } from '../../image/types.js';
import { checkResumable, type Fingerprint, loadCheckpoint, type SavedRun } from '../checkpoint.js';

export async function loadResume(path: string, fp: Fingerprint, numIterations: number, content: RgbImage, imageSize: number): Promise<SavedRun> {
  const resume = await loadCheckpoint(path);
  checkResumable(path, resume, fp, numIterations);
  const c = fitMaxSide(content.width, content.height, imageSize);
  if (resume.checkpoint.width !== c.width || resume.checkpoint.height !== c.height) {
    throw new UsageError(
      `--resume ${path}: the checkpoint is for a ${resume.checkpoint.width}×${resume.checkpoint.height} image, ` +
        `this run makes ${c.width}×${c.height}`,
    );
  }
  return resume;
}
