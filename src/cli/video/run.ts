/**
 * The video command, top to bottom:
 *
 *   1. flags → options; every input path checked, the style images decoded
 *   2. frames: a PNG directory as is, or the clip probed and decoded by ffmpeg into a
 *      temporary directory
 *   3. the frames-out directory: a fresh run claims it (run.json: what it is a run of);
 *      --resume checks that file and continues at the first frame not written yet
 *   4. one Stylizer for the clip; each finished frame written at once (atomically)
 *   5. the output clip encoded from the frames at the source's frame rate, audio copied
 */
import { checkVideoPaths } from './paths.js';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InputError, UsageError } from '../../errors.js';
import { readImage } from '../../image/decode-node.js';
import { writeImage } from '../../image/encode-node.js';
import type { RgbImage } from '../../image/types.js';
import { writeFileAtomic } from '../../models/cache-node.js';
import { resolveModel } from '../../models/resolve-node.js';
import { applyPreset, resolveOptions, stylizeOptionSpecs, type StylizeOptions } from '../../options/index.js';
import type { OrtModule } from '../../runtime/ort.js';
import { createStylizer } from '../../stylize/stylizer.js';
import { decodeClip, encodeClip, frameName, probeClip } from '../../video/ffmpeg-node.js';
import { nodeFlowProvider } from '../../video/flow/opencv-node.js';
import { stylizeVideo } from '../../video/stylize-video.js';
import { chooseBackend } from '../../backends/index.js';
import { imageHash } from '../../checkpoint/index.js';
import { fmtDuration, fmtLoss, partsText, progressRecord, type OutStream } from '../progress.js';
import { exitCodeFor } from '../run.js';
import { parseVideoOptions } from './options.js';

export interface VideoContext {
  stdout: OutStream;
  stderr: OutStream;
  signal: AbortSignal;
}

const MANIFEST = 'run.json';

export async function runVideo(raw: Record<string, unknown>, ctx: VideoContext): Promise<number> {
  // 1. flags
  const { values: v, given } = parseVideoOptions(raw);
  applyPreset(v, given);
  if ((v.content === undefined) === (v.framesIn === undefined)) throw new UsageError('give the frames with either -c/--content CLIP or --frames-in DIR (one of them)');
  const styles = v.style as string[] | undefined;
  if (!styles || styles.length === 0) throw new UsageError('no style image: give one or more with -s/--style PATH[,PATH…]');
  if (v.output === undefined && v.framesOut === undefined) throw new UsageError('no output: give -o/--output CLIP, --frames-out DIR, or both');
  if (v.multires !== undefined) throw new UsageError('--multires is not available for video (each frame starts from the last one, at one size)');
  const backs = v.temporalFrames as number[];
  if (backs.some((b, i) => i > 0 && b <= backs[i - 1]!)) throw new UsageError(`--temporal-frames must increase, got '${backs.join(',')}'`);
  const library: Record<string, unknown> = {};
  for (const s of stylizeOptionSpecs()) if (v[s.key] !== undefined) library[s.key] = v[s.key];
  const options = resolveOptions(library as Partial<StylizeOptions>, styles.length);
  const quiet = v.quiet === true;
  const json = v.json === true;
  const note = (m: string) => {
    if (!quiet) ctx.stderr.write(`${m}\n`);
  };

  const clip = v.content !== undefined ? resolve(v.content as string) : undefined;
  const output = v.output !== undefined ? resolve(v.output as string) : undefined;
  const outDir = resolve((v.framesOut as string | undefined) ?? `${output}.frames`);
  await checkVideoPaths({ clip, framesIn: v.framesIn !== undefined ? resolve(v.framesIn as string) : undefined, output, framesOut: outDir, styles: styles.map((s) => resolve(s)) });
  const styleImages: RgbImage[] = [];
  for (const p of styles) styleImages.push(await readImage(resolve(p)));

  // 2. frames
  let work: string | undefined;
  try {
    let inDir: string;
    let frameRate = String(v.frameRate);
    let hasAudio = false;
    if (clip) {
      await mustBeFile(clip, '--content');
      const info = await probeClip(clip);
      frameRate = info.frameRate;
      hasAudio = info.hasAudio;
      work = await mkdtemp(join(tmpdir(), 'neural-style-video-'));
      await decodeClip(clip, work, ctx.signal);
      inDir = work;
    } else {
      inDir = resolve(v.framesIn as string);
    }
    const names = (await readdir(inDir).catch(() => {
      throw new InputError(`${inDir}: cannot read the directory`);
    }))
      .filter((n) => n.toLowerCase().endsWith('.png'))
      .sort();
    if (names.length === 0) throw new InputError(`${clip ?? inDir}: no frames${clip ? '' : ' (no .png files)'}`);
    const readFrame = async (i: number) => {
      try {
        return await readImage(join(inDir, names[i]!));
      } catch (e) {
        throw new InputError(`frame ${i + 1} (${names[i]}): ${(e as Error).message}`, { cause: e });
      }
    };
    const first = await readFrame(0);

    // 3. the frames-out directory
    const fingerprint = {
      source: clip ? { clip, frames: names.length } : { framesIn: inDir, frames: names.length, first: await imageHash(first) },
      styles: await Promise.all(styleImages.map(imageHash)),
      model: v.model,
      modelFile: v.modelFile ?? null,
      options: { ...options, backend: undefined },
      frameIterations: v.frameIterations,
      tolerance: v.tolerance,
    };
    // Only checked here; the directory is made (claimed) once the stylizer is ready, and
    // removed again if this run made it and fails before its first frame: a failed start
    // (no model weights, say) must not leave a folder that a plain rerun is refused for.
    const madeHere = !(await exists(outDir));
    const manifestPath = join(outDir, MANIFEST);
    const existing = await readFile(manifestPath, 'utf8').catch(() => undefined);
    let start = 0;
    if (v.resume) {
      if (existing === undefined) throw new UsageError(`--resume: ${outDir} holds no earlier run (no ${MANIFEST}); run without --resume`);
      if (existing !== JSON.stringify(fingerprint)) throw new UsageError(`--resume: ${outDir} holds a run with other inputs or settings; resume with the same ones`);
      while (start < names.length && (await exists(join(outDir, frameName(start))))) start++;
      note(`resuming at frame ${start + 1}/${names.length}`);
    } else {
      if (existing !== undefined || (await exists(join(outDir, frameName(0))))) {
        throw new UsageError(`${outDir} already holds frames of a run: continue it with --resume, or choose another --frames-out`);
      }
    }

    // 4. stylise
    const ort = (await import('onnxruntime-node')) as unknown as OrtModule;
    const choice = await chooseBackend(ort, options.backend);
    note(choice.reason);
    options.backend = choice.profile.name;
    const model = await resolveModel({ model: v.model as string, modelFile: v.modelFile as string | undefined, cacheDir: v.cacheDir as string | undefined, seed: 0, onNotice: note });
    const stylizer = await createStylizer({ ort, model, styles: styleImages, options });
    const printIter = v.printIter as number;
    let result;
    let written = 0;
    try {
      await mkdir(outDir, { recursive: true });
      if (!v.resume) await writeFileAtomic(manifestPath, new TextEncoder().encode(JSON.stringify(fingerprint)));
      result = await stylizeVideo({
        stylizer,
        frames: { count: names.length, read: async (i) => (i === 0 ? first : readFrame(i)) },
        flow: nodeFlowProvider(),
        frameIterations: v.frameIterations as number,
        tolerance: v.tolerance as number,
        start,
        readOutput: (i) => readImage(join(outDir, frameName(i))),
        signal: ctx.signal,
        onProgress: (p) => {
          if (json) ctx.stdout.write(JSON.stringify({ frame: p.frame + 1, ...progressRecord(p), totalIteration: p.totalIteration, totalIterations: p.totalIterations }) + '\n');
          else if (!quiet && printIter > 0 && p.iteration > 0 && p.iteration % printIter === 0) {
            ctx.stdout.write(
              `Frame ${p.frame + 1}/${p.frames}, iteration ${p.iteration}/${p.numIterations}: loss ${fmtLoss(p.loss)} (${partsText(p.parts)}), ` +
                `${fmtDuration(p.elapsedMs)} elapsed, ETA ${fmtDuration(p.etaMs)}\n`,
            );
          }
        },
        onFrame: async (f) => {
          await writeImage(join(outDir, frameName(f.index)), f.image);
          written++;
          note(`frame ${f.index + 1}/${names.length} written (${f.iterations} iterations, loss ${fmtLoss(f.loss)}, flow ${f.flowMs} ms, ${fmtDuration(f.stylizeMs)})`);
        },
      });
    } catch (err) {
      if (madeHere && written === 0) await rm(outDir, { recursive: true, force: true });
      throw err;
    } finally {
      await stylizer.release();
    }
    if (result.interrupted) {
      const done = start + result.finished;
      ctx.stderr.write(`interrupted with ${done}/${names.length} frames written in ${outDir}; continue with --resume\n`);
      return exitCodeFor(ctx.signal.reason);
    }

    // 5. the clip
    if (output) {
      await encodeClip(outDir, frameRate, output, clip && hasAudio ? clip : undefined, ctx.signal);
      if (v.framesOut === undefined) await rm(outDir, { recursive: true, force: true });
      note(`wrote ${output} (${names.length} frames at ${frameRate} fps)`);
    } else note(`wrote ${names.length} frames in ${outDir}`);
    return 0;
  } finally {
    if (work) await rm(work, { recursive: true, force: true });
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

