/**
 * Side-by-side timing of objective variants (session options, gradient-graph options;
 * bench/variant-table.ts) at one image size. Each variant runs in its own worker process
 * (bench-worker.ts) — so one variant's spinning threads or memory cannot bill another, and
 * CPU time is per variant — and the parent interleaves single evaluations (A B C, B C A,
 * C A B, …) so that the noise of a shared machine falls on all alike.
 *
 *   npx tsx bench/variants.ts --size 512 --reps 5 defaults original grad-convtranspose …
 *   npx tsx bench/variants.ts --list
 *
 * Prints one line per variant: median, minimum, median of per-round ratios and median CPU
 * time, each also as a ratio to the first variant named, and peak RSS.
 */
import { ArgsError, flag, int, oneOf, readArgs } from './args.js';
import { median } from './common.js';
import { VARIANTS } from './variant-table.js';
import { BACKENDS, startOurWorker, type Worker } from './worker-client.js';

const { args, names } = readArgs(
  {
    usage: 'npx tsx bench/variants.ts [options] VARIANT…   (--list, or no variant, lists them)',
    positionals: { 'VARIANT…': 'names from bench/variant-table.ts; the first is the baseline of the ratios' },
    flags: {
      size: int(256, 'square image size'),
      reps: int(5, 'interleaved rounds of timed evaluations'),
      warmup: int(1, 'untimed evaluations per variant first'),
      threads: int(2, 'intra-op threads (0: onnxruntime default)'),
      backend: oneOf(BACKENDS, 'cpu', 'the backend every variant runs on'),
      list: flag('list the variants and exit'),
    },
  },
  // Every name checked before the first worker starts: a typo is not a run without it.
  (args, names) => {
    for (const n of names) if (!VARIANTS[n]) throw new ArgsError(`unknown variant '${n}' (--list shows them)`);
    return { args, names };
  },
);
if (args.list || names.length === 0) {
  for (const [name, v] of Object.entries(VARIANTS)) console.log(`${name.padEnd(22)} ${JSON.stringify(v, (k, x) => (k === 'rules' ? Object.keys(x) : x))}`);
  process.exit(0);
}

const runs: { name: string; worker: Worker; ready: Record<string, unknown>; times: number[]; cpu: number[]; loss: number; peakRss: number }[] = [];
for (const name of names) {
  // One at a time: set-up (weights, targets, session build, warm-up) is not timed but is heavy.
  const worker = startOurWorker(args.backend, args.size, args.threads, args.warmup, name);
  runs.push({ name, worker, ready: await worker.read(), times: [], cpu: [], loss: 0, peakRss: 0 });
}
const pause = () => new Promise((resolve) => setTimeout(resolve, 200));
for (let r = 0; r < args.reps; r++) {
  // Rotate the order every round, and pause between evaluations, so that no variant always
  // follows the same one (whose threads may still be spinning down).
  for (let k = 0; k < runs.length; k++) {
    const run = runs[(k + r) % runs.length]!;
    await pause();
    const e = await run.worker.ask('eval');
    run.times.push(e['ms'] as number);
    run.cpu.push(e['cpuMs'] as number);
    run.loss = e['loss'] as number;
  }
}
for (const run of runs) {
  run.peakRss = (await run.worker.ask('stats'))['peakRss'] as number;
  await run.worker.quit();
}

const base = runs[0]!;
const baseMedian = median(base.times);
const baseMin = Math.min(...base.times);
const baseCpu = median(base.cpu);
console.log(`${args.backend}, size ${args.size}, ${args.reps} reps interleaved after ${args.warmup} warm-up, threads ${args.threads || 'default'}`);
for (const run of runs) {
  const m = median(run.times);
  const min = Math.min(...run.times);
  const cpu = median(run.cpu);
  // Evaluations of the same round ran seconds apart, under similar load: their ratio is
  // the steadiest comparison on a shared machine.
  const paired = median(run.times.map((t, i) => t / base.times[i]!));
  console.log(
    `${run.name.padEnd(20)} median ${m.toFixed(0).padStart(5)} ms ×${(m / baseMedian).toFixed(3)}  min ${min.toFixed(0).padStart(5)} ×${(min / baseMin).toFixed(3)}  ` +
      `paired ×${paired.toFixed(3)}  cpu ${cpu.toFixed(0).padStart(5)} ms ×${(cpu / baseCpu).toFixed(3)}  ` +
      `peak ${(run.peakRss / 2 ** 20).toFixed(0)} MiB  [${run.times.map((t) => t.toFixed(0)).join(' ')}]  loss ${run.loss.toPrecision(6)}`,
  );
}
