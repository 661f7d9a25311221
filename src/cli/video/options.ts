/**
 * The video command's options: the image command's (library options, model, backend,
 * masks, progress, plot), the temporal loss's and the pipeline's (src/video/options.ts,
 * with the video defaults), and its own paths. The image command's options that do not
 * fit a clip are in NOT_FOR_VIDEO, each with the reason the command gives when one is used.
 */
import { Option } from 'commander';
import { UsageError } from '../../errors.js';
import { parseOptionValues, stylizeOptionSpecs, type OptionSpec } from '../../options/index.js';
import { VIDEO_DEFAULTS, VIDEO_OPTIONS } from '../../video/options.js';
import { cliOptionSpec, flagOf, flagsText } from '../options.js';

const own = (s: Omit<OptionSpec, 'scope'>): OptionSpec => ({ ...s, scope: 'cli' });

const VIDEO_COMMAND_OPTIONS: OptionSpec[] = [
  own({ key: 'content', kind: { type: 'text', what: 'a video path' }, default: undefined, label: 'Clip', help: 'The clip to stylise (anything ffmpeg reads).', group: 'Input and output', valueName: '<clip>' }),
  own({ key: 'output', kind: { type: 'text', what: 'a video path' }, default: undefined, label: 'Output clip', help: 'The stylised clip; the extension picks the container (.mp4: H.264). Audio is copied from the input clip.', group: 'Input and output', valueName: '<clip>' }),
  own({ key: 'framesIn', kind: { type: 'text', what: 'a directory' }, default: undefined, label: 'Frames in', help: 'Read the frames from this directory of PNGs (sorted by name) instead of a clip; needs no ffmpeg.', group: 'Input and output', valueName: '<dir>' }),
  own({ key: 'framesOut', kind: { type: 'text', what: 'a directory' }, default: undefined, label: 'Frames out', help: 'Write each stylised frame here as 000001.png, … (kept; what --resume continues from). Default: a directory beside --output, removed once the clip is written.', group: 'Input and output', valueName: '<dir>' }),
  own({ key: 'frameRate', kind: { type: 'number', min: 0, exclusiveMin: true }, default: 25, label: 'Frame rate', help: 'Frames per second of the output clip when the frames come from --frames-in (a clip keeps its own).', group: 'Input and output', valueName: '<fps>' }),
  own({ key: 'resume', kind: { type: 'boolean' }, default: false, label: 'Resume', help: 'Continue an interrupted run at its first unfinished frame (same inputs and settings).', group: 'Reliability' }),
];

const FROM_IMAGE_COMMAND = ['style', 'contentMasks', 'styleMasks', 'model', 'modelFile', 'cacheDir', 'backend', 'preset', 'printIter', 'json', 'quiet', 'plot'];

/**
 * The image command's options that a clip has no use for, and why. They are not offered
 * (not in --help or docs/options.md), yet the command knows them, so a user who tries one
 * hears why rather than "unknown option".
 */
export const NOT_FOR_VIDEO: Readonly<Record<string, string>> = {
  initImage: 'each frame after the first starts from the previous result warped by optical flow, and the first from --init',
  outputDepth: 'the frames are 8-bit: each is what the next frame is warped from and what --resume reads back, and the clip encoders take 8 bits',
  saveIter: 'each frame is written as it finishes (keep them with --frames-out)',
  checkpoint: 'each frame is written as it finishes; continue an interrupted run with --resume',
  checkpointEvery: 'each frame is written as it finishes; continue an interrupted run with --resume',
  ...Object.fromEntries(
    ['multires', 'multiresIterations', 'multiresFrom', 'multiresFirstIterations', 'multiresWarmStart'].map((k) => [k, 'each frame starts from the last one, at one size (coarse-to-fine has nothing to refine from)']),
  ),
};

/** NOT_FOR_VIDEO's flags as hidden commander options, so that parsing reaches refuseNotForVideo. */
export function notForVideoOptions(): Option[] {
  return Object.keys(NOT_FOR_VIDEO).map((key) => new Option(flagsText(cliOptionSpec(key)!)).hideHelp());
}

export function refuseNotForVideo(raw: Record<string, unknown>): void {
  for (const [key, why] of Object.entries(NOT_FOR_VIDEO)) {
    if (raw[key] !== undefined) throw new UsageError(`${flagOf(key)} is not available for video: ${why}`);
  }
}

export function videoOptionSpecs(): OptionSpec[] {
  const library = stylizeOptionSpecs().map((s) => (s.key in VIDEO_DEFAULTS ? { ...s, default: VIDEO_DEFAULTS[s.key] } : s));
  const taken = new Set(FROM_IMAGE_COMMAND);
  return [
    ...VIDEO_COMMAND_OPTIONS,
    ...FROM_IMAGE_COMMAND.map((k) => cliOptionSpec(k)!),
    ...library.filter((s) => !taken.has(s.key) && !(s.key in NOT_FOR_VIDEO)),
    ...VIDEO_OPTIONS,
  ];
}

/** Raw commander values → typed values with the records' rules; `given` = keys on the command line. */
export function parseVideoOptions(raw: Record<string, unknown>): { values: Record<string, unknown>; given: Set<string> } {
  refuseNotForVideo(raw);
  return parseOptionValues(videoOptionSpecs(), raw);
}
