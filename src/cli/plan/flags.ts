/**
 * Flags → options: parse every flag with the options table's rules, apply `--preset`,
 * check the combinations only the command has (checkpoints, init image), then the
 * library's own validation — the same function the library and the web app call.
 */
import { UsageError } from '../../errors.js';
import { lossTerms, termWeight } from '../../losses/index.js';
import { resolveOptions, type StylizeOptions } from '../../options/index.js';
import { applyPreset, type CliOptions, parseOptions, stylizeOptionsOf } from '../options.js';

export interface ParsedFlags {
  cli: CliOptions;
  /** Keys given on the command line. */
  given: Set<string>;
  /** The library's options, validated (backend still to be chosen). */
  options: StylizeOptions;
}

export function parseFlags(raw: Record<string, unknown>): ParsedFlags {
  const { options: cli, given } = parseOptions(raw);
  applyPreset(cli, given);

  if (cli.content === undefined) throw new UsageError('no content image: give one with -c/--content PATH');
  if (!cli.style || cli.style.length === 0) throw new UsageError('no style image: give one or more with -s/--style PATH[,PATH…]');
  if (cli.multiresFrom !== undefined && (cli.checkpoint !== undefined || cli.resume !== undefined)) {
    throw new UsageError('--multires-from (coarse-to-fine) cannot be combined with --checkpoint or --resume');
  }
  if (given.has('checkpointEvery') && cli.checkpoint === undefined && cli.resume === undefined) {
    throw new UsageError('--checkpoint-every needs --checkpoint FILE (where to save the checkpoints)');
  }
  if (cli.initImage !== undefined) {
    if (given.has('init') && cli.init !== 'image') throw new UsageError('--init-image needs --init image (or leave --init out)');
    cli.init = 'image';
  }
  const options = resolveOptions(stylizeOptionsOf(cli), cli.style.length);
  checkMaskFlags(cli, options);
  return { cli, given, options };
}

/** Mask counts and combinations, before any file is read (the masks' contents: inputs.ts). */
export function checkMaskFlags(cli: CliOptions, options: StylizeOptions): void {
  const styles = cli.style!.length;
  if (cli.styleMasks && !cli.contentMasks) throw new UsageError('--style-masks needs --content-masks (one mask per style saying where it applies)');
  for (const [flag, masks] of [['--content-masks', cli.contentMasks], ['--style-masks', cli.styleMasks]] as const) {
    if (masks && masks.length !== styles) {
      throw new UsageError(`${flag} has ${masks.length} mask(s) but there ${styles === 1 ? 'is 1 style image' : `are ${styles} style images`}: give one per style`);
    }
  }
  const run = { styles, masked: cli.contentMasks !== undefined };
  for (const t of lossTerms()) if (termWeight(t, options) !== 0) t.check?.(options, run);
}
