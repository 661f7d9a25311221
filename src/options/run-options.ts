/**
 * Options every front end that runs the library on named weights has — the command line,
 * the job service — but the library's `stylize` does not (it takes loaded weights): which
 * model, which preset, and how often to checkpoint. Records like the library's, so each
 * front end reads, checks and names them the same way.
 */
import { DEFAULT_MODEL } from '../models/registry.js';
import { PRESETS } from './presets.js';
import type { OptionSpec } from './types.js';

const run = { scope: 'run' } as const;

export function runOptionSpecs(): OptionSpec[] {
  return [
    {
      ...run,
      key: 'preset',
      kind: { type: 'choice', choices: Object.keys(PRESETS) },
      default: undefined,
      label: 'Preset',
      help: `Named settings; options given explicitly still win. ${Object.keys(PRESETS)
        .map((p) => `${p}: ${PRESETS[p]!.summary}`)
        .join('; ')}.`,
      group: 'Optimisation',
      valueName: '<name>',
    },
    {
      ...run,
      key: 'model',
      kind: { type: 'text', what: 'a model name' },
      default: DEFAULT_MODEL,
      label: 'Model',
      help: 'Network weights by name (see the models command); downloaded and cached on first use.',
      group: 'Network',
      valueName: '<name>',
    },
    {
      ...run,
      key: 'checkpointEvery',
      kind: { type: 'int', min: 1 },
      default: 100,
      label: 'Checkpoint every',
      help: 'Iterations between checkpoints.',
      group: 'Reliability',
      valueName: '<n>',
    },
  ];
}
