/**
 * Winograd F(m×m, 3×3), m = 2, 4, 6, as graph forms: matrices that satisfy the 1-D
 * minimal-filtering identity, the same outputs as onnxruntime's
 * Conv at sizes that are and are not multiples of the tile, gradients that pass finite
 * differences (the input gradient, itself a conv, is lowered too), and a lowering pass
 * that tells its picker each conv's channels, feature-map side and role.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { addGradient } from '../../src/graph/backward.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { encodeModel } from '../../src/graph/encode.js';
import { lowerConvolutions, type ConvForm, type ConvShape } from '../../src/graph/winograd/lower.js';
import { WINOGRAD_OUTPUT_FORMS, type WinogradOutputName } from '../../src/graph/winograd/output.js';
import { F2, F4, F6 } from '../../src/graph/winograd/transforms.js';
import { addNetwork } from '../../src/network/vgg.js';
import { Rng } from '../../src/util/random.js';
import { tinyVgg } from '../helpers/objective-gradcheck.js';
import { gradcheck, randomConv, randomProjection } from '../helpers/gradcheck.js';

const all = (form: ConvForm) => () => form;

/** One conv (C→K) over a symbolic-size input; lowered when `form` is not direct. */
function convSession(C: number, K: number, form: ConvForm, output?: WinogradOutputName, seed = 3) {
  const g = new GraphBuilder();
  const x = g.addInput('x', [1, C, 'H', 'W']);
  const y = randomConv(g, x, C, K, new Rng(seed));
  g.addOutput(g.op('Identity', [y], {}, 'y'), [1, K, 'H', 'W']);
  if (form !== 'direct') expect(lowerConvolutions(g, all(form), undefined, output)[form]).toBe(1);
  return ort.InferenceSession.create(encodeModel(g));
}

describe('Winograd convolution forms', () => {
  // The 1-D identity every F(m, 3) must meet: y_j = Σ_k g_k d_{j+k} = Σ_i Aᵀ[j,i] (G g)_i (Bᵀ d)_i
  // for all g and d, i.e. Σ_i Aᵀ[j,i] G[i,k] Bᵀ[i,l] = [l = j + k]. (The 2-D form is its
  // tensor square.)
  for (const t of [F2, F4, F6]) {
    it(`F${t.m}'s matrices compute a 3-tap correlation exactly`, () => {
      const n = t.m + 2;
      for (let j = 0; j < t.m; j++)
        for (let k = 0; k < 3; k++)
          for (let l = 0; l < n; l++) {
            let s = 0;
            for (let i = 0; i < n; i++) s += t.AT[j]![i]! * t.G[i]![k]! * t.BT[i]![l]!;
            expect(s).toBeCloseTo(l === j + k ? 1 : 0, 12);
          }
    });
  }

  for (const form of ['F2', 'F4', 'F6'] as const)
    for (const output of Object.keys(WINOGRAD_OUTPUT_FORMS) as WinogradOutputName[]) {
      it(`${form} with the ${output} output transform equals Conv for sizes on and off the tile grid (one session, any size)`, async () => {
        const [C, K] = [5, 7];
        const direct = await convSession(C, K, 'direct');
        const wino = await convSession(C, K, form, output);
        const rng = new Rng(11);
        for (const [H, W] of [[8, 8], [7, 9], [1, 5], [13, 2], [16, 12]] as const) {
          const x = new ort.Tensor('float32', rng.fillNormal(new Float32Array(C * H * W)), [1, C, H, W]);
          const a = (await direct.run({ x }))['y']!;
          const b = (await wino.run({ x }))['y']!;
          expect(b.dims).toEqual(a.dims);
          const ad = a.data as Float32Array, bd = b.data as Float32Array;
          let maxRef = 0, maxErr = 0;
          for (let i = 0; i < ad.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ad[i]!));
            maxErr = Math.max(maxErr, Math.abs(ad[i]! - bd[i]!));
          }
          // Larger tiles' transform entries (F4: up to 8 and 1/24; F6: up to 32 and 1/90) cost
          // more rounding than F2's.
          expect(maxErr / maxRef).toBeLessThan({ F2: 2e-6, F4: 2e-5, F6: 5e-5 }[form]);
        }
        await direct.release();
        await wino.release();
      });
    }

  for (const form of ['F2', 'F4', 'F6'] as const) {
    it(`${form}: the gradient through conv → relu → conv, both convs and their input gradients lowered, passes finite differences`, async () => {
      const lowered: number[] = [];
      const res = await gradcheck(
        (g, x, rng) => {
          const h = g.op('Relu', [randomConv(g, x, 3, 4, rng)]);
          return randomProjection(g, randomConv(g, h, 4, 2, rng), [1, 2, 7, 6], rng);
        },
        [1, 3, 7, 6],
        {
          symbolic: true,
          grad: { convGrad: 'Conv' },
          lower: (g) => lowered.push(lowerConvolutions(g, all(form))[form]),
        },
      );
      // Two forward convs and the one input gradient the loss needs (of the second conv; the
      // first conv's input gradient too, since x is what we differentiate).
      expect(lowered).toEqual([4]);
      expect(res.cosine).toBeGreaterThan(0.99999);
      expect(res.maxAbsError / res.maxAbsGrad).toBeLessThan(1e-3);
    });
  }

  it('tells the picker each conv of the network its channels, feature side and role', () => {
    const net = tinyVgg(new Rng(1));
    const g = new GraphBuilder();
    const x = g.addInput('x', [1, 3, 'H', 'W']);
    const { values } = addNetwork(g, x, net, ['relu3_1'], 'max');
    const loss = g.op('ReduceSum', [values.get('relu3_1')!], { keepdims: 0 });
    addGradient(g, loss, x, { convGrad: 'Conv' });
    const seen: ConvShape[] = [];
    const counts = lowerConvolutions(g, (s) => (seen.push(s), s.inChannels >= 3 && s.outChannels >= 3 ? 'F4' : 'direct'), { width: 64, height: 48 });
    const forward = seen.filter((s) => s.role === 'forward').map((s) => [s.inChannels, s.outChannels, s.side]);
    const back = seen.filter((s) => s.role === 'inputGrad').map((s) => [s.inChannels, s.outChannels, s.side]);
    const convs = net.table.layers.filter((l) => l.kind === 'conv');
    expect(forward.length).toBe(convs.slice(0, convs.findIndex((l) => l.name === 'conv3_1') + 1).length);
    expect(forward[0]![2]).toBe(64);
    expect(forward.at(-1)![2]).toBe(16); // after two poolings
    // A landscape image's maps: the width and the height each, not a square of the longer side.
    const first = seen.find((s) => s.role === 'forward')!;
    expect([first.width, first.height]).toEqual([64, 48]);
    expect(seen.filter((s) => s.role === 'forward').map((s) => [s.width, s.height]).at(-1)).toEqual([16, 12]);
    // Each input gradient maps the forward conv's K back to C, at the same side.
    expect(back.map(([c, k, s]) => [k, c, s]).sort()).toEqual([...forward].sort());
    expect(counts.F4 + counts.direct).toBe(seen.length);
    expect(g.has('winograd_F4_AT')).toBe(counts.F4 > 0);
  });
});
