/**
 * Each rewrite pass of src/graph/passes: on a VGG-like graph it fires (it rewrote or
 * found something), and the graph with the pass gives the outputs of the graph without it
 * on random inputs of several sizes (onnxruntime CPU).
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { addGradient } from '../../src/graph/backward.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { encodeModel, exportedNodes } from '../../src/graph/encode.js';
import { applyPasses, convFacts, reluMaskBeforeUnpool, type GraphForms } from '../../src/graph/passes/index.js';
import { addNetwork } from '../../src/network/vgg.js';
import { cpuBackend } from '../../src/backends/index.js';
import { Rng } from '../../src/util/random.js';
import { tinyVgg } from '../helpers/objective-gradcheck.js';

const SIZES = [[20, 18], [17, 23]] as const;

/** L = ½Σ relu4_1² + Σ relu2_1 · relu2_1 / 3 and ∂L/∂x, through a small VGG-19-shaped network with max pooling. */
function vggGradientGraph(forms: Partial<GraphForms>): GraphBuilder {
  const net = tinyVgg(new Rng(1));
  const g = new GraphBuilder();
  const x = g.addInput('x', [1, 3, 'H', 'W']);
  const { values } = addNetwork(g, x, net, ['relu2_1', 'relu4_1'], 'max');
  const square = (v: string) => g.op('ReduceSum', [g.op('Mul', [v, v])], { keepdims: 0 });
  const loss = g.op('Add', [g.op('Mul', [square(values.get('relu4_1')!), g.constant(0.5)]), g.op('Div', [square(values.get('relu2_1')!), g.constant(3)])]);
  g.addOutput(g.op('Identity', [loss], {}, 'loss'), []);
  g.addOutput(g.op('Identity', [addGradient(g, loss, x, forms)], {}, 'x_grad'), [1, 3, 'H', 'W']);
  return g;
}

/** Both graphs' outputs on the same random images: the largest difference relative to the largest value. */
async function compare(a: GraphBuilder, b: GraphBuilder): Promise<number> {
  const [sa, sb] = await Promise.all([a, b].map((g) => ort.InferenceSession.create(encodeModel(g))));
  const rng = new Rng(3);
  let worst = 0;
  for (const [h, w] of SIZES) {
    const x = new ort.Tensor('float32', rng.fillNormal(new Float32Array(3 * h * w)), [1, 3, h, w]);
    const [oa, ob] = [await sa!.run({ x }), await sb!.run({ x })];
    for (const name of ['loss', 'x_grad']) {
      const [da, db] = [oa[name]!.data as Float32Array, ob[name]!.data as Float32Array];
      expect(db.length).toBe(da.length);
      let scale = 0, diff = 0;
      for (let i = 0; i < da.length; i++) {
        scale = Math.max(scale, Math.abs(da[i]!));
        diff = Math.max(diff, Math.abs(da[i]! - db[i]!));
      }
      expect(scale).toBeGreaterThan(0);
      worst = Math.max(worst, diff / scale);
    }
  }
  await Promise.all([sa!.release(), sb!.release()]);
  return worst;
}

describe('rewrite passes', () => {
  for (const reluGrad of ['mul', 'where'] as const) {
    it(`reluMaskBeforeUnpool (${reluGrad} mask): fires at every ReLU that feeds a max pool, same outputs`, async () => {
      const forms = { ...cpuBackend.gradients, reluGrad };
      const plain = vggGradientGraph(forms);
      const rewritten = vggGradientGraph(forms);
      // relu1_2 → pool1, relu2_2 → pool2, relu3_4 → pool3.
      expect(reluMaskBeforeUnpool(rewritten)).toBe(3);
      // The masks now read the pooled values; the full-size ones are gone from the model.
      const pools = new Set(exportedNodes(rewritten).filter((n) => n.opType === 'MaxPool' && n.outputs.length === 2).map((n) => n.outputs[0]));
      const masks = exportedNodes(rewritten).filter((n) => n.opType === 'Greater');
      expect(masks.filter((n) => pools.has(n.inputs[0])).length).toBe(3);
      expect(exportedNodes(rewritten).filter((n) => n.opType === 'MaxUnpool').length).toBe(3);
      expect(await compare(plain, rewritten)).toBeLessThan(1e-6);
    });
  }

  it('reluMaskBeforeUnpool leaves the portable max-pool gradient (no MaxUnpool) alone', () => {
    expect(reluMaskBeforeUnpool(vggGradientGraph({ maxPoolGrad: 'mask' }))).toBe(0);
  });

  it('convFacts: every input gradient is found, with its forward conv\'s weights and feature scale; the lowering that reads them gives the same outputs', async () => {
    const forms = { convGrad: 'Conv' as const };
    const g = vggGradientGraph(forms);
    const facts = [...convFacts(g).values()];
    // conv1_1 … conv4_1: nine forward convs, and nine input gradients (x is differentiated).
    expect(facts.filter((f) => f.role === 'forward').length).toBe(9);
    const grads = facts.filter((f) => f.role === 'inputGrad');
    expect(grads.length).toBe(9);
    expect(grads.every((f) => f.forwardWeights !== undefined)).toBe(true);
    expect(grads.map((f) => f.featureScale).sort((a, b) => a! - b!)).toEqual([1, 1, 2, 2, 4, 4, 4, 4, 8]);
    const lowered = vggGradientGraph(forms);
    const report = applyPasses(lowered, { convForm: () => 'F4' });
    expect(report.convForms.F4).toBe(18);
    // The input gradients read their forward convs' weights: no flipped copy is left in the model.
    expect([...lowered.initializers.keys()].filter((n) => /^conv.*_flipped$/.test(n))).toEqual([]);
    expect([...g.initializers.keys()].filter((n) => /^conv.*_flipped$/.test(n)).length).toBe(9);
    expect(await compare(g, lowered)).toBeLessThan(2e-5);
  });

  it('applyPasses runs the peephole unless skipped, and the lowering only with a picker', () => {
    const forms = cpuBackend.gradients;
    expect(applyPasses(vggGradientGraph(forms), forms)).toEqual({ reluMaskBeforeUnpool: 3, convForms: { direct: 0, F2: 0, F4: 0, F6: 0 } });
    expect(applyPasses(vggGradientGraph(forms), { skipPasses: ['reluMaskBeforeUnpool'] }).reluMaskBeforeUnpool).toBe(0);
  });
});
