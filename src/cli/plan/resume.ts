/** `--resume FILE`: the checkpoint must belong to this run (same fingerprint and size). */
import { UsageError } from '../../errors.js';
import { fitMaxSide } from '../../image/resize.js';
import type { RgbImage } from '../../image/types.js';
import { checkResumable, type Fingerprint, loadCheckpoint, type SavedRun } from '../checkpoint.js';

export interface ResumeStages {
  imageSize: number;
  numIterations: number;
  multires?: number[];
  multiresIterations?: number[];
}

/** A coarse-to-fine checkpoint is checked against its own stage's size and iteration count. */
export async function loadResume(path: string, fp: Fingerprint, run: ResumeStages, content: RgbImage): Promise<SavedRun> {
  const resume = await loadCheckpoint(path);
  const stages = run.multires ?? [];
  const stage = resume.checkpoint.stage ?? stages.length;
  if (stage > stages.length) throw new UsageError(`--resume ${path}: the checkpoint is from stage ${stage + 1} of a run with more --multires sizes`);
  const imageSize = stage < stages.length ? stages[stage]! : run.imageSize;
  const numIterations = stage < stages.length ? (run.multiresIterations?.[stage] ?? run.numIterations) : run.numIterations;
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
