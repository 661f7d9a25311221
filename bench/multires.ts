/**
 * `npm run bench:multires`: coarse-to-fine against a single scale, by time-to-loss. Both
 * runs use the library's stylize() (L-BFGS from noise, jcjohnson's defaults) with VGG19 of
 * the real shapes and seeded random weights, and both are scored by the same objective at
 * the final size, so their losses compare directly. A benchmark, not a test.
 *
 *   npm run bench:multires -- [--size 256] [--iterations 100] [--coarse-iterations 100] [--fine-iterations 25]
 *
 * Uses ../shared/images/tubingen.jpg and starry_night.jpg when present, else generated images.
 */
import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { registerNodeBackends } from '../src/backends/register-node.js';
import { readImage } from '../src/image/decode-node.js';
import type { RgbImage } from '../src/image/types.js';
import { randomVggModel } from '../src/models/random-model.js';
import type { OrtModule } from '../src/runtime/ort.js';
import { stylize } from '../src/stylize/stylize.js';
import { int, readArgs } from './args.js';

const { values: args } = readArgs({
  usage: 'npm run bench:multires -- [options]',
  flags: {
    size: int(256, 'final image size'),
    iterations: int(100, 'L-BFGS iterations of the single-scale run'),
    'coarse-iterations': int(100, 'iterations of the multires run at half the size'),
    'fine-iterations': int(25, 'iterations of the multires run at the final size'),
  },
});
// Node's backends, as src/node.ts registers them: the library picks a run's backend from that registry.
registerNodeBackends();

function generated(width: number, height: number, f: (x: number, y: number, c: number) => number): RgbImage {
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data[3 * (y * width + x) + c] = f(x, y, c);
  return { width, height, data };
}

async function images(): Promise<{ content: RgbImage; style: RgbImage; source: string }> {
  const dir = new URL('../../shared/images/', import.meta.url).pathname;
  if (existsSync(`${dir}tubingen.jpg`) && existsSync(`${dir}starry_night.jpg`)) {
    return { content: await readImage(`${dir}tubingen.jpg`), style: await readImage(`${dir}starry_night.jpg`), source: '../shared/images (tubingen, starry_night)' };
  }
  return {
    content: generated(512, 384, (x, y, c) => [x / 511, y / 383, 0.5][c]!),
    style: generated(512, 512, (x, y, c) => 0.5 + 0.5 * Math.sin((x + 2 * y) / (7 + 5 * c))),
    source: 'generated',
  };
}

const { size, iterations } = args;
const coarseIterations = args['coarse-iterations'];
const fineIterations = args['fine-iterations'];
const coarse = Math.round(size / 2);

const { content, style, source } = await images();
const model = randomVggModel('vgg19', 0);
const base = { ort: ort as unknown as OrtModule, model, content, styles: [style] };
console.log(`multires bench: VGG19 random weights, images ${source}, L-BFGS from noise, final size ${size}`);

type Point = { ms: number; loss: number };
async function run(label: string, options: Parameters<typeof stylize>[0]['options'], finalFrom: number): Promise<Point[]> {
  const points: Point[] = [];
  const start = Date.now();
  await stylize({
    ...base,
    options,
    onProgress: (p) => {
      // Only iterations at the final size are scored: earlier stages' losses are at another size.
      if (p.iteration >= finalFrom) points.push({ ms: Date.now() - start, loss: p.loss });
    },
  });
  const last = points.at(-1)!;
  console.log(`${label}: ${(last.ms / 1000).toFixed(1)} s, final loss ${last.loss.toPrecision(4)} at ${size} px`);
  return points;
}

const single = await run(`single scale (${iterations} iterations at ${size})`, { imageSize: size, numIterations: iterations }, 0);
const multi = await run(
  `multires (${coarseIterations} at ${coarse}, then ${fineIterations} at ${size})`,
  { imageSize: size, multires: [coarse], multiresIterations: [coarseIterations], numIterations: fineIterations },
  coarseIterations + 1,
);
const target = multi.at(-1)!;
const reached = single.find((p) => p.loss <= target.loss);
console.log(
  reached
    ? `single scale first reached the multires final loss ${target.loss.toPrecision(4)} after ${(reached.ms / 1000).toFixed(1)} s ` +
        `(multires: ${(target.ms / 1000).toFixed(1)} s, ${(target.ms / reached.ms).toFixed(2)}× the time)`
    : `single scale never reached the multires final loss ${target.loss.toPrecision(4)} in ${iterations} iterations ` +
        `(${(single.at(-1)!.ms / 1000).toFixed(1)} s; multires took ${(target.ms / 1000).toFixed(1)} s)`,
);
