/**
 * The browser's WASM backend runs the Winograd conv forms right: the PyTorch parity
 * fixtures evaluated on onnxruntime-web (WASM, in Node) with every conv — forward and input
 * gradient — in F4 and with the forms `auto` picks for the backend, against the PyTorch
 * values. (The fixtures' channels are too few for auto to lower anything; the forced F4
 * case is the one that exercises the forms, test/objective/conv-forms.test.ts auto's picks.)
 */
import * as ortWeb from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { CompiledObjective } from '../../src/runtime/objective.js';
import { graphForms, wasmBackend } from '../../src/backends/index.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { compareGradients, loadParityFixture, parityTargets } from '../helpers/parity-fixture.js';

const ort = ortWeb as unknown as OrtModule;
const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('WASM (onnxruntime-web) with the Winograd forms, against PyTorch', () => {
  beforeAll(() => {
    ortWeb.env.wasm.numThreads = 1;
    ortWeb.env.logLevel = 'error';
  });
  for (const name of ['max-two-styles', 'avg-normalized']) {
    for (const [label, forms] of [
      ['every conv F4', { ...graphForms(wasmBackend, {}), convForm: () => 'F4' as const }],
      ['every conv F6', { ...graphForms(wasmBackend, {}), convForm: () => 'F6' as const }],
      ['auto', graphForms(wasmBackend, {})],
    ] as const) {
      it(`${name}, ${label}`, async () => {
        const fx = loadParityFixture(name);
        const targets = await parityTargets(ort, fx, wasmBackend);
        const objective = await CompiledObjective.create(ort, { table: fx.table, weights: fx.weights }, fx.spec, { backend: wasmBackend, forms });
        const r = await objective.bind(targets, fx.spec.width, fx.spec.height).evaluate(fx.tensors.get('x')!.data);
        await objective.release();
        for (const part of ['content', 'style', 'tv'] as const) expect(relative(r.parts[part]!, fx.expected[part]), part).toBeLessThan(1e-4);
        expect(relative(r.loss, fx.expected.loss)).toBeLessThan(1e-4);
        const grad = compareGradients(r.grad, fx.tensors.get('grad')!.data);
        expect(grad.cosine).toBeGreaterThan(0.9999);
        expect(Math.abs(grad.normRatio - 1)).toBeLessThan(1e-5);
      });
    }
  }
});
