/**
 * The video command, top to bottom (`runVideo`, one named step each):
 *
 *   1. planVideo     flags → options; every input path checked, the style images decoded
 *   2. readFrames    a PNG directory as is (every frame the first one's size), or the clip
 *                    probed and decoded by ffmpeg into a temporary directory
 *   3. claimOutput   the frames-out directory: a fresh run claims it (run.json: what it is a
 *                    run of); --resume checks that file and continues at the first frame
 *                    not written yet
 *   4. stylizeFrames one Stylizer for the clip; each finished frame written at once (atomically)
 *   5. writeClip     the output clip encoded from the frames at the source's frame rate, audio copied
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chooseBackend } from '../../backends/index.js';
import { imageHash } from '../../checkpoint/index.js';
import { InputError, renderParts, UsageError } from '../../errors.js';
import { readImage } from '../../image/decode-node.js';
import { writeImage } from '../../image/encode-node.js';
import type { RgbImage } from '../../image/types.js';
import { writeFileAtomic } from '../../models/cache-node.js';
import { resolveModel } from '../../models/resolve-node.js';
import { applyPreset, pickValues, resolveOptions, stylizeOptionSpecs, type StylizeOptions } from '../../options/index.js';
import type { OrtModule } from '../../runtime/ort.js';
import { createStylizer } from '../../stylize/stylizer.js';
import { methodOf } from '../../methods/index.js';
import { decodeClip, encodeClip, frameName, probeClip } from '../../video/ffmpeg-node.js';
import { nodeFlowProvider } from '../../video/flow/opencv-node.js';
import { fpsText } from '../../video/frame-rate.js';
import { stylizeVideo, type VideoResult } from '../../video/stylize-video.js';
import { fmtDuration, fmtLoss, partsText, progressRecord, type OutStream } from '../progress.js';
import { exitCodeFor } from '../run.js';
import { parseVideoOptions } from './options.js';
import { checkFrameSizes } from './frame-sizes.js';
import { checkVideoPaths } from './paths.js';
import { flagOf, type CliOptions } from '../options.js';
import { checkMaskFlags } from '../plan/flags.js';
import { readMasks } from '../plan/inputs.js';
import { NO_MEMORY_CHECK_ENV, withMemoryHint } from '../plan/index.js';
import { preflight } from '../../stylize/preflight.js';
import { layerTableFor } from '../../models/layers.js';
import { getModelEntry } from '../../models/registry.js';
import { plotFormat, writeLossPlot, type LossPoint } from '../plot.js';
import type { Mask } from '../../masks/index.js';

export interface VideoContext {
  stdout: OutStream;
  stderr: OutStream;
  signal: AbortSignal;
}

const MANIFEST = 'run.json';

export async function runVideo(raw: Record<string, unknown>, ctx: VideoContext): Promise<number> {
  const plan = await planVideo(raw, ctx);
  const frames = await readFrames(plan, ctx);
  try {
    const claim = await claimOutput(plan, frames);
    const result = await stylizeFrames(plan, frames, claim, ctx);
    await writePlot(plan, ctx);
    if (result.interrupted) {
      ctx.stderr.write(`interrupted with ${claim.start + result.finished}/${frames.count} frames written in ${plan.outDir}; continue with --resume\n`);
      return exitCodeFor(ctx.signal.reason);
    }
    await writeClip(plan, frames, ctx);
    return 0;
  } finally {
    await frames.cleanup();
  }
}

interface VideoPlan {
  /** Every flag's value (the command's, the library's, the video pipeline's). */
  v: Record<string, unknown>;
  options: StylizeOptions;
  styles: RgbImage[];
  /** Static: the same regions on every frame (resized to it, as for an image). */
  contentMasks?: Mask[];
  styleMasks?: Mask[];
  plot?: string;
  /** The loss at every iteration of this run, over the whole clip (for --plot). */
  history: LossPoint[];
  clip?: string;
  output?: string;
  outDir: string;
  note(message: string): void;
}

/** Step 1: flags → options, and every input checked before any long work. */
async function planVideo(raw: Record<string, unknown>, ctx: VideoContext): Promise<VideoPlan> {
  const { values: v, given } = parseVideoOptions(raw);
  // A method's losses have their own scale: its temporal weight replaces the video default (Gatys's); a preset's and the user's come after.
  for (const [key, value] of Object.entries(methodOf(v).videoDefaults ?? {})) if (!given.has(key)) v[key] = value;
  applyPreset(v, given);
  if ((v.content === undefined) === (v.framesIn === undefined)) throw new UsageError('give the frames with either -c/--content CLIP or --frames-in DIR (one of them)');
  const styles = v.style as string[] | undefined;
  if (!styles || styles.length === 0) throw new UsageError('no style image: give one or more with -s/--style PATH[,PATH…]');
  if (v.output === undefined && v.framesOut === undefined) throw new UsageError('no output: give -o/--output CLIP, --frames-out DIR, or both');
  if (typeof v.tile === 'number' && (v.temporalWeight as number) > 0) {
    // The temporal loss compares each whole frame with the previous result warped: no tile sees enough of it.
    throw new UsageError(
      '--tile: video cannot run in tiles (each frame is held to the whole previous frame); to fit memory use a smaller --image-size, or --temporal-weight 0 to stylise each frame on its own in tiles (it will flicker)',
    );
  }
  const backs = v.temporalFrames as number[];
  if (backs.some((b, i) => i > 0 && b <= backs[i - 1]!)) throw new UsageError(`--temporal-frames must increase, got '${backs.join(',')}'`);
  const options = resolveOptions(pickValues(v, stylizeOptionSpecs()) as Partial<StylizeOptions>, styles.length);
  // The image command's rules: one mask per style, --style-masks only with --content-masks.
  checkMaskFlags(v as unknown as CliOptions, options);
  const note = (m: string) => {
    if (v.quiet !== true) ctx.stderr.write(`${m}\n`);
  };
  const clip = v.content !== undefined ? resolve(v.content as string) : undefined;
  const output = v.output !== undefined ? resolve(v.output as string) : undefined;
  const outDir = resolve((v.framesOut as string | undefined) ?? `${output}.frames`);
  const maskPaths = (key: string) => (v[key] as string[] | undefined)?.map((p) => resolve(p));
  const plot = v.plot !== undefined ? resolve(v.plot as string) : undefined;
  if (plot) plotFormat(plot);
  await checkVideoPaths({
    clip,
    framesIn: v.framesIn !== undefined ? resolve(v.framesIn as string) : undefined,
    output,
    framesOut: outDir,
    styles: styles.map((s) => resolve(s)),
    contentMasks: maskPaths('contentMasks'),
    styleMasks: maskPaths('styleMasks'),
    plot,
  });
  const styleImages: RgbImage[] = [];
  for (const p of styles) styleImages.push(await readImage(resolve(p)));
  const contentMasks = v.contentMasks ? await readMasks(maskPaths('contentMasks')!, '--content-masks') : undefined;
  const styleMasks = v.styleMasks ? await readMasks(maskPaths('styleMasks')!, '--style-masks') : undefined;
  return { v, options, styles: styleImages, contentMasks, styleMasks, plot, history: [], clip, output, outDir, note };
}

interface Frames {
  dir: string;
  count: number;
  frameRate: string;
  hasAudio: boolean;
  first: RgbImage;
  read(index: number): Promise<RgbImage>;
  /** Remove the clip's decoded frames (a PNG directory given as input is left alone). */
  cleanup(): Promise<void>;
}

/** Step 2: the frames, from a PNG directory or decoded from the clip. */
async function readFrames(plan: VideoPlan, ctx: VideoContext): Promise<Frames> {
  const { clip, v } = plan;
  let work: string | undefined;
  const cleanup = async () => {
    if (work) await rm(work, { recursive: true, force: true });
  };
  try {
    let dir: string;
    let frameRate = String(v.frameRate);
    let hasAudio = false;
    if (clip) {
      await mustBeFile(clip, '--content');
      const info = await probeClip(clip);
      frameRate = info.frameRate;
      hasAudio = info.hasAudio;
      work = await mkdtemp(join(tmpdir(), 'neural-style-video-'));
      await decodeClip(clip, work, ctx.signal);
      dir = work;
    } else {
      dir = resolve(v.framesIn as string);
    }
    const names = (await readdir(dir).catch(() => {
      throw new InputError(`${dir}: cannot read the directory`);
    }))
      .filter((n) => n.toLowerCase().endsWith('.png'))
      .sort();
    if (names.length === 0) throw new InputError(`${clip ?? dir}: no frames${clip ? '' : ' (no .png files)'}`);
    const read = async (i: number) => {
      try {
        return await readImage(join(dir, names[i]!));
      } catch (e) {
        throw new InputError(`frame ${i + 1} (${names[i]}): ${(e as Error).message}`, { cause: e });
      }
    };
    const first = await read(0);
    if (!clip) await checkFrameSizes(dir, names);
    return { dir, count: names.length, frameRate, hasAudio, first, read: (i) => (i === 0 ? Promise.resolve(first) : read(i)), cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

interface Claim {
  /** The first frame this run writes (a resumed run's first unfinished one). */
  start: number;
  /** What the run is a run of, as the frames-out directory's run.json holds it. */
  manifest: string;
  /** The directory did not exist before this run: a run that fails before its first frame removes it. */
  madeHere: boolean;
}

/** Step 3: the frames-out directory, fresh or (with --resume) the same run's. Only checked here: it is made once the Stylizer is ready. */
async function claimOutput(plan: VideoPlan, frames: Frames): Promise<Claim> {
  const { v, clip, outDir, options, styles } = plan;
  const fingerprint = {
    source: clip ? { clip, frames: frames.count } : { framesIn: frames.dir, frames: frames.count, first: await imageHash(frames.first) },
    styles: await Promise.all(styles.map(imageHash)),
    contentMasks: await Promise.all((plan.contentMasks ?? []).map(imageHash)),
    styleMasks: await Promise.all((plan.styleMasks ?? []).map(imageHash)),
    model: v.model,
    modelFile: v.modelFile ?? null,
    options: { ...options, backend: undefined },
    frameIterations: v.frameIterations,
    tolerance: v.tolerance,
  };
  const manifest = JSON.stringify(fingerprint);
  const madeHere = !(await exists(outDir));
  const existing = await readFile(join(outDir, MANIFEST), 'utf8').catch(() => undefined);
  let start = 0;
  if (v.resume) {
    if (existing === undefined) throw new UsageError(`--resume: ${outDir} holds no earlier run (no ${MANIFEST}); run without --resume`);
    if (existing !== manifest) throw new UsageError(`--resume: ${outDir} holds a run with other inputs or settings; resume with the same ones`);
    while (start < frames.count && (await exists(join(outDir, frameName(start))))) start++;
    plan.note(`resuming at frame ${start + 1}/${frames.count}`);
  } else if (existing !== undefined || (await exists(join(outDir, frameName(0))))) {
    throw new UsageError(`${outDir} already holds frames of a run: continue it with --resume, or choose another --frames-out`);
  }
  return { start, manifest, madeHere };
}

/** Step 4: one Stylizer for the clip, each frame written as it finishes. */
async function stylizeFrames(plan: VideoPlan, frames: Frames, claim: Claim, ctx: VideoContext): Promise<VideoResult> {
  const { v, options, outDir, note } = plan;
  const ort = (await import('onnxruntime-node')) as unknown as OrtModule;
  const choice = await chooseBackend(ort, options.backend);
  note(choice.reason);
  // The image command's pre-flight on the first frame (they all have its size), before any
  // weights load: a frame too large for memory was killed by the system, not refused.
  const availableBytes = process.env[NO_MEMORY_CHECK_ENV] ? undefined : choice.profile.memoryBudget?.(choice.probe);
  const notes = withMemoryHint(() =>
    preflight({
      table: layerTableFor(getModelEntry(v.model as string).architecture),
      // With the temporal loss a frame is never tiled (the --tile check above): estimate it whole.
      options: (v.temporalWeight as number) > 0 ? { ...options, tile: 'off' } : options,
      content: frames.first,
      styles: plan.styles,
      availableBytes,
      contentMasks: plan.contentMasks,
    }),
  );
  for (const n of notes) note(renderParts(n, flagOf));
  const model = await resolveModel({ model: v.model as string, modelFile: v.modelFile as string | undefined, cacheDir: v.cacheDir as string | undefined, seed: 0, onNotice: note });
  const stylizer = await createStylizer({
    ort,
    model,
    styles: plan.styles,
    contentMasks: plan.contentMasks,
    styleMasks: plan.styleMasks,
    options: { ...options, backend: choice.profile.name },
    contentShape: { width: frames.first.width, height: frames.first.height },
  });
  const printIter = v.printIter as number;
  let written = 0;
  try {
    // A failed start (no model weights, say) must not leave a folder a plain rerun is refused for.
    await mkdir(outDir, { recursive: true });
    if (!v.resume) await writeFileAtomic(join(outDir, MANIFEST), new TextEncoder().encode(claim.manifest));
    return await stylizeVideo({
      stylizer,
      frames: { count: frames.count, read: frames.read },
      flow: nodeFlowProvider(),
      frameIterations: v.frameIterations as number,
      tolerance: v.tolerance as number,
      start: claim.start,
      readOutput: (i) => readImage(join(outDir, frameName(i))),
      signal: ctx.signal,
      onProgress: (p) => {
        if (plan.plot) plan.history.push({ iteration: p.totalIteration, loss: p.loss, parts: p.parts });
        if (v.json === true) ctx.stdout.write(JSON.stringify({ frame: p.frame + 1, ...progressRecord(p), totalIteration: p.totalIteration, totalIterations: p.totalIterations }) + '\n');
        else if (v.quiet !== true && printIter > 0 && p.iteration > 0 && p.iteration % printIter === 0) {
          ctx.stdout.write(
            `Frame ${p.frame + 1}/${p.frames}, iteration ${p.iteration}/${p.numIterations}: loss ${fmtLoss(p.loss)} (${partsText(p.parts)}), ` +
              `${fmtDuration(p.elapsedMs)} elapsed, ETA ${fmtDuration(p.etaMs)}\n`,
          );
        }
      },
      onFrame: async (f) => {
        await writeImage(join(outDir, frameName(f.index)), f.image);
        written++;
        note(`frame ${f.index + 1}/${frames.count} written (${f.iterations} iterations, loss ${fmtLoss(f.loss)}, flow ${f.flowMs} ms, ${fmtDuration(f.stylizeMs)})`);
      },
    });
  } catch (err) {
    if (claim.madeHere && written === 0) await rm(outDir, { recursive: true, force: true });
    throw err;
  } finally {
    await stylizer.release();
  }
}

/** Step 5: the clip from the frames (or the frames alone, when no clip was asked for). */
async function writeClip(plan: VideoPlan, frames: Frames, ctx: VideoContext): Promise<void> {
  const { output, outDir, clip, v, note } = plan;
  if (!output) {
    note(`wrote ${frames.count} frames in ${outDir}`);
    return;
  }
  try {
    await encodeClip(outDir, frames.frameRate, output, clip && frames.hasAudio ? clip : undefined, ctx.signal);
  } catch (err) {
    // The frames are the run's work: they stay, and the message says where and how to finish.
    if (!(err instanceof InputError)) throw err;
    throw new InputError(`${err.message}; the ${frames.count} stylised frames are kept in ${outDir}: fix that and rerun the same command with --resume to encode them`, { cause: err });
  }
  if (v.framesOut === undefined) await rm(outDir, { recursive: true, force: true });
  note(`wrote ${output} (${frames.count} frames at ${fpsText(frames.frameRate)} fps)`);
}

/** --plot, once the frames are done (or interrupted): a plot that cannot be written is a warning, never the run's failure. */
async function writePlot(plan: VideoPlan, ctx: VideoContext): Promise<void> {
  if (!plan.plot || plan.history.length === 0) return;
  try {
    await writeLossPlot(plan.plot, plan.history);
    plan.note(`wrote the loss plot ${plan.plot}`);
  } catch (err) {
    ctx.stderr.write(`warning: could not save the loss plot ${plan.plot} (${err instanceof Error ? err.message : String(err)})\n`);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function mustBeFile(path: string, flag: string): Promise<void> {
  const s = await stat(path).catch(() => undefined);
  if (!s) throw new InputError(`${flag} ${path}: no such file`);
  if (!s.isFile() || s.size === 0) throw new InputError(`${flag} ${path}: not a readable clip (${s.isFile() ? 'empty' : 'not a file'})`);
}
