/**
 * Everything the stylize command checks before the long work starts, one part per step:
 *
 *   flags.ts    flags → options (the table's rules, --preset, combinations, the library's validation)
 *   the model name and its layer table
 *   paths.ts    every output against every input (--save-iter images included)
 *   inputs.ts   input files exist; every image decoded
 *   the backend (src/backends: probed when auto), and its memory budget
 *   preflight   layers, sizes, memory, masked regions: the core's checks (src/stylize/preflight.ts)
 *   resume.ts   the checkpoint belongs to this run
 *
 * A problem found here costs the user seconds, not the hour a run can take. Usage
 * mistakes exit 2; unreadable or damaged inputs are InputErrors (exit 1).
 */
import { chooseBackend, type BackendChoice } from '../../backends/index.js';
import { OutOfMemoryError, renderParts } from '../../errors.js';
import type { RgbImage } from '../../image/types.js';
import type { Mask } from '../../masks/index.js';
import { layerTableFor } from '../../models/layers.js';
import { getModelEntry, type ModelEntry } from '../../models/registry.js';
import type { StylizeOptions } from '../../options/index.js';
import type { OrtModule } from '../../runtime/ort.js';
import { preflight } from '../../stylize/preflight.js';
import { fingerprint, type Fingerprint, type SavedRun } from '../../checkpoint/index.js';
import { flagOf, type CliOptions } from '../options.js';
import { parseFlags } from './flags.js';
import { readInputs } from './inputs.js';
import { checkPaths, resolvePaths, type RunPaths } from './paths.js';
import { loadResume } from './resume.js';

export interface RunPlan {
  cli: CliOptions;
  /** The algorithm's options, naming the backend chosen. */
  options: StylizeOptions;
  backend: BackendChoice;
  entry: ModelEntry;
  /** Absolute paths. */
  paths: RunPaths;
  content: RgbImage;
  styles: RgbImage[];
  initImage?: RgbImage;
  contentMasks?: Mask[];
  styleMasks?: Mask[];
  fingerprint: Fingerprint;
  resume?: SavedRun;
  /** The backend's memory budget when the run was planned (undefined with the memory check off): what `--tile auto` sizes tiles by. */
  availableBytes?: number;
  /** Things worth saying before the run that do not stop it (a region gone at some style layers). */
  notes: string[];
}

/** Environment variable that skips the memory check (for when the estimate is wrong). */
export const NO_MEMORY_CHECK_ENV = 'NEURAL_STYLE_NO_MEMORY_CHECK';

export async function planRun(raw: Record<string, unknown>): Promise<RunPlan> {
  const { cli, options } = parseFlags(raw);
  const entry = getModelEntry(cli.model);
  const table = layerTableFor(entry.architecture);
  const paths = resolvePaths(cli);
  await checkPaths(cli, paths);
  const inputs = await readInputs(paths);
  const ort = (await import('onnxruntime-node')) as unknown as OrtModule;
  const backend = await chooseBackend(ort, options.backend);
  options.backend = backend.profile.name;
  const availableBytes = process.env[NO_MEMORY_CHECK_ENV] ? undefined : backend.profile.memoryBudget?.(backend.probe);
  const notes = withMemoryHint(() => preflight({
    table,
    options,
    content: inputs.content,
    styles: inputs.styles,
    initImage: inputs.initImage,
    checkpoint: paths.checkpoint !== undefined,
    availableBytes,
    contentMasks: inputs.contentMasks,
  })).map((n) => renderParts(n, flagOf));
  const fp = await fingerprint({
    options,
    content: inputs.content,
    styles: inputs.styles,
    model: entry.name,
    modelFile: inputs.modelFileIdentity,
    masks: [...(inputs.contentMasks ?? []), ...(inputs.styleMasks ?? [])],
  });
  const resume = paths.resume ? await loadResume(paths.resume, fp, options, inputs.content) : undefined;
  return {
    cli,
    options,
    backend,
    entry,
    paths,
    content: inputs.content,
    styles: inputs.styles,
    initImage: inputs.initImage,
    contentMasks: inputs.contentMasks,
    styleMasks: inputs.styleMasks,
    fingerprint: fp,
    resume,
    availableBytes,
    notes,
  };
}

/** The memory check's error, with the command's way around it. */
export function withMemoryHint<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (!(e instanceof OutOfMemoryError)) throw e;
    throw new OutOfMemoryError([...e.parts, ` (set ${NO_MEMORY_CHECK_ENV}=1 to try anyway)`], { cause: e, suggestion: e.suggestion });
  }
}
