/**
 * `npm run bench`: per-evaluation time (forward + backward of the whole objective: content
 * relu4_2, style relu1_1..relu5_1, TV, max pooling) and peak memory for VGG19 with random
 * weights of the real shapes, on every backend available, side by side with PyTorch: two
 * references when both import torch — Debian's 1.13 (`/usr/bin/python3`) and the current
 * 2.13 from `bash bench/setup-torch-venv.sh` (node_modules/.cache/torch-venv, or
 * $TORCH_VENV) — each ratio taken against the faster of them. A benchmark, not a test.
 *
 *   npm run bench -- [--sizes 256,512,512x384] [--reps 5] [--warmup 1] [--threads 2]
 *                    [--backends auto|cpu,webgpu] [--no-torch] [--stylize-steps 20]
 *                    [--stylize-size 256,512x384] [--json]
 *
 * A size is a square side or WIDTHxHEIGHT (512x384 landscape, 384x512 portrait): a user's
 * photo is rarely square, and the conv forms and PyTorch's kernels both depend on the shape.
 *
 * Each (backend, size) runs in its own worker process (so peak RSS is that run's alone),
 * and so does each PyTorch. The parent alternates single evaluations between our worker and
 * the PyTorch workers (ours, torch 1.13, torch 2.13, ours, …), so that the noise of a shared
 * machine falls on all alike; besides the medians it reports the median of the per-round
 * ratios. With two references it first checks that they agree on the loss and gradient of
 * the same weights (`torch_objective.py --check`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ArgsError, custom, flag, int, num, oneOf, readArgs } from './args.js';
import { BENCH_SPEC, median, parseShape, shapeName, type Shape } from './common.js';
import { BACKENDS, startOurWorker, Worker } from './worker-client.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = join(HERE, '..');

/** A PyTorch to compare against: a Python that imports torch. */
interface Reference {
  /** Short column name: 'torch 1.13', 'torch 2.13'. */
  name: string;
  python: string;
  version: string;
  /** Why this reference is slower than it should be, when we can tell. */
  warning?: string;
}

/**
 * Debian's torch takes its matrix products from whatever libblas.so.3 the alternatives
 * point at: without libopenblas0-pthread that is the reference BLAS, and the Gram
 * matrices alone then take most of an evaluation (256 px: 3.2 s instead of ~0.9 s).
 */
function debianBlasWarning(python: string): string | undefined {
  if (python !== '/usr/bin/python3') return undefined;
  const link = '/etc/alternatives/libblas.so.3-x86_64-linux-gnu';
  let target = '';
  try {
    target = realpathSync(link);
  } catch {
    return undefined;
  }
  return /openblas|mkl|blis/i.test(target) ? undefined : `its BLAS is ${target} (reference BLAS: slow Gram products; apt-get install libopenblas0-pthread)`;
}

/** The Pythons tried, in column order: Debian's, then the venv of setup-torch-venv.sh. */
function referenceCandidates(): { python: string; hint: string }[] {
  const venv = process.env['TORCH_VENV'] ?? join(REPO, 'node_modules/.cache/torch-venv');
  return [
    { python: '/usr/bin/python3', hint: 'apt-get install python3-torch libopenblas0-pthread' },
    { python: join(venv, 'bin/python'), hint: 'bash bench/setup-torch-venv.sh' },
  ];
}

function findReferences(): { found: Reference[]; missing: string[] } {
  const found: Reference[] = [];
  const missing: string[] = [];
  for (const { python, hint } of referenceCandidates()) {
    const r = existsSync(python) ? spawnSync(python, ['-c', 'import torch, torch.optim; print(torch.__version__)'], { encoding: 'utf8' }) : undefined;
    const version = r?.status === 0 ? r.stdout.trim() : undefined;
    if (version) found.push({ name: `torch ${/^\d+\.\d+/.exec(version)?.[0] ?? version}`, python, version, warning: debianBlasWarning(python) });
    else missing.push(`${python} (${existsSync(python) ? 'cannot import torch' : 'absent'}; ${hint})`);
  }
  return { found, missing };
}

export interface BenchOptions {
  sizes: Shape[];
  reps: number;
  warmup: number;
  threads: number;
  backends: string[] | 'auto';
  torch: boolean;
  stylizeSteps: number;
  stylizeSizes: Shape[];
  stylizeOptimizer: 'adam' | 'lbfgs';
  /** Seconds of timed evaluations per backend and size; a slow backend gets fewer reps. */
  budgetS: number;
  json: boolean;
}

/** 'auto', or names bench-worker.ts knows: an unknown one is an error here, not a failed probe later. */
function backendList(raw: string, flag: string): string[] | 'auto' {
  if (raw === 'auto') return 'auto';
  const list = raw.split(',');
  for (const b of list) if (!(BACKENDS as readonly string[]).includes(b)) throw new ArgsError(`${flag} wants auto or names from ${BACKENDS.join(', ')}, not '${b}'`);
  return list;
}

/** Comma-separated shapes: `256,512x384` (a square side, or width x height). */
function shapeList(raw: string, flag: string): Shape[] {
  return raw.split(',').map((part) => {
    const shape = parseShape(part);
    if (!shape) throw new ArgsError(`${flag} wants sizes like 512 or 512x384 (width x height), not '${part}'`);
    return shape;
  });
}

/** Every flag with its default: `npm run bench -- --help` prints this table. */
const COMMAND = {
  usage: 'npm run bench -- [options]',
  flags: {
    sizes: custom([{ width: 256, height: 256 }, { width: 512, height: 512 }], 'image sizes: a square side or WIDTHxHEIGHT', 'S,S', shapeList, '256,512'),
    reps: int(5, 'timed evaluations per backend and size (median reported)'),
    warmup: int(1, 'untimed evaluations first'),
    threads: int(2, 'onnxruntime intraOpNumThreads = torch.set_num_threads'),
    backends: custom('auto', `auto = every backend whose probe session runs, or a list of ${BACKENDS.join(',')}`, 'auto|LIST', backendList),
    'no-torch': flag('skip the PyTorch columns (Debian 1.13; 2.13 from bash bench/setup-torch-venv.sh)'),
    'stylize-steps': int(20, 'optimiser steps of the stylize-like run (0: skip)'),
    'stylize-size': custom([{ width: 256, height: 256 }], 'image sizes of the stylize-like runs (one run each): a side or WIDTHxHEIGHT', 'S,S', shapeList, '256'),
    'stylize-optimizer': oneOf(['adam', 'lbfgs'], 'adam', 'lbfgs: history 100, as neural-style runs it (PyTorch: torch.optim.LBFGS)'),
    'budget-s': num(300, 'seconds of timed evaluations per backend and size (fewer reps when slow)'),
    json: flag('one JSON report on stdout (the table goes to stderr)'),
  },
};

function readOptions(): BenchOptions {
  return readArgs(COMMAND, (v) => ({
    sizes: v.sizes,
    reps: v.reps,
    warmup: v.warmup,
    threads: v.threads,
    backends: v.backends,
    torch: !v['no-torch'],
    stylizeSteps: v['stylize-steps'],
    stylizeSizes: v['stylize-size'],
    stylizeOptimizer: v['stylize-optimizer'],
    budgetS: v['budget-s'],
    json: v.json,
  }));
}

function ourWorker(backend: string, shape: Shape, o: BenchOptions): Worker {
  return startOurWorker(backend, shape.width, o.threads, o.warmup, 'defaults', shape.height);
}

function torchWorker(ref: Reference, shape: Shape, o: BenchOptions): Worker {
  const args = [join(HERE, 'torch_objective.py'), '--serve', '--size', String(shape.width), '--height', String(shape.height), '--threads', String(o.threads), '--warmup', String(o.warmup)];
  return Worker.start(`${ref.name}/${shapeName(shape)}`, ref.python, args);
}

/** Index of the reference with the smallest value (the faster PyTorch). */
function fastest(values: number[]): number {
  return values.reduce((best, v, i) => (v < values[best]! ? i : best), 0);
}

/**
 * The two PyTorch versions on the same seeded weights and image: largest relative
 * difference over the loss parts, gradient norm and a gradient projection; and over five
 * L-BFGS losses (which amplify float32 rounding through the curvature pairs).
 */
async function checkReferences(refs: Reference[], size: number, o: BenchOptions) {
  const answers: Record<string, unknown>[] = [];
  for (const ref of refs) {
    const w = torchWorker(ref, { width: size, height: size }, { ...o, warmup: 0 });
    await w.read();
    answers.push(await w.ask('check'));
    await w.quit();
  }
  const [a, b] = answers as { parts: Record<string, number>; gradNorm: number; gradDot: number; weightsAbsSum: number; lbfgsLosses: number[] }[];
  const rel = (x: number, y: number) => Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y), 1e-30);
  const evaluation = Math.max(...Object.keys(a!.parts).map((k) => rel(a!.parts[k]!, b!.parts[k]!)), rel(a!.gradNorm, b!.gradNorm), rel(a!.gradDot, b!.gradDot));
  const lbfgs = Math.max(...a!.lbfgsLosses.map((l, i) => rel(l, b!.lbfgsLosses[i]!)));
  return { size, sameWeights: a!.weightsAbsSum === b!.weightsAbsSum, evaluation, lbfgs, answers };
}

/** Backends whose probe session runs here; the reason for each that does not. */
function probeBackends(wanted: string[] | 'auto'): { ok: string[]; skipped: Record<string, string> } {
  const candidates = wanted === 'auto' ? ['cpu', 'webgpu'] : wanted;
  const ok: string[] = [];
  const skipped: Record<string, string> = {};
  for (const backend of candidates) {
    const r = spawnSync(process.execPath, [...process.execArgv, join(HERE, 'bench-worker.ts'), '--probe', backend], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status === 0) ok.push(backend);
    else skipped[backend] = probeFailure(`${r.stdout}\n${r.stderr}`) || `probe exited with ${r.status ?? r.signal}`;
  }
  return { ok, skipped };
}

/** The informative lines of a failed probe: onnxruntime's reason, and Dawn's for a rejected adapter. */
function probeFailure(output: string): string {
  const lines = output.split('\n').map((l) => l.trim());
  const dawn = lines.find((l) => l.startsWith('Warning: Vulkan') || l.includes('required.'));
  const failed = lines.map((l) => /(Failed to [^\n]*)/.exec(l)?.[1] ?? (l.startsWith('Error:') ? l.slice(0, 200) : undefined)).find(Boolean);
  return [failed, dawn].filter(Boolean).join('; ');
}

interface SideResult {
  times: number[];
  cpu: number[];
  median: number;
  min: number;
  cpuMedian: number;
  peakRss: number;
  [k: string]: unknown;
}

function summarise(times: number[], cpu: number[], stats: Record<string, unknown>): SideResult {
  return {
    times,
    cpu,
    median: median(times),
    min: Math.min(...times),
    cpuMedian: median(cpu),
    peakRss: stats['peakRss'] as number,
    ...stats,
  };
}

async function measure(backend: string, shape: Shape, o: BenchOptions, refs: Reference[]) {
  const ours = ourWorker(backend, shape, o);
  const torches = refs.map((ref) => torchWorker(ref, shape, o));
  // Set-up (weights, targets, session, warm-up) one after the other, not overlapping.
  const oursReady = await ours.read();
  const torchReady: Record<string, unknown>[] = [];
  for (const w of torches) torchReady.push(await w.read());
  // A software adapter (lavapipe) can take minutes per evaluation at 512 px.
  const reps = Math.max(1, Math.min(o.reps, Math.floor((o.budgetS * 1000) / (oursReady['warmupMs'] as number))));
  const t: number[] = [], tc: number[] = [];
  const p: number[][] = refs.map(() => []), pc: number[][] = refs.map(() => []);
  for (let r = 0; r < reps; r++) {
    const a = await ours.ask('eval');
    t.push(a['ms'] as number);
    tc.push(a['cpuMs'] as number);
    for (const [i, w] of torches.entries()) {
      const b = await w.ask('eval');
      p[i]!.push(b['ms'] as number);
      pc[i]!.push(b['cpuMs'] as number);
    }
  }
  const references: SideResult[] = [];
  for (const [i, w] of torches.entries()) references.push(summarise(p[i]!, pc[i]!, { name: refs[i]!.name, ...torchReady[i], ...(await w.ask('stats')) }));
  const result = {
    backend,
    size: shapeName(shape),
    width: shape.width,
    height: shape.height,
    reps,
    ours: summarise(t, tc, { ...oursReady, ...(await ours.ask('stats')) }),
    references,
    /** The reference the ratios are taken against: the one with the smaller median. */
    faster: undefined as undefined | string,
    ratio: undefined as undefined | { ofMedians: number; medianOfPairs: number; ofMins: number; ofCpu: number },
  };
  if (references.length > 0) {
    const f = fastest(references.map((r) => r.median));
    const ref = references[f]!;
    result.faster = refs[f]!.name;
    result.ratio = {
      ofMedians: result.ours.median / ref.median,
      medianOfPairs: median(t.map((x, r) => x / p[f]![r]!)),
      ofMins: result.ours.min / ref.min,
      ofCpu: result.ours.cpuMedian / ref.cpuMedian,
    };
  }
  await ours.quit();
  for (const w of torches) await w.quit();
  return result;
}

async function stylize(o: BenchOptions, refs: Reference[], shape: Shape) {
  const command = o.stylizeOptimizer === 'lbfgs' ? 'stylize-lbfgs' : 'stylize';
  const run = async (w: Worker) => {
    await w.read();
    const answer = await w.ask(`${command} ${o.stylizeSteps}`);
    await w.quit();
    return answer;
  };
  // Whole runs one after the other (ours, then each PyTorch): a run is one long command.
  const a = await run(ourWorker('cpu', shape, o));
  const references: Record<string, unknown>[] = [];
  for (const ref of refs) references.push({ name: ref.name, ...(await run(torchWorker(ref, shape, o))) });
  const f = references.length ? fastest(references.map((r) => r['totalMs'] as number)) : -1;
  return {
    size: shapeName(shape),
    width: shape.width,
    height: shape.height,
    steps: o.stylizeSteps,
    ours: a,
    references,
    faster: f >= 0 ? refs[f]!.name : undefined,
    ratio: f >= 0 ? (a['totalMs'] as number) / (references[f]!['totalMs'] as number) : undefined,
  };
}

/** "evaluation median E ms (first half F, second half S), optimiser M ms": where a long run's steps went. */
function stepSplit(run: Record<string, unknown>): string {
  const evals = run['evalMs'] as number[] | undefined;
  const opt = run['optimizerMs'] as number[] | undefined;
  if (!evals?.length || !opt?.length) return 'no split';
  const half = Math.floor(evals.length / 2);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const halves = half > 0 ? ` (first half ${ms(median(evals.slice(0, half)))}, second ${ms(median(evals.slice(half)))})` : '';
  return `evaluation median ${ms(median(evals))}${halves}, optimiser ${ms(mean(opt))}`;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function main(): Promise<void> {
  const o = readOptions();
  const log = (s: string) => (o.json ? process.stderr.write(`${s}\n`) : console.log(s));
  const { found, missing } = o.torch ? findReferences() : { found: [], missing: [] };
  const { ok: backends, skipped } = probeBackends(o.backends);
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, totalMem: totalmem(), loadavgBefore: loadavg() };
  log(`neural-style bench: VGG19 (random weights, real shapes), content ${BENCH_SPEC.contentLayers}, style ${BENCH_SPEC.styleLayers.join(',')}, TV, ${BENCH_SPEC.pooling} pooling`);
  log(`${machine.cpus} CPUs (${machine.cpuModel}), ${o.threads} threads each side, ${o.reps} timed evaluations after ${o.warmup} warm-up, load average ${machine.loadavgBefore.map((l) => l.toFixed(2)).join(' ')}`);
  log(`backends: ${backends.join(', ') || 'none'}${Object.keys(skipped).length ? `; skipped: ${Object.entries(skipped).map(([k, v]) => `${k} (${v})`).join('; ')}` : ''}`);
  log(
    `PyTorch: ${!o.torch ? 'off' : found.length ? `${found.map((r) => `${r.version} (${r.python})`).join(', ')}; alternating evaluation by evaluation, ratios against the faster` : 'none'}` +
      (missing.length ? `; not found: ${missing.join('; ')}` : ''),
  );
  for (const r of found) if (r.warning) log(`WARNING: ${r.name}: ${r.warning}`);
  let agreement;
  if (found.length === 2) {
    agreement = await checkReferences(found, Math.min(...o.sizes.map((s) => Math.min(s.width, s.height)), 128), o);
    log(
      `${found[0]!.name} vs ${found[1]!.name} on the same weights (${agreement.size} px${agreement.sameWeights ? ', identical weights' : ', WEIGHTS DIFFER'}): ` +
        `loss parts and gradient agree to ${agreement.evaluation.toExponential(1)} relative; 5 L-BFGS losses to ${agreement.lbfgs.toExponential(1)}`,
    );
  }

  const results = [];
  for (const shape of o.sizes) {
    for (const backend of backends) {
      const r = await measure(backend, shape, o, backend === 'cpu' ? found : []);
      results.push(r);
      const est = r.ours['estimate'] as { total: number };
      log(`\n${backend} ${r.size}${r.reps < o.reps ? ` (${r.reps} reps: the warm-up took ${ms(r.ours['warmupMs'] as number)})` : ''}`);
      log(
        `  ours       median ${ms(r.ours.median)} (min ${ms(r.ours.min)}, cpu ${ms(r.ours.cpuMedian)})  [${r.ours.times.map((t) => t.toFixed(0)).join(' ')}]  ` +
          `peak RSS ${mib(r.ours.peakRss)}, estimateMemory ${mib(est.total)} (${(est.total / r.ours.peakRss).toFixed(2)}× measured)`,
      );
      for (const t of r.references) {
        log(`  ${(t['name'] as string).padEnd(10)} median ${ms(t.median)} (min ${ms(t.min)}, cpu ${ms(t.cpuMedian)})  [${t.times.map((x) => x.toFixed(0)).join(' ')}]  peak RSS ${mib(t.peakRss)}`);
      }
      if (r.ratio) {
        log(`  ours/${r.faster} (the faster): ${r.ratio.ofMedians.toFixed(2)}× of medians, ${r.ratio.medianOfPairs.toFixed(2)}× median of pairs, ${r.ratio.ofMins.toFixed(2)}× of minima, ${r.ratio.ofCpu.toFixed(2)}× of CPU time`);
      }
    }
  }
  const stylizeResults = [];
  for (const shape of o.stylizeSteps > 0 && backends.includes('cpu') ? o.stylizeSizes : []) {
    const stylizeResult = await stylize(o, found, shape);
    stylizeResults.push(stylizeResult);
    log(`\nstylize-like run: ${stylizeResult.steps} ${o.stylizeOptimizer === 'lbfgs' ? 'L-BFGS' : 'Adam'} steps at ${stylizeResult.size} (cpu)`);
    for (const t of [{ name: 'ours', ...stylizeResult.ours }, ...stylizeResult.references]) {
      log(`  ${(t['name'] as string).padEnd(10)} ${ms(t['totalMs'] as number)} (${ms(t['perStepMs'] as number)}/step: ${stepSplit(t)}), loss ${(t['firstLoss'] as number).toPrecision(4)} → ${(t['lastLoss'] as number).toPrecision(4)}`);
    }
    if (stylizeResult.ratio !== undefined) log(`  ours/${stylizeResult.faster} (the faster): ${stylizeResult.ratio.toFixed(2)}×`);
  }
  const report = { machine: { ...machine, loadavgAfter: loadavg() }, options: o, references: found, agreement, backends, skipped, results, stylize: stylizeResults };
  log(`\nload average after: ${report.machine.loadavgAfter.map((l) => l.toFixed(2)).join(' ')}`);
  if (o.json) console.log(JSON.stringify(report));
}

await main();
