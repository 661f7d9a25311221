/**
 * The temporal loss (Ruder et al. eq. 3) against PyTorch: loss and gradient for a given x,
 * warped earlier frames ω_j and reliabilities c_j (scripts/make-temporal-fixture.py,
 * float64 autograd), through the compiled objective and its per-run inputs. Finite
 * differences: test/objective/objective-gradcheck.test.ts checks every term in the table.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { cliOptionSpecs } from '../../src/cli/options.js';
import { temporalInputs, temporalTerm } from '../../src/losses/temporal.js';
import { randomVggModel } from '../../src/models/random-model.js';
import { DEFAULT_STYLIZE_OPTIONS, resolveOptions, type StylizeOptions } from '../../src/options/index.js';
import { CompiledObjective } from '../../src/runtime/objective.js';
import type { OrtModule } from '../../src/runtime/ort.js';

interface Fixture {
  height: number;
  width: number;
  frames: number[];
  weight: number;
  x: number[];
  warped: Record<string, number[]>;
  reliability: Record<string, number[]>;
  expected: { loss: number; grad: number[] };
}

const fx = JSON.parse(readFileSync(new URL('../fixtures/temporal/long-term.json', import.meta.url), 'utf8')) as Fixture;
const net = randomVggModel('vgg19', 0, [4, 8, 8, 8, 8]);
const only = (o: Partial<StylizeOptions>): StylizeOptions => ({ ...DEFAULT_STYLIZE_OPTIONS, contentWeight: 0, styleWeight: 0, tvWeight: 0, ...o });

describe('temporal loss', () => {
  it('matches PyTorch: loss and gradient, two earlier frames', async () => {
    const options = only({ temporalWeight: fx.weight, temporalFrames: fx.frames });
    const objective = await CompiledObjective.create(ort as unknown as OrtModule, net, options, {});
    const dims = [1, 3, fx.height, fx.width];
    const feeds = Object.fromEntries(
      fx.frames.flatMap((j) => [
        [temporalInputs.warped(j), { dims, data: Float32Array.from(fx.warped[String(j)]!) }],
        [temporalInputs.reliability(j), { dims, data: Float32Array.from(fx.reliability[String(j)]!) }],
      ]),
    );
    const r = await objective.bind({}, fx.width, fx.height, feeds).evaluate(Float32Array.from(fx.x));
    await objective.release();
    expect(Object.keys(r.parts)).toEqual(['content', 'style', 'tv', 'temporal']);
    expect(Math.abs(r.parts.temporal! - fx.expected.loss) / fx.expected.loss).toBeLessThan(1e-5);
    expect(Math.abs(r.loss - fx.expected.loss) / fx.expected.loss).toBeLessThan(1e-5);
    let err = 0, norm = 0;
    fx.expected.grad.forEach((g, i) => {
      err += (r.grad[i]! - g) ** 2;
      norm += g * g;
    });
    expect(Math.sqrt(err / norm)).toBeLessThan(1e-5);
  });

  it('is left out of runs with weight 0 (no temporal part), and its inputs are required when it is on', async () => {
    const off = await CompiledObjective.create(ort as unknown as OrtModule, net, DEFAULT_STYLIZE_OPTIONS, {});
    expect(off.partNames).toEqual(['content', 'style', 'tv']);
    await off.release();
    const on = await CompiledObjective.create(ort as unknown as OrtModule, net, only({ temporalWeight: 1 }), {});
    expect(() => on.bind({}, 8, 8)).toThrow(/per-run inputs that were not given: temporal_warped_1, temporal_reliability_1/);
    await on.release();
  });

  it('brings its options into the table, but not onto the image command', () => {
    expect(temporalTerm.options.map((s) => s.key)).toEqual(['temporalWeight', 'temporalFrames']);
    expect(resolveOptions({ temporalWeight: 5, temporalFrames: [1, 2, 4] }).temporalFrames).toEqual([1, 2, 4]);
    expect(() => resolveOptions({ temporalWeight: -1 })).toThrow(/temporalWeight must be a number ≥ 0/);
    expect(cliOptionSpecs().map((s) => s.key)).not.toContain('temporalWeight');
  });
});
