/**
 * `npm run bench:video`: seconds per frame of the video pipeline at 256 px, with the
 * temporal loss (flow, reliability, warping, the extra term) and without it (independent
 * frames), and the optical flow's share of a temporal frame. VGG19 of the real shapes with
 * seeded random weights (no download); the synthetic clip of the tests, scaled up. Later
 * frames only (frame 0 has no flow). A benchmark, not a test.
 *
 *   npm run bench:video -- [--size 256] [--frames 4] [--iterations 10]
 */
import * as ort from 'onnxruntime-node';
import { registerNodeBackends } from '../src/backends/register-node.js';
import { randomVggModel } from '../src/models/random-model.js';
import type { OrtModule } from '../src/runtime/ort.js';
import { createStylizer } from '../src/stylize/stylizer.js';
import { nodeFlowProvider } from '../src/video/flow/opencv-node.js';
import { VIDEO_DEFAULTS } from '../src/video/options.js';
import { stylizeVideo, type FrameResult } from '../src/video/stylize-video.js';
import { toGray } from '../src/video/warp.js';
import { syntheticClip } from '../test/helpers/synthetic-clip.js';
import { int, readArgs } from './args.js';

const { values: args } = readArgs({
  usage: 'npm run bench:video -- [options]',
  flags: {
    size: int(256, 'frame width (height 3/4 of it)'),
    frames: int(4, 'frames of the synthetic clip (the first is not timed: it has no flow)'),
    iterations: int(10, 'L-BFGS iterations per frame'),
  },
});
// Node's backends, as src/node.ts registers them: the library picks a run's backend from that registry.
registerNodeBackends();
const { size, iterations } = args;
const count = args.frames;
const k = size / 80;
const clip = syntheticClip({
  frames: count,
  width: size,
  height: Math.round(size * 0.75),
  spin: 0.02,
  drift: [1.0 * k, 0.5 * k],
  disc: { radius: 12 * k, start: [14 * k, 30 * k], velocity: [4 * k, 0.5 * k] },
});
const style = syntheticClip({ ...clip.spec, frames: 1, spin: 0.7 }).frames[0]!;
const model = randomVggModel('vgg19', 0);

async function run(temporalWeight: number): Promise<FrameResult[]> {
  const stylizer = await createStylizer({
    ort: ort as unknown as OrtModule,
    model,
    styles: [style],
    options: { imageSize: size, numIterations: iterations, init: 'image', temporalWeight },
  });
  const out: FrameResult[] = [];
  try {
    await stylizeVideo({
      stylizer,
      frames: { count, read: async (i) => clip.frames[i]! },
      flow: nodeFlowProvider(),
      frameIterations: iterations,
      tolerance: 0,
      onFrame: (r) => void out.push(r),
    });
  } finally {
    await stylizer.release();
  }
  return out.slice(1);
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

// Warm OpenCV's WASM up so its one-off start is not counted as flow time.
await nodeFlowProvider().flow(toGray(clip.frames[0]!), toGray(clip.frames[1]!));
const independent = await run(0);
const temporal = await run(VIDEO_DEFAULTS.temporalWeight as number);
const perFrame = (r: FrameResult[]) => median(r.map((f) => (f.flowMs + f.stylizeMs) / 1000));
const flowShare = median(temporal.map((f) => f.flowMs / (f.flowMs + f.stylizeMs)));
console.log(`video pipeline, ${clip.spec.width}×${clip.spec.height}, VGG19 shapes (random weights), ${iterations} L-BFGS iterations per frame, ${count - 1} later frames, medians`);
console.log(`  independent frames     ${perFrame(independent).toFixed(2)} s/frame`);
console.log(`  with the temporal term ${perFrame(temporal).toFixed(2)} s/frame  (flow + reliability + warps ${median(temporal.map((f) => f.flowMs))} ms/frame, ${(100 * flowShare).toFixed(1)}% of the frame)`);
