/**
 * `--json` iteration 0 is the objective at the initial image, exactly as the core
 * computes it (CompiledObjective directly, with targets from FeatureExtractor): so any
 * outside reference can compare against those numbers. Also covers how the CLI feeds the
 * core: several styles with blend weights (repeated and comma-separated), --style-scale,
 * and the seeded noise of --init random.
 */
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage } from '../../src/image/decode-node.js';
import { fitMaxSide, resize } from '../../src/image/resize.js';
import type { RgbImage } from '../../src/image/types.js';
import { toNetworkInput } from '../../src/models/preprocessing.js';
import { resolveModel } from '../../src/models/resolve-node.js';
import type { LoadedModel } from '../../src/models/types.js';
import { blendTargets, FeatureExtractor } from '../../src/runtime/features.js';
import { CompiledObjective } from '../../src/runtime/objective.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { cpuBackend } from '../../src/backends/index.js';
import { DEFAULT_STYLIZE_OPTIONS } from '../../src/options/index.js';
import { Rng } from '../../src/util/random.js';
import { cli, type Fixture, makeFixture } from './helpers.js';

const SIZE = 32;
let f: Fixture;
let model: LoadedModel;

beforeAll(async () => {
  f = await makeFixture('ns-parity-');
  model = await resolveModel({ model: 'vgg19-random' });
});
afterAll(() => f.cleanup());

/** The objective at the initial image, computed from the core's parts. */
async function coreIteration0(opts: { styles: string[]; weights?: number[]; styleScale?: number; init: 'image' | { seed: number } }) {
  const o = { ...DEFAULT_STYLIZE_OPTIONS, imageSize: SIZE };
  const spec = o;
  const net = { table: model.table, weights: model.weights };
  const fit = (img: RgbImage, side: number) => {
    const s = fitMaxSide(img.width, img.height, side);
    return resize(img, s.width, s.height);
  };
  const content = fit(await readImage(f.photo), SIZE);
  const extractor = await FeatureExtractor.create(ort as unknown as OrtModule, net, spec, { backend: cpuBackend });
  const c = await extractor.extract(toNetworkInput(content, model.preprocessing), content.width, content.height, 'content');
  const grams = [];
  for (const path of opts.styles) {
    const style = fit(await readImage(path), Math.round(SIZE * (opts.styleScale ?? 1)));
    grams.push(await extractor.extract(toNetworkInput(style, model.preprocessing), style.width, style.height, 'style'));
  }
  await extractor.release();
  const targets = { ...c, ...blendTargets(grams, opts.weights ?? opts.styles.map(() => 1)) };
  const objective = await CompiledObjective.create(ort as unknown as OrtModule, net, spec, { backend: cpuBackend });
  const x =
    opts.init === 'image'
      ? toNetworkInput(content, model.preprocessing)
      : new Rng(opts.init.seed).fillNormal(new Float32Array(3 * content.width * content.height), o.initNoiseStd);
  const e = await objective.bind(targets, content.width, content.height).evaluate(x);
  await objective.release();
  return { loss: e.loss, content: e.parts.content!, style: e.parts.style!, tv: e.parts.tv! };
}

async function cliIteration0(extra: string[]) {
  const r = await cli(['-c', f.photo, '-o', `${f.dir}/out.png`, '--model', 'vgg19-random', '--image-size', String(SIZE), '--backend', 'cpu', '--num-iterations', '0', '--json', ...extra]);
  expect(r.stderr).not.toMatch(/error/);
  expect(r.code).toBe(0);
  const lines = r.json();
  expect(lines).toHaveLength(1);
  expect(Object.keys(lines[0]!).sort()).toEqual(['content', 'elapsedMs', 'iteration', 'loss', 'style', 'tv']);
  expect(lines[0]!.iteration).toBe(0);
  return lines[0]!;
}

function expectSame(cliLine: Record<string, number>, core: Record<string, number>) {
  for (const k of ['loss', 'content', 'style', 'tv']) {
    const a = cliLine[k]!;
    const b = core[k]!;
    expect(Math.abs(a - b), `${k}: cli ${a} vs core ${b}`).toBeLessThanOrEqual(1e-6 * Math.abs(b) + 1e-12);
  }
}

describe('--json iteration 0 equals the core objective', () => {
  it('one style, --init image', async () => {
    const line = await cliIteration0(['-s', f.painting, '--init', 'image']);
    expectSame(line, await coreIteration0({ styles: [f.painting], init: 'image' }));
    expect(line.style).toBeGreaterThan(0);
  });

  it('--init random: seeded noise of std 0.001 in network units', async () => {
    const line = await cliIteration0(['-s', f.painting, '--seed', '7']);
    expectSame(line, await coreIteration0({ styles: [f.painting], init: { seed: 7 } }));
  });

  it('two styles with blend weights, repeated or comma-separated', async () => {
    const repeated = await cliIteration0(['-s', f.painting, '-s', f.painting2, '--style-blend-weights', '3,1', '--init', 'image']);
    expectSame(repeated, await coreIteration0({ styles: [f.painting, f.painting2], weights: [3, 1], init: 'image' }));
    const comma = await cliIteration0([`-s`, `${f.painting},${f.painting2}`, '--style-blend-weights', '3,1', '--init', 'image']);
    expectSame(comma, repeated);
    // The weights matter: equal weights give another style target.
    const equal = await coreIteration0({ styles: [f.painting, f.painting2], init: 'image' });
    expect(Math.abs(equal.style - repeated.style)).toBeGreaterThan(1e-3 * repeated.style);
  });

  it('--style-scale resizes the style images to image-size × scale', async () => {
    const line = await cliIteration0(['-s', f.painting, '--style-scale', '0.5', '--init', 'image']);
    expectSame(line, await coreIteration0({ styles: [f.painting], styleScale: 0.5, init: 'image' }));
    const unscaled = await coreIteration0({ styles: [f.painting], init: 'image' });
    expect(Math.abs(unscaled.style - line.style)).toBeGreaterThan(1e-3 * line.style);
  });
});
