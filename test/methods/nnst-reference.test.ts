/**
 * NNST-Opt (src/methods/nnst) against a PyTorch reference written from the definitions
 * (scripts/make-nnst-fixture.py, float64, a narrow random VGG-16 in torchvision's layout):
 * the hypercolumns of an image and of the style's rotations, the nearest-neighbour targets,
 * the hypercolumn loss and the layer-match loss with their gradients, and the loss the
 * first progress report of a two-scale `method: 'nnst'` run gives.
 *
 * Tolerances (the project issue's): values within 1e-4 (relative to the largest reference
 * value of the tensor), losses within 1e-4 relative, gradients with cosine > 0.9999 and
 * norm ratio within 1e-3 of 1. Our side runs in float32 on onnxruntime's CPU provider.
 */
import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/index.js';
import { encodeModel } from '../../src/graph/encode.js';
import type { RgbImage } from '../../src/image/types.js';
import { vgg16Table } from '../../src/models/layers.js';
import { toNetworkInput, torchvisionPreprocessing } from '../../src/models/preprocessing.js';
import type { ConvWeights, Tensor } from '../../src/models/types.js';
import { HYPERCOLUMN_LAYERS, hypercolumnGraph } from '../../src/methods/nnst/hypercolumns.js';
import { layerMapName, layerMapsGraph } from '../../src/methods/layer-maps.js';
import { centredUnit, gatherColumns, joinColumns, nearestIndices, searchGraph, unitColumns, type Columns } from '../../src/methods/nnst/neighbours.js';
import { stackRows, swapAxes, turn, TURNS, type Planes } from '../../src/methods/nnst/rotations.js';
import { hypercolumnTerm, layerMatchTerm, nnstInputs } from '../../src/methods/nnst/terms.js';
import { resolveOptions } from '../../src/options/index.js';
import { CompiledObjective } from '../../src/runtime/objective.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { stylize, type Progress } from '../../src/stylize/stylize.js';
import { compareGradients } from '../helpers/parity-fixture.js';

interface ImageEntry {
  height: number;
  width: number;
  /** Planar [3, H, W] codes k: the value is k / 256 (exact in float32 and float64). */
  codes: number[];
}
interface Stats {
  dims: number[];
  sum: number;
  sumSquares: number;
  ramp: number;
}
interface DataTensor {
  dims: number[];
  data: number[];
}
interface Fixture {
  torch: string;
  widths: number[];
  layers: string[];
  weights: Record<string, { weight: DataTensor; bias: DataTensor }>;
  images: { content: ImageEntry; style: ImageEntry; x: ImageEntry };
  hypercolumns: { content: DataTensor; style: DataTensor[] };
  neighbours: { indices: number[]; minMargin: number; targets: DataTensor };
  hypercolumnLoss: { loss: number; grad: number[] };
  styleMaps: Record<string, Stats>;
  layerMatch: Array<{ name: string; sampling: Record<string, [number, number, number]>; loss: number; perLayer: Record<string, number>; minMargin: number; grad: number[] }>;
  nnst: { content: ImageEntry; style: ImageEntry; imageSize: number; pyramidLevels: number; scales: number; zeroed: number; loss: number; minMargin: number; start: Stats; query: Stats; targets: Stats };
}

const fx = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'nnst', 'nnst.json'), 'utf8')) as Fixture;
const ortModule = ort as unknown as OrtModule;

const tensor = (t: DataTensor): Tensor => ({ dims: t.dims, data: Float32Array.from(t.data) });
const weights: ConvWeights = new Map(Object.entries(fx.weights).map(([name, w]) => [name, { weight: tensor(w.weight), bias: tensor(w.bias) }]));
const net = { table: vgg16Table, weights, preprocessing: torchvisionPreprocessing };

/** 0–1 RGB, planar [3, H, W]. */
const planar = (img: ImageEntry): Planes => ({ channels: 3, width: img.width, height: img.height, data: Float32Array.from(img.codes, (k) => k / 256) });
/** The same image as an RgbImage (interleaved). */
function rgbImage(img: ImageEntry): RgbImage {
  const { width, height } = img;
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) for (let i = 0; i < plane; i++) data[i * 3 + c] = img.codes[c * plane + i]! / 256;
  return { width, height, data };
}
/** The torchvision-preprocessed network input of planar 0–1 RGB. */
function networkInput(p: Planes): Float32Array {
  const img: RgbImage = { width: p.width, height: p.height, data: new Float32Array(p.data.length) };
  const plane = p.width * p.height;
  for (let c = 0; c < 3; c++) for (let i = 0; i < plane; i++) img.data[i * 3 + c] = p.data[c * plane + i]!;
  return toNetworkInput(img, torchvisionPreprocessing);
}

/** max |ours − ref| / max |ref|. */
function relMaxError(ours: ArrayLike<number>, ref: ArrayLike<number>): number {
  expect(ours.length).toBe(ref.length);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(ours[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return err / scale;
}
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

/** The sums the fixture keeps instead of a tensor (scripts/make-nnst-fixture.py `stats`). */
function stats(data: ArrayLike<number>): { sum: number; sumSquares: number; ramp: number } {
  let sum = 0;
  let sumSquares = 0;
  let ramp = 0;
  for (let k = 0; k < data.length; k++) {
    const v = data[k]!;
    sum += v;
    sumSquares += v * v;
    ramp += v * (1 + (0.37 * k) / data.length);
  }
  return { sum, sumSquares, ramp };
}

const TOL = 1e-4;
const COSINE = 0.9999;
const NORM = 1e-3;
/** Measured deviations, printed at the end (the report quotes them). */
const measured: string[] = [];
const note = (what: string, value: number | string) => measured.push(`${what}: ${typeof value === 'number' ? value.toExponential(3) : value}`);

describe(`NNST against PyTorch ${fx.torch} (float64 reference, VGG-16 widths ${fx.widths.join('/')})`, () => {
  let hypercolumnSession: InferenceSession;
  const hypercolumnsOf = async (p: Planes) => {
    const out = await hypercolumnSession.run({ x: new ort.Tensor('float32', networkInput(p), [1, 3, p.height, p.width]) }, ['hypercolumns']);
    const t = out['hypercolumns']!;
    const [, C, h, w] = t.dims as number[];
    return { dims: [1, C!, h!, w!], columns: { channels: C!, count: h! * w!, data: Float32Array.from(t.data as Float32Array) } satisfies Columns };
  };
  const content = planar(fx.images.content);
  const style = planar(fx.images.style);
  const x = planar(fx.images.x);
  const views = [style, ...TURNS.map((how) => turn(style, how))];

  beforeAll(async () => {
    hypercolumnSession = await ort.InferenceSession.create(encodeModel(hypercolumnGraph(net)));
  });
  afterAll(async () => {
    await hypercolumnSession?.release();
    console.log(`NNST reference deviations:\n  ${measured.join('\n  ')}`);
  });

  it('hypercolumns of the content: ten layers, each ÷ its channels, aligned-corner resized to ⌊H/4⌋ × ⌊W/4⌋', async () => {
    const ours = await hypercolumnsOf(content);
    expect(ours.dims).toEqual(fx.hypercolumns.content.dims);
    const e = relMaxError(ours.columns.data, fx.hypercolumns.content.data);
    note('content hypercolumns, max error / max value', e);
    expect(e).toBeLessThan(TOL);
  });

  it("hypercolumns of the style and of its three quarter turns (rotations.ts's turns)", async () => {
    for (const [k, v] of views.entries()) {
      const ours = await hypercolumnsOf(v);
      expect(ours.dims, `view ${k}`).toEqual(fx.hypercolumns.style[k]!.dims);
      const e = relMaxError(ours.columns.data, fx.hypercolumns.style[k]!.data);
      note(`style view ${k} hypercolumns, max error / max value`, e);
      expect(e, `view ${k}`).toBeLessThan(TOL);
    }
  });

  it('nearest-neighbour targets: the same style column for every query (centred cosine), from the reference hypercolumns and from ours', async () => {
    expect(fx.neighbours.minMargin).toBeGreaterThan(1e-5); // no near-tie the float32 search could flip
    const search = await ort.InferenceSession.create(encodeModel(searchGraph()));
    try {
      const refStyles = joinColumns(fx.hypercolumns.style.map((t) => ({ channels: t.dims[1]!, count: t.dims[2]! * t.dims[3]!, data: Float32Array.from(t.data) })));
      const c = fx.hypercolumns.content.dims;
      const refQueries: Columns = { channels: c[1]!, count: c[2]! * c[3]!, data: Float32Array.from(fx.hypercolumns.content.data) };
      const ourStyles = joinColumns(await Promise.all(views.map(async (v) => (await hypercolumnsOf(v)).columns)));
      const ourQueries = (await hypercolumnsOf(content)).columns;
      for (const [label, q, s] of [['reference hypercolumns', refQueries, refStyles], ['our hypercolumns', ourQueries, ourStyles]] as const) {
        // A chunk of 16 rows: several chunks, the last one short. The style set goes in as it is: the search centres it.
        const idx = await nearestIndices(ortModule, search, centredUnit(q), s, q.count, 16);
        const wrong = Array.from(idx).filter((j, i) => j !== fx.neighbours.indices[i]).length;
        note(`neighbour indices from ${label}, mismatches`, `${wrong} of ${idx.length}`);
        expect(wrong, label).toBe(0);
        const e = relMaxError(gatherColumns(s, idx), fx.neighbours.targets.data);
        note(`targets from ${label}, max error / max value`, e);
        expect(e, label).toBeLessThan(TOL);
      }
    } finally {
      await search.release();
    }
  });

  it('the hypercolumn loss and its gradient with respect to the RGB image', async () => {
    const options = resolveOptions({ method: 'nnst', backend: 'cpu', optimizeSpace: 'rgb', hypercolumnWeight: 1 });
    const objective = await CompiledObjective.create(ortModule, net, options, { terms: [hypercolumnTerm], backend: cpuBackend });
    try {
      const [, C, h, w] = fx.hypercolumns.content.dims as [number, number, number, number];
      const target = unitColumns({ channels: C, count: h * w, data: Float32Array.from(fx.neighbours.targets.data) });
      const evaluator = objective.bind({}, x.width, x.height, { [nnstInputs.target]: { dims: [1, C, h, w], data: target } });
      const e = await evaluator.evaluate(x.data);
      const g = compareGradients(e.grad, Float32Array.from(fx.hypercolumnLoss.grad));
      note('hypercolumn loss, relative error', rel(e.loss, fx.hypercolumnLoss.loss));
      note('hypercolumn gradient, 1 − cosine', 1 - g.cosine);
      note('hypercolumn gradient, |norm ratio − 1|', Math.abs(g.normRatio - 1));
      expect(rel(e.loss, fx.hypercolumnLoss.loss)).toBeLessThan(TOL);
      expect(rel(e.parts['hypercolumn']!, fx.hypercolumnLoss.loss)).toBeLessThan(TOL);
      expect(g.cosine).toBeGreaterThan(COSINE);
      expect(Math.abs(g.normRatio - 1)).toBeLessThan(NORM);
    } finally {
      await objective.release();
    }
  });

  it('the layer-match loss and its gradient, at the strides the run would draw here and at fixed strides and offsets', async () => {
    // Each layer's style map: the style's and its turns' (quarter turns' axes swapped back), stacked along the rows.
    const maps = await ort.InferenceSession.create(encodeModel(layerMapsGraph(net, HYPERCOLUMN_LAYERS)));
    const perLayer = new Map<string, Planes[]>(HYPERCOLUMN_LAYERS.map((l) => [l, []]));
    try {
      for (const [k, v] of views.entries()) {
        const out = await maps.run({ x: new ort.Tensor('float32', networkInput(v), [1, 3, v.height, v.width]) });
        for (const l of HYPERCOLUMN_LAYERS) {
          const t = out[layerMapName(l)]!;
          const [, C, h, w] = t.dims as number[];
          const map: Planes = { channels: C!, height: h!, width: w!, data: Float32Array.from(t.data as Float32Array) };
          perLayer.get(l)!.push(k === 1 || k === 3 ? swapAxes(map) : map);
        }
      }
    } finally {
      await maps.release();
    }
    const feeds: Record<string, Tensor> = {};
    for (const l of HYPERCOLUMN_LAYERS) {
      const s = stackRows(perLayer.get(l)!);
      const ref = fx.styleMaps[l]!;
      expect([1, s.channels, s.height, s.width], l).toEqual(ref.dims);
      const ours = stats(s.data);
      const e = Math.max(rel(ours.sum, ref.sum), rel(ours.sumSquares, ref.sumSquares), rel(ours.ramp, ref.ramp));
      note(`stacked style map ${l}, worst relative error of its sums`, e);
      expect(e, l).toBeLessThan(TOL);
      feeds[nnstInputs.styleMap(l)] = { dims: [1, s.channels, s.height, s.width], data: s.data };
    }

    const options = resolveOptions({ method: 'nnst', backend: 'cpu', optimizeSpace: 'rgb', layerMatchWeight: 1 });
    const objective = await CompiledObjective.create(ortModule, net, options, { terms: [layerMatchTerm], backend: cpuBackend });
    try {
      // At this size every map is at most 64 a side: the run draws stride 1, offset 0 (the 'rule' case).
      const drawn = objective.iterationFeeds(0, x.width, x.height, 1)!;
      for (const l of HYPERCOLUMN_LAYERS) expect(Array.from(drawn[nnstInputs.sampling(l)]!.data as BigInt64Array, Number), l).toEqual(fx.layerMatch.find((c) => c.name === 'rule')!.sampling[l]);
      const evaluator = objective.bind({}, x.width, x.height, feeds);
      for (const c of fx.layerMatch) {
        const sampling = Object.fromEntries(HYPERCOLUMN_LAYERS.map((l) => [nnstInputs.sampling(l), { dims: [3], data: BigInt64Array.from(c.sampling[l]!, BigInt) }]));
        const e = await evaluator.evaluate(x.data, sampling);
        const g = compareGradients(e.grad, Float32Array.from(c.grad));
        note(`layer match (${c.name}) loss, relative error`, rel(e.loss, c.loss));
        note(`layer match (${c.name}) gradient, 1 − cosine`, 1 - g.cosine);
        note(`layer match (${c.name}) gradient, |norm ratio − 1|`, Math.abs(g.normRatio - 1));
        expect(rel(e.loss, c.loss), c.name).toBeLessThan(TOL);
        expect(g.cosine, c.name).toBeGreaterThan(COSINE);
        expect(Math.abs(g.normRatio - 1), c.name).toBeLessThan(NORM);
      }
    } finally {
      await objective.release();
    }
  });

  it("a two-scale run's first report: the hypercolumn loss of the start at the coarsest scale against the content's targets there", async () => {
    const run = fx.nnst;
    expect(run.scales).toBe(2);
    expect(run.minMargin).toBeGreaterThan(1e-5);
    const reports: Progress[] = [];
    const stop = new AbortController();
    await stylize({
      ort: ortModule,
      model: { name: 'nnst-fixture', table: vgg16Table, weights, preprocessing: torchvisionPreprocessing },
      styles: [rgbImage(run.style)],
      content: rgbImage(run.content),
      options: { method: 'nnst', imageSize: run.imageSize, numIterations: 1, backend: 'cpu' },
      signal: stop.signal,
      onProgress: (p) => {
        reports.push(p);
        stop.abort(); // the first report is all this test reads
      },
    });
    const first = reports[0]!;
    expect(first.iteration).toBe(0);
    // The coarsest scale: the image halved scales − 1 times.
    expect(first.size).toBe(Math.floor(run.imageSize / 2 ** (run.scales - 1)));
    expect(first.stage).toMatchObject({ index: 1 });
    note('NNST iteration-0 loss, relative error', rel(first.loss, run.loss));
    expect(rel(first.loss, run.loss)).toBeLessThan(TOL);
  });
});
