/**
 * The stylize command, top to bottom:
 *
 *   1. plan: check every option, path and input image (plan.ts)
 *   2. load the weights (the backend was chosen while planning)
 *   3. stylize, showing progress, saving --save-iter images and checkpoints
 *   4. write the output — also when interrupted (SIGINT/SIGTERM) or when the numbers blew
 *      up, so that an hour of work is never lost to the last second of it; to the temp
 *      directory when --output cannot be written (output.ts).
 */
import { NumericalError } from '../errors.js';
import { writeImage } from '../image/encode-node.js';
import type { RgbImage } from '../image/types.js';
import type { LoadedModel } from '../models/types.js';
import type { OrtModule } from '../runtime/ort.js';
import { stylize, type StylizeResult } from '../stylize/stylize.js';
export { iterationPath } from './plan/paths.js';
import { saveCheckpoint } from './checkpoint.js';
import { writeRunImage } from './output.js';
import { planRun, type RunPlan } from './plan/index.js';
import { iterationPath } from './plan/paths.js';
import { type LossPoint, writeLossPlot } from './plot.js';
import { printPhases } from './timing.js';
import { keepOptimized } from './keep-optimized.js';
export { KEEP_OPTIMIZED_ENV } from './keep-optimized.js';
import { resolveCacheDir } from '../models/cache-node.js';
import { withOptimizedModelCache } from '../runtime/optimized-model-cache-node.js';
import { timePhase } from '../util/phases.js';
import { fmtDuration, fmtLoss, type OutStream, progressMode, ProgressReporter } from './progress.js';

export interface RunContext {
  stdout: OutStream;
  stderr: OutStream;
  /** Aborted by SIGINT/SIGTERM (reason: the signal's name) or by a test. */
  signal: AbortSignal;
}

/** Conventional exit codes of a process stopped by a signal: 128 + signal number. */
export function exitCodeFor(reason: unknown): number {
  return reason === 'SIGTERM' ? 143 : 130;
}

export async function runStylize(raw: Record<string, unknown>, ctx: RunContext): Promise<number> {
  const plan = await timePhase('plan', () => planRun(raw));
  const { cli, paths } = plan;
  const mode = progressMode(cli, ctx.stdout);
  const depth = { depth: cli.outputDepth === '16' ? 16 : 8 } as const;
  const note = (msg: string) => {
    if (!cli.quiet) ctx.stderr.write(`${msg}\n`);
  };

  for (const n of plan.notes) note(n);
  note(plan.backend.reason);
  const keep = keepOptimized(plan.options);
  const ort = await cachingOrt(cli.cacheDir, keep, note);

  let model: LoadedModel;
  try {
    model = await timePhase('weights', () => loadModel(plan, keep, note, ctx.signal));
  } catch (err) {
    if (!ctx.signal.aborted) throw err;
    // Downloads resume from their .partial file, so stopping here loses nothing.
    ctx.stderr.write('interrupted while loading the weights; nothing written (a download continues where it stopped next time)\n');
    return exitCodeFor(ctx.signal.reason);
  }
  if (plan.resume) note(`resuming at iteration ${plan.resume.checkpoint.iteration} from ${paths.resume}`);

  const reporter = new ProgressReporter(mode, ctx.stdout, cli.printIter);
  // An intermediate file that cannot be written (disk full, directory removed) is worth a
  // warning, not the run: the result in memory is still on its way to --output.
  const keepGoing = async (what: string, save: () => Promise<void>): Promise<boolean> => {
    try {
      await save();
      return true;
    } catch (err) {
      ctx.stderr.write(`warning: could not save ${what} (${err instanceof Error ? err.message : String(err)}); the run goes on\n`);
      return false;
    }
  };
  const history: LossPoint[] = [];
  let lastIteration = -1;
  let result: StylizeResult | undefined;
  let failure: unknown;
  try {
    result = await stylize({
      ort,
      model,
      content: plan.content,
      styles: plan.styles,
      initImage: plan.initImage,
      contentMasks: plan.contentMasks,
      styleMasks: plan.styleMasks,
      options: plan.options,
      availableBytes: plan.availableBytes,
      signal: ctx.signal,
      resume: plan.resume?.checkpoint,
      checkpointEvery: cli.checkpointEvery,
      onCheckpoint: paths.checkpoint
        ? async (c) => {
            await keepGoing(`the checkpoint ${paths.checkpoint}`, () => saveCheckpoint(paths.checkpoint!, { fingerprint: plan.fingerprint, checkpoint: c }));
          }
        : undefined,
      onTile: (t) => reporter.tile(t),
      onProgress: async (p) => {
        lastIteration = p.iteration;
        history.push({ iteration: p.iteration, loss: p.loss, parts: p.parts });
        reporter.update(p);
        if (cli.saveIter > 0 && p.iteration > 0 && p.iteration < p.numIterations && p.iteration % cli.saveIter === 0) {
          const path = iterationPath(paths.output, p.iteration);
          if (await keepGoing(path, () => writeImage(path, p.image(), depth)) && !reporter.drawing) note(`saved ${path}`);
        }
      },
    });
  } catch (err) {
    failure = err;
  } finally {
    reporter.stop();
  }

  // The result first, the plot after it: a plot that cannot be written (a full disk) is a
  // warning, never the reason the image is lost.
  const writePlot = async () => {
    if (!paths.plot || history.length === 0) return;
    if (await keepGoing(`the loss plot ${paths.plot}`, () => writeLossPlot(paths.plot!, history))) note(`wrote the loss plot ${paths.plot}`);
  };

  if (failure instanceof NumericalError && failure.partial && lastIteration >= 0) {
    await writeRunImage(paths.output, failure.partial as RgbImage, depth, paths.checkpoint);
    await writePlot();
    throw new NumericalError([...failure.parts, `. The last good image (iteration ${lastIteration}) is in ${paths.output}`], {
      cause: failure,
      suggestion: failure.suggestion,
    });
  }
  if (failure !== undefined) {
    await writePlot();
    throw failure;
  }
  const r = result!;

  if (r.interrupted) {
    const code = exitCodeFor(ctx.signal.reason);
    if (lastIteration < 0) {
      // Nothing was computed, so no checkpoint was written either: there is nothing to resume.
      ctx.stderr.write('interrupted before the first iteration; nothing written\n');
    } else {
      await writeRunImage(paths.output, r.image, depth, paths.checkpoint);
      const resumeHint = paths.checkpoint ? `; continue with --resume ${paths.checkpoint}` : '';
      ctx.stderr.write(`interrupted at iteration ${lastIteration}/${cli.numIterations}: wrote ${paths.output}${resumeHint}\n`);
      await writePlot();
    }
    return code;
  }

  await timePhase('output', () => writeRunImage(paths.output, r.image, depth, paths.checkpoint));
  note(
    `wrote ${paths.output} (${r.image.width}×${r.image.height}) after ${r.iterations} iterations, ` +
      `loss ${fmtLoss(r.loss)}, ${fmtDuration(r.elapsedMs)}`,
  );
  await writePlot();
  printPhases(ctx.stderr);
  return 0;
}

/**
 * onnxruntime-node, with its optimised models kept in the cache folder beside the weights
 * when `keep` (src/runtime/optimized-model-cache-node.ts): a second run with the same graph
 * skips the graph optimisation and, with the weights read lazily (loadModel), never reads
 * the weights either: 1.5–3 s of a short run's start-up. Short runs only by default
 * (keep-optimized.ts says why).
 */
async function cachingOrt(cacheDir: string | undefined, keep: boolean, note: (msg: string) => void): Promise<OrtModule> {
  const ort = await import('onnxruntime-node');
  if (!keep) return ort as unknown as OrtModule;
  return withOptimizedModelCache(ort as unknown as OrtModule, { dir: resolveCacheDir(cacheDir), runtimeVersion: ort.env.versions.node ?? ort.env.versions.common, onNotice: note });
}

/**
 * Generated models (vgg19-random) are the same network on every call, and generating one
 * costs seconds: keep the last one for later runs in this process (main() called again,
 * as tests and batch scripts do). Files are always read afresh.
 */
let generated: { name: string; model: LoadedModel } | undefined;

async function loadModel(plan: RunPlan, lazy: boolean, note: (msg: string) => void, signal: AbortSignal): Promise<LoadedModel> {
  const isGenerated = !plan.entry.url && !plan.paths.modelFile;
  if (isGenerated && generated?.name === plan.entry.name) return generated.model;
  const { resolveModel } = await import('../models/resolve-node.js');
  const model = await resolveModel({
    model: plan.entry.name,
    modelFile: plan.paths.modelFile,
    cacheDir: plan.cli.cacheDir,
    // vgg19-random is one fixed network; --seed varies the run on it, not the network.
    seed: 0,
    onNotice: note,
    // Shapes now, values only if a graph's bytes are made: not when the kept models serve (cachingOrt).
    lazy,
    onProgress: downloadProgress(note),
    download: { signal },
  });
  if (isGenerated) generated = { name: plan.entry.name, model };
  return model;
}

/** Download progress as a line every 10%, on stderr: a download happens once per model. */
function downloadProgress(note: (msg: string) => void) {
  let shown = -1;
  return (p: { bytesDone: number; total?: number; etaSeconds?: number }) => {
    if (!p.total) return;
    const tenth = Math.floor((10 * p.bytesDone) / p.total);
    if (tenth === shown) return;
    shown = tenth;
    const eta = p.etaSeconds !== undefined && p.bytesDone < p.total ? `, ETA ${fmtDuration(p.etaSeconds * 1000)}` : '';
    note(`downloading: ${(p.bytesDone / 1e6).toFixed(0)} / ${(p.total / 1e6).toFixed(0)} MB${eta}`);
  };
}

