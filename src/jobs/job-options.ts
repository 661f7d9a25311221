/**
 * The options a queued job takes: the stylize command's own records, minus those that
 * name files or this machine (paths, the backend, progress printing: a worker decides
 * those), plus two that only a job has. The submit command's flags, the HTTP API's
 * `options` JSON and validation all read this one list.
 */
import { cliOptionSpecs } from '../cli/options.js';
import type { OptionSpec } from '../options/index.js';

const job = { scope: 'cli' } as const;

/** Options only a queued job has. */
export const JOB_ONLY_OPTIONS: OptionSpec[] = [
  {
    ...job,
    key: 'previewEvery',
    kind: { type: 'int', min: 0 },
    default: 0,
    label: 'Preview every',
    help: 'Send a small preview image with the progress every n iterations; 0 sends none.',
    group: 'Progress',
    valueName: '<n>',
  },
  {
    ...job,
    key: 'format',
    kind: { type: 'choice', choices: ['png', 'jpeg', 'webp'] },
    default: 'png',
    label: 'Result format',
    help: 'Format of the result image.',
    group: 'Input and output',
    valueName: '<name>',
  },
];

/** The command's options a job keeps: where the weights come from, presets, checkpoints. */
const FROM_COMMAND = new Set(['model', 'preset', 'checkpointEvery']);

/**
 * Never taken from a submitter: files on the submitter's or the worker's disk (a client
 * path is never trusted), and the worker's own choices.
 */
export const REFUSED_OPTIONS = new Set(['content', 'style', 'initImage', 'output', 'modelFile', 'cacheDir', 'checkpoint', 'resume', 'plot', 'backend', 'printIter', 'saveIter', 'json', 'quiet']);

/** Every option a job accepts, in the stylize command's order, then the job's own. */
export function jobOptionSpecs(): OptionSpec[] {
  const fromCli = cliOptionSpecs().filter((s) => !REFUSED_OPTIONS.has(s.key) && (s.scope === 'stylize' || FROM_COMMAND.has(s.key)));
  return [...fromCli, ...JOB_ONLY_OPTIONS];
}
