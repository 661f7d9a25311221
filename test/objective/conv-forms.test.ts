/**
 * The conv forms `auto` picks, on the real network's shapes (VGG-19, random weights of the
 * real sizes): which layers it lowers, and that the objective — parts and gradient — is
 * the direct one's to float rounding. The fixture-based parity test forces Winograd on
 * tiny channels; this one checks the picks that runs actually get.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { CPU_CONV_FORMS, pickFromTable, row, rowWH, type ConvShape } from '../../src/graph/winograd/index.js';
import { vgg19Table } from '../../src/models/layers.js';
import { randomVggWeights } from '../../src/models/random-model.js';
import { buildObjectiveGraph } from '../../src/objective/objective-graph.js';
import { DEFAULT_STYLIZE_OPTIONS } from '../../src/options/index.js';
import { FeatureExtractor } from '../../src/runtime/features.js';
import { CompiledObjective } from '../../src/runtime/objective.js';
import { backendProfile, cpuBackend, graphForms, wasmBackend } from '../../src/backends/index.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { Rng } from '../../src/util/random.js';
import { compareGradients } from '../helpers/parity-fixture.js';

const O = ort as unknown as OrtModule;
const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('conv forms picked by auto, on VGG-19 shapes', () => {
  it('auto lowers the wide layers and leaves the 64-channel ones direct, on CPU; WebGPU stays direct', () => {
    const o = { ...DEFAULT_STYLIZE_OPTIONS, imageSize: 512 };
    const pick = graphForms(cpuBackend, o).convForm!;
    const shape = (c: number, k: number, side: number): ConvShape => ({ inChannels: c, outChannels: k, side, role: 'forward' });
    expect(pick(shape(64, 64, 512))).toBe('direct');
    expect(pick(shape(512, 512, 64))).not.toBe('direct');
    expect(graphForms(backendProfile('webgpu'), o).convForm).toBeUndefined();
    // The output transform each backend measured fastest (table.ts).
    expect(graphForms(cpuBackend, o).winogradOutput).toBe('separable');
    expect(graphForms(wasmBackend, o).winogradOutput).toBe('depthToSpace');
    expect(graphForms(cpuBackend, { ...o, convAlgorithm: 'direct' }).convForm).toBeUndefined();
    expect(graphForms(cpuBackend, { ...o, convAlgorithm: 'winograd' }).convForm!(shape(64, 64, 512))).toBe('F4');
    // A measured row decides over the rule, at the nearest measured side.
    const rows = [row(64, 64, 256, 'F2'), ...CPU_CONV_FORMS];
    expect(pickFromTable(rows)(shape(64, 64, 300))).toBe('F2');
  });

  it('picks by the map\'s width and height: a measured landscape or portrait row over the square of its longer side', () => {
    const map = (width: number, height: number): ConvShape => ({ inChannels: 128, outChannels: 128, side: Math.max(width, height), width, height, role: 'forward' });
    const rows = [row(128, 128, 256, 'F6'), row(128, 128, 128, 'F4'), rowWH(128, 128, 256, 192, 'F2'), rowWH(128, 128, 192, 256, 'direct')];
    const pick = pickFromTable(rows);
    expect(pick(map(256, 256))).toBe('F6');
    expect(pick(map(256, 192))).toBe('F2');
    expect(pick(map(192, 256))).toBe('direct');
    expect(pick(map(250, 190))).toBe('F2'); // the nearest in both directions
    expect(pick(map(128, 128))).toBe('F4');
    // Only the longer side known: a square, as before.
    expect(pick({ inChannels: 128, outChannels: 128, side: 256, role: 'forward' })).toBe('F6');
    // A long thin map between two square rows is equally far from both in width plus height
    // (log(w/h) either way): the one nearer in area decides (512×100 ≈ 226², 512×160 ≈ 286²).
    const squares = pickFromTable([row(128, 128, 512, 'F6'), row(128, 128, 128, 'F4')]);
    expect(squares(map(512, 100))).toBe('F4');
    expect(squares(map(512, 160))).toBe('F6');
  });

  it('WASM picks from its own measured table, not the CPU provider\'s (its direct Conv has no NCHWc kernels)', () => {
    const shape = (c: number, k: number, side: number): ConvShape => ({ inChannels: c, outChannels: k, side, role: 'forward' });
    const o = { ...DEFAULT_STYLIZE_OPTIONS, imageSize: 128 };
    const wasm = graphForms(wasmBackend, o).convForm!;
    const cpu = graphForms(cpuBackend, o).convForm!;
    // Where the two measured differently: the 64-channel layers and conv4_x at 16².
    expect(cpu(shape(64, 64, 128))).toBe('direct');
    expect(wasm(shape(64, 64, 128))).toBe('F4');
    expect(cpu(shape(512, 512, 16))).toBe('direct');
    expect(wasm(shape(512, 512, 16))).toBe('F4');
    // And where WASM too keeps direct: 512 channels on an 8² map (F4 tiles mostly padding).
    expect(wasm(shape(512, 512, 8))).toBe('direct');
  });

  it('the objective with auto forms, and with Winograd everywhere, equals the direct one (parts 1e-4, gradient cosine and norm)', async () => {
    const [W, H] = [96, 72];
    const net = { table: vgg19Table, weights: randomVggWeights(vgg19Table, 5) };
    const o = { ...DEFAULT_STYLIZE_OPTIONS, imageSize: 96 };
    const rng = new Rng(9);
    const image = () => rng.fillNormal(new Float32Array(3 * W * H), 60);
    const extractor = await FeatureExtractor.create(O, net, { ...o, convAlgorithm: 'direct' }, { backend: cpuBackend });
    const targets = { ...(await extractor.extract(image(), W, H, 'style')), ...(await extractor.extract(image(), W, H, 'content')) };
    await extractor.release();
    const x = image();
    const results = [];
    // The last: the forms auto picks for 512 px images (conv2_2 in F6), run at this size.
    const runs = [{ convAlgorithm: 'direct' }, { convAlgorithm: 'auto' }, { convAlgorithm: 'winograd' }, { convAlgorithm: 'auto', imageSize: 512 }] as const;
    for (const run of runs) {
      const objective = await CompiledObjective.create(O, net, { ...o, ...run }, { backend: cpuBackend });
      results.push(await objective.bind(targets, W, H).evaluate(x));
      await objective.release();
    }
    const [direct, ...lowered] = results as [typeof results[0], ...typeof results];
    for (const r of lowered) {
      for (const part of Object.keys(direct.parts)) expect(relative(r.parts[part]!, direct.parts[part]!), part).toBeLessThan(1e-4);
      const grad = compareGradients(r.grad, direct.grad);
      expect(grad.cosine).toBeGreaterThan(0.9999);
      expect(Math.abs(grad.normRatio - 1)).toBeLessThan(1e-4);
    }
    // Not vacuous: at this size auto lowers the layers of 128 channels and more.
    // Each Winograd conv reads its form's input-transform kernels once: its tile side m.
    const tileSides = (g: ReturnType<typeof buildObjectiveGraph>['graph']) =>
      g.nodes.flatMap((n) => n.inputs.map((i) => /^winograd_F(\d)_B$/.exec(i)?.[1]).filter((m) => m !== undefined).map(Number));
    expect(tileSides(buildObjectiveGraph(net, o, graphForms(cpuBackend, o)).graph).length).toBeGreaterThanOrEqual(10);
    const at512 = { ...o, imageSize: 512 };
    const blocks = tileSides(buildObjectiveGraph(net, at512, graphForms(cpuBackend, at512)).graph);
    expect(blocks).toContain(6);
    expect(blocks).toContain(4);
  });
});
