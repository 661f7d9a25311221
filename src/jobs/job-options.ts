/**
 * The options a queued job takes: the library's (src/options) and the run's (model,
 * preset, checkpoint interval), minus the backend (a worker chooses it), plus two that
 * only a job has. Files on the submitter's disk are never options: images travel with the
 * job. The submit command's flags, the HTTP API's `options` JSON and validation all read
 * this one list.
 */
import { byGroup, runOptionSpecs, stylizeOptionSpecs, type OptionSpec } from '../options/index.js';

const job = { scope: 'run' } as const;

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

/**
 * Never taken from a submitter: files on the submitter's or the worker's disk (a client
 * path is never trusted), and the worker's own choices. Named so a client that sends one
 * hears why it is refused.
 */
export const REFUSED_OPTIONS = new Set(['content', 'style', 'initImage', 'output', 'modelFile', 'cacheDir', 'checkpoint', 'resume', 'plot', 'backend', 'printIter', 'saveIter', 'json', 'quiet']);

/** Every option a job accepts, group by group as the stylize command lists them, then the job's own. */
export function jobOptionSpecs(): OptionSpec[] {
  const library = stylizeOptionSpecs().filter((s) => s.scope === 'stylize' && !REFUSED_OPTIONS.has(s.key));
  return [...byGroup([...library, ...runOptionSpecs()]), ...JOB_ONLY_OPTIONS];
}
