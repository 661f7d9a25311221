/**
 * Where one evaluation's time goes, from onnxruntime's own profiler: total kernel time per
 * op type and the slowest nodes, over the timed runs (after a warm-up).
 *
 *   npx tsx bench/profile.ts --size 512 --reps 2 [--variant grad-conv] [--top 25]
 */
import * as ort from 'onnxruntime-node';
import { CompiledObjective } from '../src/runtime/objective.js';
import { cpuBackend } from '../src/backends/index.js';
import { ArgsError, int, readArgs, str } from './args.js';
import { BENCH_SPEC, makeTargets, vgg19RandomWeights } from './common.js';
import { lastRuns, profiling } from './ort-profile.js';
import { formsOf, VARIANTS } from './variant-table.js';

const { size, reps, top, variant } = readArgs(
  {
    usage: 'npx tsx bench/profile.ts [options]',
    flags: {
      size: int(256, 'square image size'),
      reps: int(2, 'profiled evaluations after one warm-up'),
      top: int(25, 'slowest nodes listed'),
      variant: str('defaults', 'a name from bench/variant-table.ts'),
    },
  },
  (v) => {
    const variant = VARIANTS[v.variant];
    if (!variant) throw new ArgsError(`--variant: unknown variant '${v.variant}' (bench/variants.ts --list shows them)`);
    return { ...v, variant };
  },
);

const net = vgg19RandomWeights(0);
const spec = { ...BENCH_SPEC, imageSize: size }; // the size picks each conv's form
const { targets, content } = await makeTargets(ort, net, spec, size, cpuBackend);
const profile = profiling('objective');
// The CPU with the variant's and the profiler's session options: a backend of its own.
const backend = { ...cpuBackend, sessionOptions: () => ({ ...cpuBackend.sessionOptions(variant.session), ...profile.options }) };
const objective = await CompiledObjective.create(ort, net, spec, { backend, forms: formsOf(variant) });
const evaluator = objective.bind(targets, size, size);
await evaluator.evaluate(content); // warm-up, excluded below by counting runs
const wall: number[] = [];
for (let r = 0; r < reps; r++) {
  const t0 = performance.now();
  await evaluator.evaluate(content);
  wall.push(performance.now() - t0);
}
await objective.release();
const events = profile.read();
const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
const timed = lastRuns(events, reps);
const perOp = new Map<string, { us: number; count: number }>();
const perNode = new Map<string, { us: number; op: string; size: string }>();
for (const e of timed) {
  const op = e.args?.op_name ?? '?';
  const o = perOp.get(op) ?? { us: 0, count: 0 };
  o.us += e.dur / reps;
  o.count += 1 / reps;
  perOp.set(op, o);
  const name = e.name.replace(/_kernel_time$/, '');
  const n = perNode.get(name) ?? { us: 0, op, size: e.args?.output_size ?? '' };
  n.us += e.dur / reps;
  perNode.set(name, n);
}
const kernelTotal = [...perOp.values()].reduce((a, b) => a + b.us, 0);
const runMs = runs.slice(-reps).map((r) => r.dur / 1000);
console.log(`size ${size}: wall ${wall.map((w) => w.toFixed(0)).join(', ')} ms; model_run ${runMs.map((r) => r.toFixed(0)).join(', ')} ms; kernels ${(kernelTotal / 1000).toFixed(0)} ms per run`);
console.log('\nper op type (ms per run, count, share):');
for (const [op, o] of [...perOp].sort((a, b) => b[1].us - a[1].us)) {
  console.log(`  ${op.padEnd(22)} ${(o.us / 1000).toFixed(1).padStart(8)}  ${String(Math.round(o.count)).padStart(4)}  ${((100 * o.us) / kernelTotal).toFixed(1)}%`);
}
console.log(`\ntop ${top} nodes:`);
for (const [name, n] of [...perNode].sort((a, b) => b[1].us - a[1].us).slice(0, top)) {
  console.log(`  ${name.padEnd(40)} ${n.op.padEnd(18)} ${(n.us / 1000).toFixed(1).padStart(8)} ms  out ${n.size} B`);
}
