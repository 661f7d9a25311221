/**
 * A loss term defined entirely here, registered from outside src/: it is computed,
 * differentiated (finite differences), reported in `--json` progress and held in the
 * checkpoint fingerprint, and it gets its own CLI flag — with no edit under src/.
 *
 * The term: mean-intensity matching at relu1_1,
 *   mean_weight · (μ(F(x)) − μ(F(content)))²,  μ the mean over the whole feature map.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint, fingerprintDifference } from '../../src/checkpoint/index.js';
import { renderParts } from '../../src/errors.js';
import { flagOf } from '../../src/cli/options.js';
import { contentSource, defineTerm, type Statistic } from '../../src/losses/index.js';
import { registerLossTerm, unregisterLossTerm } from '../../src/losses/index.js';
import { defaultStylizeOptions, resolveOptions } from '../../src/options/index.js';
import { cli, type Fixture, makeFixture, small } from '../cli/helpers.js';
import { objectiveGradcheck, onlyTerm } from '../helpers/objective-gradcheck.js';

const featureMean: Statistic = {
  name: 'mean',
  build: (g, feature) => g.op('ReduceMean', [feature], { keepdims: 0 }),
  dims: () => [],
};

const meanTerm = defineTerm({
  name: 'mean',
  label: 'Mean intensity',
  options: [
    {
      key: 'meanWeight',
      kind: { type: 'number', min: 0 },
      default: 0,
      label: 'Mean weight',
      help: 'Weight of the mean-intensity loss (a test term).',
      group: 'Optimisation',
      scope: 'stylize',
      objective: true,
      valueName: '<w>',
    },
  ],
  weight: 'meanWeight',
  layers: () => ['relu1_1'],
  target: { statistic: featureMean, from: contentSource },
  loss: (b) => {
    const diff = b.g.op('Sub', [featureMean.build(b.g, b.feature('relu1_1'), b.channels('relu1_1')), b.target('relu1_1')]);
    return b.g.op('Mul', [diff, diff]);
  },
});

let f: Fixture;
beforeAll(async () => {
  registerLossTerm(meanTerm);
  f = await makeFixture('ns-term-');
});
afterAll(async () => {
  unregisterLossTerm('mean');
  await f.cleanup();
});

describe('a loss term registered from a test', () => {
  it('brings its option into the one table, with its default and limits', () => {
    expect(defaultStylizeOptions().meanWeight).toBe(0);
    expect(resolveOptions({ meanWeight: 3 }).meanWeight).toBe(3);
    expect(() => resolveOptions({ meanWeight: -1 })).toThrow(/meanWeight must be a number ≥ 0, got -1/);
  });

  it('is computed and differentiated correctly (finite differences, float64 reference)', async () => {
    const r = await objectiveGradcheck(onlyTerm(defaultStylizeOptions(), meanTerm, 2), 31);
    expect(r.parts.mean).toBeGreaterThan(0);
    expect(r.parts.content).toBe(0);
    expect(r.cosine).toBeGreaterThan(0.9999);
    expect(r.relError).toBeLessThan(1e-3);
    expect(Math.abs(r.normRatio - 1)).toBeLessThan(1e-3);
  });

  it('has a CLI flag, and its part is in every --json line', async () => {
    const r = await cli(small(f, ['-o', `${f.dir}/mean.png`, '--num-iterations', '3', '--json', '--mean-weight', '1e4']));
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(lines.map((l) => l.iteration)).toEqual([0, 1, 2, 3]);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(['iteration', 'loss', 'content', 'style', 'tv', 'mean', 'elapsedMs']);
      expect(l.mean).toBeGreaterThan(0);
      // The total is the sum of the parts (float32 rounding only).
      expect(Math.abs(l.loss! - (l.content! + l.style! + l.tv! + l.mean!)) / l.loss!).toBeLessThan(1e-6);
    }
    // The optimiser works on it: the term falls.
    expect(lines.at(-1)!.mean).toBeLessThan(lines[0]!.mean!);
    expect((await cli(['--help'])).stdout).toMatch(/--mean-weight <w>\s+Weight of the mean-intensity loss/);
  });

  it('is part of the checkpoint fingerprint, so a resume with another weight is refused', async () => {
    const image = { width: 2, height: 2, data: new Float32Array(12) };
    const at = (meanWeight: number) => fingerprint({ options: resolveOptions({ meanWeight }), content: image, styles: [image], model: 'vgg19' });
    expect((await at(5)).meanWeight).toBe(5);
    expect(fingerprintDifference(await at(5), await at(5))).toBeUndefined();
    expect(renderParts(fingerprintDifference(await at(5), await at(6))!, flagOf)).toBe('it was made with --mean-weight 5, this run has 6');

    const ckpt = `${f.dir}/mean.ckpt`;
    const first = await cli(small(f, ['-o', `${f.dir}/m1.png`, '--num-iterations', '2', '--mean-weight', '5', '--checkpoint', ckpt, '-q']));
    expect(first.code).toBe(0);
    const again = await cli(small(f, ['-o', `${f.dir}/m2.png`, '--num-iterations', '4', '--mean-weight', '6', '--resume', ckpt, '-q']));
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/the checkpoint is from another run: it was made with --mean-weight 5, this run has 6/);
  });
});
