/** `--resume FILE`: the checkpoint must belong to this run (same fingerprint, stage and size). */
import { checkResume, type Fingerprint, type SavedRun } from '../../checkpoint/index.js';
import type { RgbImage } from '../../image/types.js';
import type { StylizeOptions } from '../../options/index.js';
import { loadCheckpoint } from '../checkpoint.js';

export async function loadResume(path: string, fp: Fingerprint, options: StylizeOptions, content: RgbImage): Promise<SavedRun> {
  const resume = await loadCheckpoint(path);
  checkResume(`--resume ${path}`, resume, fp, options, content);
  return resume;
}
