/**
 * The tiled evaluation against the whole-image one at a size where both fit: 384×288 cut
 * into 2×2 tiles (interiors 192×144, margins of 96 px for relu5_1), with max and average
 * pooling, with two style images of their own sizes (tiled too), with content masks (two
 * regions; style masks too), with the W2 style loss and with layer weights. The parts must agree
 * to 1e-4 relative, the gradient in direction (cosine > 0.9999) and length (1e-3), and the
 * tiled targets with the whole-image ones.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { fitMaxSide, resize } from '../../src/image/resize.js';
import type { RunShape } from '../../src/losses/index.js';
import { resizeMask, type Mask } from '../../src/masks/index.js';
import { toNetworkInput } from '../../src/models/preprocessing.js';
import { randomVggModel } from '../../src/models/random-model.js';
import { DEFAULT_STYLIZE_OPTIONS, type StylizeOptions } from '../../src/options/index.js';
import { FeatureExtractor, type Targets } from '../../src/runtime/features.js';
import { CompiledObjective } from '../../src/runtime/objective.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { TiledObjective } from '../../src/tiles/tiled-objective.js';
import { Rng } from '../../src/util/random.js';
import { pattern } from '../helpers/pattern-image.js';

const ortModule = ort as unknown as OrtModule;
const model = randomVggModel('vgg19', 0, [4, 8, 8, 8, 8]);
const net = { table: model.table, weights: model.weights };
const W = 384;
const H = 288;
const content = pattern(W, H, (x, y, c) => 0.5 + 0.4 * Math.sin(x / (7 + c) + y / 11) * Math.cos(y / 5));
const styles = [
  pattern(200, 160, (x, y, c) => (Math.floor(x / 9 + y / 13) % 2 ? [0.9, 0.7, 0.1][c]! : [0.1, 0.2, 0.8][c]!)),
  pattern(150, 190, (x, y, c) => ((x * y + 7 * c) % 23) / 23),
];

/** Content masks at the content's size and style masks at each style's: spatial control (Gatys et al. 2017). */
interface Control {
  contentMasks: Mask[];
  styleMasks?: Mask[];
}

async function compare(o: StylizeOptions, styleImages = styles.slice(0, 1), control?: Control) {
  const pre = model.preprocessing;
  const run: RunShape = { styles: styleImages.length, masked: control !== undefined };
  const styleSide = Math.round(o.imageSize * o.styleScale);
  const styleInputs = styleImages.map((s) => {
    const z = fitMaxSide(s.width, s.height, styleSide);
    return { data: toNetworkInput(resize(s, z.width, z.height), pre), ...z };
  });
  const c = toNetworkInput(content, pre);
  const weights = o.styleBlendWeights ?? styleImages.map(() => 1);

  const extractor = await FeatureExtractor.create(ortModule, net, o, { run });
  const whole = await CompiledObjective.create(ortModule, net, o, { run });
  const perStyle: Targets[] = [];
  for (const [i, s] of styleInputs.entries()) perStyle.push(await extractor.extract(s.data, s.width, s.height, 'style', control?.styleMasks?.[i]));
  // Blended, stacked per region or derived (W2's Σ^½) as each term asks: the same step for both.
  const targets = { ...(await extractor.styleTargets(perStyle, weights)), ...(await extractor.extract(c, W, H, 'content')) };

  const tiled = await TiledObjective.create(ortModule, net, o, { run });
  // Style targets in tiles too: a masked run's are guided Grams under each style's style mask.
  expect(tiled.canExtract('style')).toBe(true);
  const tiledPerStyle: Targets[] = [];
  for (const [i, s] of styleInputs.entries()) tiledPerStyle.push(await tiled.extract(s.data, s.width, s.height, 'style', 96, undefined, control?.styleMasks?.[i]));
  const tiledTargets = { ...(await extractor.styleTargets(tiledPerStyle, weights)), ...(await tiled.extract(c, W, H, 'content', 192)) };
  expect(tiled.tilesFor(W, H, 192)).toHaveLength(4);
  expect(tiled.tilesFor(styleInputs[0]!.width, styleInputs[0]!.height, 96).length).toBeGreaterThan(1);

  // Targets: the same tensors.
  for (const [term, layers] of Object.entries(targets)) {
    for (const [layer, t] of layers) {
      const u = tiledTargets[term]!.get(layer)!;
      expect(u.dims, `${term} ${layer}`).toEqual(t.dims);
      expect(relDiff(u.data, t.data), `${term} ${layer}`).toBeLessThan(1e-4);
    }
  }

  const x = new Rng(5).fillNormal(new Float32Array(3 * W * H), 20);
  for (let i = 0; i < x.length; i++) x[i]! += c[i]!;
  const masks = control?.contentMasks.map((m) => resizeMask(m, W, H));
  const a = await whole.bind(targets, W, H, {}, masks).evaluate(x);
  const b = await tiled.bind(tiledTargets, W, H, 192, undefined, masks).evaluate(x);
  await Promise.all([extractor.release(), whole.release(), tiled.release()]);
  return { a, b };
}

function relDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    n += b[i]! ** 2;
  }
  return Math.sqrt(d / n);
}

function expectSame({ a, b }: Awaited<ReturnType<typeof compare>>, label = '') {
  // The same parts, in the same order (a video-only term left out of both).
  expect(Object.keys(b.parts)).toEqual(Object.keys(a.parts));
  const errors: string[] = [];
  for (const [name, v] of Object.entries(a.parts)) {
    expect(v, name).toBeGreaterThan(0);
    const rel = Math.abs(b.parts[name]! - v) / v;
    errors.push(`${name} ${rel.toExponential(1)}`);
    expect(rel, name).toBeLessThan(1e-4);
  }
  expect(Math.abs(b.loss - a.loss) / a.loss).toBeLessThan(1e-4);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.grad.length; i++) {
    dot += a.grad[i]! * b.grad[i]!;
    na += a.grad[i]! ** 2;
    nb += b.grad[i]! ** 2;
  }
  const cosine = dot / Math.sqrt(na * nb);
  const ratio = Math.sqrt(nb / na);
  // The measured agreement, for the record (the thresholds are below).
  if (label) console.info(`${label}: parts relative error ${errors.join(', ')}; cosine ${cosine.toFixed(8)}; norm ratio ${ratio.toFixed(6)}`);
  expect(cosine).toBeGreaterThan(0.9999);
  expect(Math.abs(ratio - 1)).toBeLessThan(1e-3);
}

/** A soft mask whose edge runs across the tiles' seams: a smoothstep across a slanted line. */
function slanted(w: number, h: number, flip: boolean): Mask {
  const data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const t = Math.min(1, Math.max(0, (x + 0.4 * y - 0.55 * w) / 40 + 0.5));
      const v = t * t * (3 - 2 * t);
      data[y * w + x] = flip ? 1 - v : v;
    }
  }
  return { width: w, height: h, data };
}

/** A disc (hard-edged) in a style image: where that style's statistics come from. */
function disc(w: number, h: number): Mask {
  const data = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (0.4 * Math.min(w, h)) ** 2 ? 1 : 0;
  return { width: w, height: h, data };
}

const base: StylizeOptions = { ...DEFAULT_STYLIZE_OPTIONS, imageSize: W, styleWeight: 1e4, tvWeight: 0.01 };

describe('tiled evaluation equals the whole image’s (384×288, 2×2 tiles)', () => {
  it('max pooling', async () => {
    expectSame(await compare(base));
  });

  it('average pooling, two content layers', async () => {
    expectSame(await compare({ ...base, pooling: 'avg', contentLayers: ['relu2_2', 'relu4_2'] }));
  });

  it('every conv (and input gradient) in Winograd F4, in the tiles and in the whole image', async () => {
    expectSame(await compare({ ...base, convAlgorithm: 'winograd' }));
  });

  it('two styles with blend weights, style scale 0.6', async () => {
    expectSame(await compare({ ...base, styleScale: 0.6, styleBlendWeights: [3, 1] }, styles));
  });

  // Masks of another size than the content (resized to it, then taken down the layers whole
  // and cut per tile), with an edge across the seams between tiles.
  const contentMasks = [slanted(200, 150, false), slanted(200, 150, true)];

  it('content masks: two styles in two regions, blend weights', async () => {
    expectSame(await compare({ ...base, styleBlendWeights: [3, 1] }, styles, { contentMasks }), 'masks');
  });

  it('content and style masks, masks eroded inside the regions, layer weights', async () => {
    const styleMasks = [disc(200, 160), slanted(150, 190, true)];
    const o: StylizeOptions = { ...base, maskMode: 'inside', styleLayerWeights: [256, 64, 16, 4, 1], contentLayerWeights: [1] };
    expectSame(await compare(o, styles, { contentMasks, styleMasks }), 'masks + style masks, inside');
  });

  it('W2 style loss, two styles blended, style scale 0.6', async () => {
    expectSame(await compare({ ...base, styleLoss: 'w2', styleWeight: 1000, styleScale: 0.6, styleBlendWeights: [3, 1] }, styles), 'w2');
  });

  it('layer weights (style and two content layers)', async () => {
    const o: StylizeOptions = { ...base, contentLayers: ['relu2_2', 'relu4_2'], contentLayerWeights: [1, 3], styleLayerWeights: [256, 64, 16, 4, 1] };
    expectSame(await compare(o), 'layer weights');
  });
});
