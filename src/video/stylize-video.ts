/**
 * Artistic style transfer for videos (Ruder, Dosovitskiy & Brox, GCPR 2016), on one
 * Stylizer for the whole clip (sessions and style targets are made once). Per frame i:
 *
 *   1. resize frame i to the image size (the flow is estimated at the size we stylise)
 *   2. for each j in temporalFrames with i − j ≥ 0: flows i → i−j and back; reliability c_j
 *      (forward–backward check); ω_j = output i−j warped into frame i; long-term masks
 *   3. x₀ ← output i−1 warped, disoccluded pixels from frame i (frame 0: --init)
 *   4. optimise content + style + tv + temporal(x; ω, c), numIterations for frame 0,
 *      frameIterations after, stopping early at the tolerance
 *   5. hand the result (rounded to 8 bits, as it is written) to onFrame before frame i+1
 *
 * With temporalWeight 0 every frame is stylised on its own (no flow): the flickering
 * baseline. Platform-neutral: frames come and go through callbacks.
 */
import type { RgbImage } from '../image/types.js';
import { fitMaxSide, resize } from '../image/resize.js';
import { temporalInputs } from '../losses/temporal.js';
import type { Tensor } from '../models/types.js';
import { toNetworkInput } from '../models/preprocessing.js';
import type { Stylizer } from '../stylize/stylizer.js';
import type { Progress } from '../stylize/types.js';
import type { LossParts } from '../runtime/objective.js';
import { consistencyCheck, longTermMasks } from './consistency.js';
import type { FlowProvider, GrayImage } from './flow/types.js';
import type { VideoSettings } from './options.js';
import { toGray, warpImage } from './warp.js';

export interface VideoFrames {
  count: number;
  read(index: number): Promise<RgbImage>;
}

export interface FrameResult {
  index: number;
  image: RgbImage;
  iterations: number;
  loss: number;
  parts: LossParts;
  /** Time spent estimating flow and reliability for this frame, and in the optimiser. */
  flowMs: number;
  stylizeMs: number;
}

export interface VideoProgress extends Progress {
  frame: number;
  frames: number;
  /** Iterations over the whole clip (this frame's included): done so far and planned. */
  totalIteration: number;
  totalIterations: number;
}

export interface VideoRun extends VideoSettings {
  stylizer: Stylizer;
  frames: VideoFrames;
  /** Needed when the temporal weight is above 0. */
  flow?: FlowProvider;
  /** Resume: frames before this one are done; `readOutput` gives them back. */
  start?: number;
  readOutput?(index: number): Promise<RgbImage>;
  onFrame(result: FrameResult): void | Promise<void>;
  onProgress?(p: VideoProgress): void | Promise<void>;
  signal?: AbortSignal;
}

export interface VideoResult {
  /** Frames finished in this call. */
  finished: number;
  interrupted: boolean;
  elapsedMs: number;
  flowMs: number;
}

export async function stylizeVideo(run: VideoRun): Promise<VideoResult> {
  const { stylizer, frames } = run;
  const o = stylizer.options;
  const temporal = ((o.temporalWeight as number | undefined) ?? 0) > 0;
  const backs = [...new Set((o.temporalFrames as number[] | undefined) ?? [1])].sort((a, b) => a - b);
  const keep = Math.max(1, ...backs);
  if (temporal && !run.flow) throw new Error('a temporal video run needs a FlowProvider');
  const start = run.start ?? 0;
  // A method with scales (NNST, STROTSS) runs its count at each scale: the plan counts them all.
  const scales = start < frames.count && stylizer.method.scales ? stylizer.method.scales(o, await frames.read(start)).length : 1;
  const planned = (i: number) => scales * (i === 0 ? o.numIterations : run.frameIterations);
  let totalIterations = 0;
  for (let i = start; i < frames.count; i++) totalIterations += planned(i);

  // The last `keep` frames: content (grey, for the flow) and outputs (to warp).
  const grays = new Map<number, GrayImage>();
  const outputs = new Map<number, RgbImage>();
  const sizeOf = (img: RgbImage) => fitMaxSide(img.width, img.height, o.imageSize);
  const frameAt = async (i: number) => {
    const raw = await frames.read(i);
    const s = sizeOf(raw);
    return s.width === raw.width && s.height === raw.height ? raw : resize(raw, s.width, s.height);
  };
  if (temporal && start > 0) {
    if (!run.readOutput) throw new Error('resuming a temporal video run needs readOutput');
    for (let i = Math.max(0, start - keep); i < start; i++) {
      grays.set(i, toGray(await frameAt(i)));
      outputs.set(i, await run.readOutput(i));
    }
  }

  const began = Date.now();
  let done = 0;
  let flowTotal = 0;
  let finished = 0;
  for (let i = start; i < frames.count; i++) {
    if (run.signal?.aborted) return { finished, interrupted: true, elapsedMs: Date.now() - began, flowMs: flowTotal };
    const content = await frameAt(i);
    const { width, height } = content;
    const flowStart = Date.now();
    let feeds: Record<string, Tensor> | undefined;
    let initImage: RgbImage | undefined;
    if (temporal) {
      const gray = toGray(content);
      grays.set(i, gray);
      const warped: RgbImage[] = [];
      const masks: Uint8Array[] = [];
      let initMask: Uint8Array | undefined;
      for (const j of backs) {
        const before = outputs.get(i - j);
        if (!before || before.width !== width || before.height !== height) {
          warped.push(content);
          masks.push(new Uint8Array(width * height));
          continue;
        }
        const back = await run.flow!.flow(gray, grays.get(i - j)!);
        const forth = await run.flow!.flow(grays.get(i - j)!, gray);
        const check = consistencyCheck(back, forth);
        const w = warpImage(before, back);
        warped.push(w);
        masks.push(check.reliable);
        if (j === 1) {
          initMask = check.disoccluded;
          initImage = w;
        }
      }
      if (!initImage && outputs.has(i - 1) && !backs.includes(1)) {
        // The start is always the previous frame warped, whichever frames the loss looks back to.
        const back = await run.flow!.flow(gray, grays.get(i - 1)!);
        initMask = consistencyCheck(back, await run.flow!.flow(grays.get(i - 1)!, gray)).disoccluded;
        initImage = warpImage(outputs.get(i - 1)!, back);
      }
      if (initImage && initMask) initImage = fillDisoccluded(initImage, initMask, content);
      feeds = temporalFeeds(backs, warped, longTermMasks(masks), stylizer);
    }
    const flowMs = temporal ? Date.now() - flowStart : 0;
    flowTotal += flowMs;

    const base = done;
    const stylizeStart = Date.now();
    const result = await stylizer.run({
      content,
      initImage,
      feeds,
      signal: run.signal,
      settings: {
        numIterations: planned(i) / scales,
        // Later frames start from the previous result warped (when there is one).
        init: initImage ? 'image' : o.init,
        tolerance: run.tolerance,
      },
      onProgress: async (p) => {
        const totalIteration = base + p.iteration;
        const elapsedMs = Date.now() - began;
        await run.onProgress?.({
          ...p,
          frame: i,
          frames: frames.count,
          totalIteration,
          totalIterations,
          elapsedMs,
          etaMs: totalIteration > 0 ? (elapsedMs / totalIteration) * (totalIterations - totalIteration) : 0,
        });
      },
    });
    if (result.interrupted) return { finished, interrupted: true, elapsedMs: Date.now() - began, flowMs: flowTotal };
    // The tolerance may end a frame early: the plan shrinks by what it did not use.
    totalIterations -= planned(i) - result.iterations;
    done += result.iterations;
    const image = quantize(result.image);
    await run.onFrame({ index: i, image, iterations: result.iterations, loss: result.loss, parts: result.parts, flowMs, stylizeMs: Date.now() - stylizeStart });
    finished++;
    outputs.set(i, image);
    outputs.delete(i - keep);
    grays.delete(i - keep);
  }
  return { finished, interrupted: false, elapsedMs: Date.now() - began, flowMs: flowTotal };
}

/** ω_j and c_j as graph inputs, in network-input space, c repeated over the channels. */
function temporalFeeds(backs: number[], warped: RgbImage[], masks: Uint8Array[], stylizer: Stylizer): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  backs.forEach((j, k) => {
    const w = warped[k]!;
    const dims = [1, 3, w.height, w.width];
    const plane = w.width * w.height;
    const c = new Float32Array(3 * plane);
    for (let ch = 0; ch < 3; ch++) for (let p = 0; p < plane; p++) c[ch * plane + p] = masks[k]![p]!;
    feeds[temporalInputs.warped(j)] = { dims, data: toNetworkInput(w, stylizer.preprocessing) };
    feeds[temporalInputs.reliability(j)] = { dims, data: c };
  });
  return feeds;
}

/**
 * Where the previous frame has nothing to give (disoccluded, or outside it), the content
 * frame's pixel instead; at motion boundaries the warped value is still the better start.
 */
function fillDisoccluded(warped: RgbImage, disoccluded: Uint8Array, content: RgbImage): RgbImage {
  const data = Float32Array.from(warped.data);
  for (let p = 0; p < disoccluded.length; p++) if (disoccluded[p]) for (let c = 0; c < 3; c++) data[3 * p + c] = content.data[3 * p + c]!;
  return { ...warped, data };
}

/** Rounded to 8 bits as the PNG writer does: the next frame warps exactly what a resume reads back. */
export function quantize(img: RgbImage): RgbImage {
  return { ...img, data: img.data.map((v) => Math.round(Math.min(1, Math.max(0, v)) * 255) / 255) };
}
