/**
 * Whether a saved run can be continued by this one: the same fingerprint, a stage this
 * run has, an iteration it has not passed, the same image size. `where` names the
 * checkpoint in messages (the command's file, the job service's job).
 */
import { msg, opt, UsageError } from '../errors.js';
import { fitMaxSide } from '../image/resize.js';
import type { StylizeOptions } from '../options/stylize-options.js';
import { stagesOf } from '../stylize/coarse-to-fine.js';
import { fingerprintDifference, type Fingerprint } from './fingerprint.js';
import type { SavedRun } from './format.js';

export function checkResume(where: string, saved: SavedRun, current: Fingerprint, options: StylizeOptions, content: { width: number; height: number }): void {
  const diff = fingerprintDifference(saved.fingerprint, current);
  if (diff) throw new UsageError([`${where}: the checkpoint is from another run: `, ...diff, '; resume with the same inputs and settings']);
  const { sizes, counts } = stagesOf(options);
  const stage = saved.checkpoint.stage ?? sizes.length - 1;
  if (stage >= sizes.length) {
    throw new UsageError([`${where}: the checkpoint is from stage ${stage + 1} of a run with more coarse-to-fine sizes; resume with the same `, ...msg`${opt('multires')}`]);
  }
  if (saved.checkpoint.iteration > counts[stage]!) {
    throw new UsageError([`${where}: the checkpoint is at iteration ${saved.checkpoint.iteration}, past `, ...msg`${opt('numIterations')} ${counts[stage]!}`]);
  }
  const c = fitMaxSide(content.width, content.height, sizes[stage]!);
  if (saved.checkpoint.width !== c.width || saved.checkpoint.height !== c.height) {
    throw new UsageError(`${where}: the checkpoint is for a ${saved.checkpoint.width}×${saved.checkpoint.height} image, this run makes ${c.width}×${c.height}`);
  }
}
