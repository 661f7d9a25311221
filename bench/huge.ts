/**
 * `npm run bench:huge`: one evaluation of the whole objective at print size, tile by tile
 * (src/tiles), with VGG19 of the real shapes and seeded random weights. Reports the tile
 * size the memory estimate chose for the budget, the time of the targets and of each
 * evaluation, and the process's peak RSS; and shows that the untiled run of the same size
 * is refused by the estimate. A benchmark, not a test: at 4096×3072 on 2 cores it takes
 * minutes.
 *
 *   npm run bench:huge -- [--width 4096] [--height 3072] [--budget-gib 8] [--evaluations 1] [--tile N]
 */
import * as ort from 'onnxruntime-node';
import { NeuralStyleError } from '../src/errors.js';
import { toNetworkInput } from '../src/models/preprocessing.js';
import { randomVggModel } from '../src/models/random-model.js';
import { resolveOptions } from '../src/options/index.js';
import { cpuBackend } from '../src/backends/index.js';
import { registerNodeBackends } from '../src/backends/register-node.js';
import type { OrtModule } from '../src/runtime/ort.js';
import { checkMemory, chooseTile, runMemory } from '../src/stylize/preflight.js';
import { blendTargets } from '../src/runtime/features.js';
import { TiledObjective } from '../src/tiles/tiled-objective.js';
import { int, num, readArgs } from './args.js';
import { median, peakRssBytes } from './common.js';

const { values: args } = readArgs({
  usage: 'npm run bench:huge -- [options]',
  flags: {
    width: int(4096, 'image width'),
    height: int(3072, 'image height'),
    'budget-gib': num(8, 'memory budget the tile size is chosen for, GiB'),
    evaluations: int(1, 'timed evaluations'),
    tile: int(0, 'tile side in px (0: the largest the budget allows)'),
  },
});
// Node's backends, as src/node.ts registers them: the library picks a run's backend from that registry.
registerNodeBackends();
const { width, height, evaluations } = args;
const budget = args['budget-gib'] * 2 ** 30;
const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;

function image(w: number, h: number, f: (x: number, y: number, c: number) => number) {
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) data[3 * (y * w + x) + c] = f(x, y, c);
  return { width: w, height: h, data };
}

const model = randomVggModel('vgg19', 0);
const content = image(width, height, (x, y, c) => 0.5 + 0.4 * Math.sin(x / (37 + 11 * c)) * Math.cos(y / 29));
const style = image(width, height, (x, y, c) => (Math.floor(x / 53 + y / 41) % 2 ? [0.9, 0.6, 0.1][c]! : [0.1, 0.3, 0.8][c]!));
// Adam: at this size L-BFGS's history of 100 image-sized vectors alone is ~28 GiB.
const options = resolveOptions({ imageSize: Math.max(width, height), optimizer: 'adam' }, 1);
const plan = { table: model.table, content, styles: [style], options, availableBytes: budget };

// The untiled run of the same size: refused, with the way out.
try {
  checkMemory({ ...plan, options: { ...options, tile: 'off' } });
  console.log('untiled: the estimate lets it run (unexpected at this size)');
} catch (e) {
  if (!(e instanceof NeuralStyleError)) throw e;
  console.log(`untiled: refused: ${e.parts.map((p) => (typeof p === 'string' ? p : `--${p.option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)).join('')}`);
}
const tile = args.tile || chooseTile(plan);
const estimate = runMemory(plan, tile);
console.log(`tile ${tile} px chosen for a ${gib(budget)} budget; estimated peak ${gib(estimate.total)}`);

const net = { table: model.table, weights: model.weights };
const started = Date.now();
const tiled = await TiledObjective.create(ort as unknown as OrtModule, net, options, { backend: cpuBackend });
console.log(`${tiled.tilesFor(width, height, tile).length} tiles; sessions built in ${((Date.now() - started) / 1000).toFixed(1)} s`);

let t = Date.now();
const styleTargets = blendTargets([await tiled.extract(toNetworkInput(style, model.preprocessing), width, height, 'style', tile)], [1]);
console.log(`style targets: ${((Date.now() - t) / 1000).toFixed(1)} s; peak RSS so far ${gib(peakRssBytes())}`);
t = Date.now();
const x = toNetworkInput(content, model.preprocessing);
const contentTargets = await tiled.extract(x, width, height, 'content', tile);
console.log(`content targets: ${((Date.now() - t) / 1000).toFixed(1)} s; peak RSS so far ${gib(peakRssBytes())}`);

const evaluator = tiled.bind({ ...styleTargets, ...contentTargets }, width, height, tile);
const times: number[] = [];
for (let i = 0; i < evaluations; i++) {
  for (let k = 0; k < x.length; k += 97) x[k]! += 1; // a different image each time
  t = Date.now();
  const r = await evaluator.evaluate(x);
  times.push((Date.now() - t) / 1000);
  console.log(`evaluation ${i + 1}: ${times.at(-1)!.toFixed(1)} s, loss ${r.loss.toExponential(3)} (${Object.entries(r.parts).map(([k, v]) => `${k} ${v.toExponential(3)}`).join(', ')})`);
}
await tiled.release();
console.log(`${width}×${height}, tile ${tile}: ${median(times).toFixed(1)} s per evaluation (median of ${times.length}); peak RSS ${gib(peakRssBytes())} (estimate ${gib(estimate.total)})`);
