/**
 * What the controls cost per evaluation (issue 11): the default Gram objective, the same
 * with two masked regions, and W2 — VGG-19 of the real shapes (random weights), on CPU.
 *   npx tsx bench/control.ts [size] [evaluations]
 * Prints the median time of one evaluate(x) (after one warm-up) and the compile time.
 */
import * as ort from 'onnxruntime-node';
import { fullMask } from '../src/masks/index.js';
import type { StylizeOptions } from '../src/options/index.js';
import { FeatureExtractor, type Targets } from '../src/runtime/features.js';
import { CompiledObjective } from '../src/runtime/objective.js';
import { cpuBackend } from '../src/backends/index.js';
import type { OrtModule } from '../src/runtime/ort.js';
import { ArgsError, readArgs, toCount } from './args.js';
import { BENCH_SPEC, randomImage, vgg19RandomWeights } from './common.js';

// Positional, as RESULTS.md runs it (`bench/control.ts 256 7`): the size, then the evaluations.
const [size, runs] = readArgs(
  {
    usage: 'npx tsx bench/control.ts [size] [evaluations]',
    positionals: { size: 'image side (default 256)', evaluations: 'timed evaluations of each objective, after one warm-up (default 5)' },
    flags: {},
  },
  (_, words) => {
    if (words.length > 2) throw new ArgsError(`takes at most two numbers (size, evaluations), not ${words.length}`);
    return [toCount(words[0] ?? '256', 'size'), toCount(words[1] ?? '5', 'evaluations')] as const;
  },
);
const O = ort as unknown as OrtModule;
const net = vgg19RandomWeights();

async function measure(label: string, spec: StylizeOptions, masked: boolean): Promise<void> {
  const run = { styles: masked ? 2 : 1, masked };
  const extractor = await FeatureExtractor.create(O, net, spec, { backend: cpuBackend, run });
  const perStyle: Targets[] = [];
  for (let i = 0; i < run.styles; i++) perStyle.push(await extractor.extract(randomImage(size, 2 + i), size, size, 'style'));
  const targets = { ...(await extractor.styleTargets(perStyle, perStyle.map(() => 1))), ...(await extractor.extract(randomImage(size, 1), size, size, 'content')) };
  await extractor.release();
  const t0 = performance.now();
  const objective = await CompiledObjective.create(O, net, spec, { backend: cpuBackend, run });
  const compileMs = performance.now() - t0;
  const half = (left: boolean) => {
    const m = fullMask(size, size);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) m.data[y * size + x] = (x < size / 2) === left ? 1 : 0;
    return m;
  };
  const evaluator = objective.bind(targets, size, size, {}, masked ? [half(true), half(false)] : undefined);
  const x = randomImage(size, 1);
  await evaluator.evaluate(x);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await evaluator.evaluate(x);
    times.push(performance.now() - t);
  }
  await objective.release();
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(28)} median ${times[Math.floor(times.length / 2)]!.toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(', ')}), compile ${compileMs.toFixed(0)} ms`);
}

console.log(`VGG-19 (random weights), ${size}×${size}, CPU, ${runs} evaluations each`);
await measure('gram (default)', BENCH_SPEC, false);
await measure('gram, two masked regions', BENCH_SPEC, true);
await measure('w2', { ...BENCH_SPEC, styleLoss: 'w2' }, false);
