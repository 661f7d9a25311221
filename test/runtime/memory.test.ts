/**
 * estimateMemory (src/runtime/memory.ts) by properties that could fail, not by recomputing
 * it with the module's own fitted constants (a copy of the formula passes whatever the
 * constants are). The one check with numbers holds the estimate against peaks measured by
 * bench/bench-worker.ts and recorded in bench/RESULTS.md.
 */
import { describe, expect, it } from 'vitest';
import type { ConvFormPicker } from '../../src/graph/winograd/index.js';
import { vgg19Table } from '../../src/models/layers.js';
import type { ConvWeights } from '../../src/models/types.js';
import { DEFAULT_STYLIZE_OPTIONS } from '../../src/options/index.js';
import { estimateMemory, memoryQueryFor, type MemoryQuery } from '../../src/runtime/memory.js';
import { cpuBackend, graphForms } from '../../src/backends/index.js';

const MiB = 2 ** 20;

/** VGG19's real widths with tiny stand-in arrays: only dims and lengths matter here. */
function vgg19Shapes(widthOf: (i: number) => number = (i) => VGG19_WIDTHS[i]!): ConvWeights {
  const weights: ConvWeights = new Map();
  let cin = 3;
  vgg19Table.layers
    .filter((l) => l.kind === 'conv')
    .forEach((l, i) => {
      const o = widthOf(i);
      const data = { length: o * cin * 9 } as Float32Array;
      weights.set(l.name, { weight: { dims: [o, cin, 3, 3], data }, bias: { dims: [o], data: { length: o } as Float32Array } });
      cin = o;
    });
  return weights;
}
const VGG19_WIDTHS = [64, 64, 128, 128, 256, 256, 256, 256, 512, 512, 512, 512, 512, 512, 512, 512];

describe('estimateMemory', () => {
  const weights = vgg19Shapes();
  const used = [...DEFAULT_STYLIZE_OPTIONS.contentLayers, ...DEFAULT_STYLIZE_OPTIONS.styleLayers];
  const query = (w: number, h: number, convForm?: ConvFormPicker, winogradOutput?: MemoryQuery['winogradOutput']) =>
    memoryQueryFor({ table: vgg19Table, weights }, used, w, h, convForm, winogradOutput);
  const total = (q: MemoryQuery) => estimateMemory(q).total;
  /** The conv forms the CPU backend's graph takes at a square size, as the pre-flight asks for them. */
  const cpuForms = (size: number) => graphForms(cpuBackend, { ...DEFAULT_STYLIZE_OPTIONS, imageSize: size });

  it('is within [1, 1.5]× the peak RSS measured in bench/RESULTS.md', () => {
    // bench/RESULTS.md, "Memory: `estimateMemory` … against peak RSS" (bench-worker.ts, CPU,
    // VGG19 to relu5_1, every conv direct when it was measured; 1 warm-up + 3 evaluations):
    //   | size     | 64  | 128 | 256 | 384  | 512  | 640  | 768  |
    //   | measured | 656 | 599 | 830 | 1026 | 1255 | 1652 | 2254 MiB |
    const direct: [number, number][] = [[64, 656], [128, 599], [256, 830], [384, 1026], [512, 1255], [640, 1652], [768, 2254]];
    // And with the CPU's conv forms (Winograd where its table picks it), 512 px, the eight runs
    // of the two L-BFGS tables after F6 ("14:28–14:46" and "17:50–18:27"): 1171–1279 MiB.
    const winograd: [number, number][] = [[512, 1171], [512, 1279]];
    // Below 1× a run that cannot fit would be started; far above, the suggested size is
    // needlessly small. (RSS moves ±5–8% run to run: the measured ratios were 1.05–1.41.)
    for (const [size, mib] of direct) {
      const ratio = total(query(size, size)) / (mib * MiB);
      expect([size, ratio >= 1 && ratio <= 1.5], `direct ${size} px: estimate ${ratio.toFixed(2)}× measured`).toEqual([size, true]);
    }
    for (const [size, mib] of winograd) {
      const f = cpuForms(size);
      const ratio = total(query(size, size, f.convForm, f.winogradOutput)) / (mib * MiB);
      expect([size, ratio >= 1 && ratio <= 1.5], `CPU forms ${size} px: estimate ${ratio.toFixed(2)}× measured`).toEqual([size, true]);
    }
  });

  it('never shrinks as the image grows, in either side, with direct convs and with the CPU forms', () => {
    for (const forms of [{}, cpuForms(512)]) {
      let last = 0;
      for (let s = 16; s <= 1024; s += 16) {
        const t = total(query(s, s, forms.convForm, forms.winogradOutput));
        expect(t).toBeGreaterThanOrEqual(last);
        // One side at a time, from the square before.
        expect(total(query(s, s - 16, forms.convForm, forms.winogradOutput))).toBeLessThanOrEqual(t);
        expect(total(query(s - 16, s, forms.convForm, forms.winogradOutput))).toBeLessThanOrEqual(t);
        last = t;
      }
      expect(total(query(1024, 1024, forms.convForm, forms.winogradOutput))).toBeGreaterThan(total(query(256, 256, forms.convForm, forms.winogradOutput)));
    }
  });

  it('has a size-dependent part that scales with the pixel count', () => {
    const fixed = total(query(1, 1));
    const b = total(query(512, 512));
    const c = total(query(1024, 512));
    expect((c - fixed) / (b - fixed)).toBeCloseTo(2, 1);
  });

  it('costs more for each deeper layer the objective reads, and ignores layers past the deepest', () => {
    const at = (deepest: string, w = weights) => estimateMemory(memoryQueryFor({ table: vgg19Table, weights: w }, [deepest], 256, 256));
    const order = ['relu1_1', 'relu1_2', 'relu2_1', 'relu3_1', 'relu3_4', 'relu4_1', 'relu4_2', 'relu5_1', 'relu5_4'];
    for (let i = 1; i < order.length; i++) {
      expect(at(order[i]!).activations, `${order[i]} vs ${order[i - 1]}`).toBeGreaterThan(at(order[i - 1]!).activations);
      expect(at(order[i]!).total).toBeGreaterThan(at(order[i - 1]!).total);
    }
    // Widen only the convs after relu4_1 (conv4_2 on, the 10th conv): an objective that stops
    // at relu4_1 keeps the same activations, one that reads relu5_1 keeps more.
    const wide = vgg19Shapes((i) => (i >= 9 ? 2048 : VGG19_WIDTHS[i]!));
    expect(at('relu4_1', wide).activations).toBe(at('relu4_1').activations);
    expect(at('relu5_1', wide).activations).toBeGreaterThan(at('relu5_1').activations);
  });

  it('holds the weights at least once: more weight bytes cost at least as many more bytes', () => {
    const q = query(256, 256);
    const extra = 100 * MiB;
    expect(total({ ...q, weightBytes: q.weightBytes + extra }) - total(q)).toBeGreaterThanOrEqual(extra);
  });

  it("counts a Winograd conv's transient tiles and kernels, only for convs the graph contains", () => {
    const allF4: ConvFormPicker = () => 'F4';
    const allDirect: ConvFormPicker = () => 'direct';
    const direct = estimateMemory(query(256, 256));
    expect(direct.winograd).toBe(0);
    expect(estimateMemory(query(256, 256, allDirect))).toEqual(direct);
    const f4 = estimateMemory(query(256, 256, allF4));
    expect(f4.total - direct.total).toBe(f4.winograd);
    // F(4×4, 3×3) on conv1_2 (64 → 64 channels at 256²): the input transformed into 6×6 tiles
    // (one per 4×4 output tile, per input channel) and the channel product (per output
    // channel) are alive together, plus the 64·64 kernels transformed to 6×6. The largest
    // conv's transient is at least that.
    const tiles = (256 / 4) ** 2;
    const conv12 = 4 * (36 * tiles * (64 + 64) + 36 * 64 * 64);
    expect(f4.winograd).toBeGreaterThanOrEqual(conv12);
    // Winograd only on the 512 → 512 convs (conv4_2 onward): nothing for an objective that
    // stops at relu4_1, something for one that reads relu4_2.
    const deep512: ConvFormPicker = (s) => (s.inChannels === 512 && s.outChannels === 512 ? 'F4' : 'direct');
    const upTo = (deepest: string) => estimateMemory(memoryQueryFor({ table: vgg19Table, weights }, [deepest], 256, 256, deep512)).winograd;
    expect(upTo('relu4_1')).toBe(0);
    expect(upTo('relu4_2')).toBeGreaterThan(0);
  });

});
