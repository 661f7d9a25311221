/**
 * The whole objective against PyTorch: same weights, same images, same definitions
 * (scripts/make-parity-fixture.py computed the reference in float64).
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { CompiledObjective } from '../../src/runtime/objective.js';
import { sessionOptionsFor } from '../../src/runtime/ort.js';
import { compareGradients, loadParityFixture, parityTargets } from '../helpers/parity-fixture.js';

const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('objective parity with PyTorch', () => {
  for (const name of ['max-two-styles', 'avg-normalized']) {
    for (const convGrad of ['ConvTranspose', 'Conv'] as const) {
      it(`${name} (conv gradient as ${convGrad})`, async () => {
        const fx = loadParityFixture(name);
        const net = { table: fx.table, weights: fx.weights };
        const options = sessionOptionsFor('cpu');
        const targets = await parityTargets(ort, fx, options);
        const objective = await CompiledObjective.create(ort, net, fx.spec, options, { convGrad });
        const evaluator = objective.bind(targets, fx.spec.width, fx.spec.height);
        const result = await evaluator.evaluate(fx.tensors.get('x')!.data);
        await objective.release();

        expect(relative(result.parts.content, fx.expected.content)).toBeLessThan(1e-4);
        expect(relative(result.parts.style, fx.expected.style)).toBeLessThan(1e-4);
        expect(relative(result.parts.tv, fx.expected.tv)).toBeLessThan(1e-4);
        expect(relative(result.loss, fx.expected.loss)).toBeLessThan(1e-4);
        // Direction and size: the cosine alone would pass a gradient scaled by any factor.
        // Achieved here: |‖ours‖/‖torch‖ − 1| ≤ 2.6e-7 over the four cases (float32 sums).
        const grad = compareGradients(result.grad, fx.tensors.get('grad')!.data);
        expect(grad.cosine).toBeGreaterThan(0.9999);
        expect(Math.abs(grad.normRatio - 1)).toBeLessThan(1e-6);
      });
    }
  }
});
