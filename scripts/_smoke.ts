import * as ort from 'onnxruntime-node';
import { vgg16Table } from '../src/models/layers.js';
import { torchvisionPreprocessing } from '../src/models/preprocessing.js';
import type { ConvWeights } from '../src/models/types.js';
import { stylize } from '../src/stylize/stylize.js';
import { Rng } from '../src/util/random.js';
import { registerNodeBackends } from '../src/backends/register-node.js';
registerNodeBackends();
const rng = new Rng(3);
const widths = [4, 6, 8, 10, 12];
const weights: ConvWeights = new Map();
let cin = 3;
for (const l of vgg16Table.layers) if (l.kind === 'conv') {
  const b = Number(l.name[4]) - 1; const cout = widths[b]!;
  weights.set(l.name, { weight: { dims: [cout, cin, 3, 3], data: rng.fillNormal(new Float32Array(cout * cin * 9), Math.sqrt(2 / (cin * 9))) }, bias: { dims: [cout], data: rng.fillNormal(new Float32Array(cout), 0.1) } });
  cin = cout;
}
const img = (w: number, h: number, f: (x: number, y: number, c: number) => number) => { const d = new Float32Array(w * h * 3); for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) d[(y * w + x) * 3 + c] = f(x, y, c); return { width: w, height: h, data: d }; };
const content = img(160, 120, (x, y, c) => 0.5 + 0.4 * Math.sin(x / 9 + c) * Math.cos(y / 7));
const style = img(140, 150, (x, y, c) => ((Math.floor(x / 10) + Math.floor(y / 10) + c) % 2) * 0.8 + 0.1);
const method = process.argv[2] ?? 'strotss';
const size = Number(process.argv[3] ?? 128);
const t0 = Date.now();
const r = await stylize({ ort, model: { name: 'narrow', table: vgg16Table, weights, preprocessing: torchvisionPreprocessing }, styles: [style], content,
  options: { method, imageSize: size, numIterations: Number(process.argv[4] ?? 20), backend: 'cpu' } as never,
  onProgress: (p) => { if (p.iteration % 5 === 0 || p.iteration < 2) console.log(p.iteration, p.size, p.loss.toFixed(5), JSON.stringify(p.parts)); } });
console.log('done', r.iterations, r.image.width, r.image.height, Date.now() - t0, 'ms');
