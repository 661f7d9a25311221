/**
 * `npm run bench`: per-evaluation time (forward + backward of the whole objective: content
 * relu4_2, style relu1_1..relu5_1, TV, max pooling) and peak memory for VGG19 with random
 * weights of the real shapes, on every backend available, side by side with PyTorch when
 * `/usr/bin/python3 -c 'import torch'` works. A benchmark, not a test.
 *
 *   npm run bench -- [--sizes 256,512] [--reps 5] [--warmup 1] [--threads 2]
 *                    [--backends auto|cpu,webgpu] [--no-torch] [--stylize-steps 20]
 *                    [--stylize-size 256] [--json]
 *
 * Each (backend, size) runs in its own worker process (so peak RSS is that run's alone),
 * and so does PyTorch. The parent alternates single evaluations between our worker and the
 * PyTorch worker (ours, torch, ours, torch, …), so that the noise of a shared machine falls
 * on both alike; besides the medians it reports the median of the per-pair ratios.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { BENCH_SPEC, median } from './common.js';
import { startOurWorker, Worker } from './worker-client.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const PYTHON = '/usr/bin/python3';

export interface BenchOptions {
  sizes: number[];
  reps: number;
  warmup: number;
  threads: number;
  backends: string[] | 'auto';
  torch: boolean;
  stylizeSteps: number;
  stylizeSize: number;
  stylizeOptimizer: 'adam' | 'lbfgs';
  /** Seconds of timed evaluations per backend and size; a slow backend gets fewer reps. */
  budgetS: number;
  json: boolean;
}

function parseArgs(argv: string[]): BenchOptions {
  const o: BenchOptions = {
    sizes: [256, 512],
    reps: 5,
    warmup: 1,
    threads: 2,
    backends: 'auto',
    torch: true,
    stylizeSteps: 20,
    stylizeSize: 256,
    stylizeOptimizer: 'adam',
    budgetS: 300,
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--sizes') o.sizes = next().split(',').map(Number);
    else if (a === '--reps') o.reps = Number(next());
    else if (a === '--warmup') o.warmup = Number(next());
    else if (a === '--threads') o.threads = Number(next());
    else if (a === '--backends') o.backends = next() === 'auto' ? 'auto' : argv[i]!.split(',');
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--stylize-steps') o.stylizeSteps = Number(next());
    else if (a === '--stylize-size') o.stylizeSize = Number(next());
    else if (a === '--stylize-optimizer') o.stylizeOptimizer = next() === 'lbfgs' ? 'lbfgs' : 'adam';
    else if (a === '--budget-s') o.budgetS = Number(next());
    else if (a === '--json') o.json = true;
    else if (a === '--help' || a === '-h') {
      console.log(readHelp());
      process.exit(0);
    } else throw new Error(`unknown option ${a} (try --help)`);
  }
  return o;
}

function readHelp(): string {
  return [
    'npm run bench -- [options]',
    '  --sizes 256,512        square image sizes',
    '  --reps 5               timed evaluations per backend and size (median reported)',
    '  --warmup 1             untimed evaluations first',
    '  --threads 2            onnxruntime intraOpNumThreads = torch.set_num_threads',
    '  --backends auto        or a list (cpu,webgpu); auto = every backend whose probe session runs',
    '  --no-torch             skip the PyTorch column',
    '  --stylize-steps 20     optimiser steps of the stylize-like run (0: skip)',
    '  --stylize-size 256',
    '  --stylize-optimizer adam   or lbfgs (history 100, as neural-style runs it; PyTorch: torch.optim.LBFGS)',
    '  --budget-s 300         seconds of timed evaluations per backend and size (fewer reps when slow)',
    '  --json                 one JSON report on stdout (the table goes to stderr)',
  ].join('\n');
}

function ourWorker(backend: string, size: number, o: BenchOptions): Worker {
  return startOurWorker(backend, size, o.threads, o.warmup);
}

function torchWorker(size: number, o: BenchOptions): Worker {
  const args = [join(HERE, 'torch_objective.py'), '--serve', '--size', String(size), '--threads', String(o.threads), '--warmup', String(o.warmup)];
  return Worker.start(`torch/${size}`, PYTHON, args);
}

function torchAvailable(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
  return r.status === 0;
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

async function measure(backend: string, size: number, o: BenchOptions, withTorch: boolean) {
  const ours = ourWorker(backend, size, o);
  const torch = withTorch ? torchWorker(size, o) : undefined;
  // Set-up (weights, targets, session, warm-up) one after the other, not overlapping.
  const oursReady = await ours.read();
  const torchReady = torch ? await torch.read() : undefined;
  // A software adapter (lavapipe) can take minutes per evaluation at 512 px.
  const reps = Math.max(1, Math.min(o.reps, Math.floor((o.budgetS * 1000) / (oursReady['warmupMs'] as number))));
  const t: number[] = [], tc: number[] = [], p: number[] = [], pc: number[] = [], pairs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const a = await ours.ask('eval');
    t.push(a['ms'] as number);
    tc.push(a['cpuMs'] as number);
    if (torch) {
      const b = await torch.ask('eval');
      p.push(b['ms'] as number);
      pc.push(b['cpuMs'] as number);
      pairs.push((a['ms'] as number) / (b['ms'] as number));
    }
  }
  const result = {
    backend,
    size,
    reps,
    ours: summarise(t, tc, { ...oursReady, ...(await ours.ask('stats')) }),
    torch: torch ? summarise(p, pc, { ...torchReady, ...(await torch.ask('stats')) }) : undefined,
    ratio: undefined as undefined | { ofMedians: number; medianOfPairs: number; ofMins: number; ofCpu: number },
  };
  if (result.torch) {
    result.ratio = {
      ofMedians: result.ours.median / result.torch.median,
      medianOfPairs: median(pairs),
      ofMins: result.ours.min / result.torch.min,
      ofCpu: result.ours.cpuMedian / result.torch.cpuMedian,
    };
  }
  await ours.quit();
  await torch?.quit();
  return result;
}

async function stylize(o: BenchOptions, withTorch: boolean) {
  const ours = ourWorker('cpu', o.stylizeSize, o);
  await ours.read();
  const command = o.stylizeOptimizer === 'lbfgs' ? 'stylize-lbfgs' : 'stylize';
  const a = await ours.ask(`${command} ${o.stylizeSteps}`);
  await ours.quit();
  let b: Record<string, unknown> | undefined;
  if (withTorch) {
    const torch = torchWorker(o.stylizeSize, o);
    await torch.read();
    b = await torch.ask(`${command} ${o.stylizeSteps}`);
    await torch.quit();
  }
  return { size: o.stylizeSize, steps: o.stylizeSteps, ours: a, torch: b, ratio: b ? (a['totalMs'] as number) / (b['totalMs'] as number) : undefined };
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const log = (s: string) => (o.json ? process.stderr.write(`${s}\n`) : console.log(s));
  const withTorch = o.torch && torchAvailable();
  const { ok: backends, skipped } = probeBackends(o.backends);
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, totalMem: totalmem(), loadavgBefore: loadavg() };
  log(`neural-style bench: VGG19 (random weights, real shapes), content ${BENCH_SPEC.contentLayers}, style ${BENCH_SPEC.styleLayers.join(',')}, TV, ${BENCH_SPEC.pooling} pooling`);
  log(`${machine.cpus} CPUs (${machine.cpuModel}), ${o.threads} threads each side, ${o.reps} timed evaluations after ${o.warmup} warm-up, load average ${machine.loadavgBefore.map((l) => l.toFixed(2)).join(' ')}`);
  log(`backends: ${backends.join(', ') || 'none'}${Object.keys(skipped).length ? `; skipped: ${Object.entries(skipped).map(([k, v]) => `${k} (${v})`).join('; ')}` : ''}`);
  log(`PyTorch: ${withTorch ? 'yes, alternating evaluation by evaluation' : o.torch ? `no (${PYTHON} cannot import torch)` : 'off'}`);

  const results = [];
  for (const size of o.sizes) {
    for (const backend of backends) {
      const r = await measure(backend, size, o, withTorch && backend === 'cpu');
      results.push(r);
      const est = r.ours['estimate'] as { total: number };
      log(`\n${backend} ${size}×${size}${r.reps < o.reps ? ` (${r.reps} reps: the warm-up took ${ms(r.ours['warmupMs'] as number)})` : ''}`);
      log(
        `  ours   median ${ms(r.ours.median)} (min ${ms(r.ours.min)}, cpu ${ms(r.ours.cpuMedian)})  [${r.ours.times.map((t) => t.toFixed(0)).join(' ')}]  ` +
          `peak RSS ${mib(r.ours.peakRss)}, estimateMemory ${mib(est.total)} (${(est.total / r.ours.peakRss).toFixed(2)}× measured)`,
      );
      if (r.torch && r.ratio) {
        log(`  torch  median ${ms(r.torch.median)} (min ${ms(r.torch.min)}, cpu ${ms(r.torch.cpuMedian)})  [${r.torch.times.map((t) => t.toFixed(0)).join(' ')}]  peak RSS ${mib(r.torch.peakRss)}`);
        log(`  ours/PyTorch: ${r.ratio.ofMedians.toFixed(2)}× of medians, ${r.ratio.medianOfPairs.toFixed(2)}× median of pairs, ${r.ratio.ofMins.toFixed(2)}× of minima, ${r.ratio.ofCpu.toFixed(2)}× of CPU time`);
      }
    }
  }
  let stylizeResult;
  if (o.stylizeSteps > 0 && backends.includes('cpu')) {
    stylizeResult = await stylize(o, withTorch);
    log(`\nstylize-like run: ${stylizeResult.steps} ${o.stylizeOptimizer === "lbfgs" ? "L-BFGS" : "Adam"} steps at ${stylizeResult.size}×${stylizeResult.size} (cpu)`);
    const s = stylizeResult.ours;
    log(`  ours   ${ms(s['totalMs'] as number)} (${ms(s['perStepMs'] as number)}/step), loss ${(s['firstLoss'] as number).toPrecision(4)} → ${(s['lastLoss'] as number).toPrecision(4)}`);
    if (stylizeResult.torch) {
      const t = stylizeResult.torch;
      log(`  torch  ${ms(t['totalMs'] as number)} (${ms(t['perStepMs'] as number)}/step), loss ${(t['firstLoss'] as number).toPrecision(4)} → ${(t['lastLoss'] as number).toPrecision(4)}`);
      log(`  ours/PyTorch: ${stylizeResult.ratio!.toFixed(2)}×`);
    }
  }
  const report = { machine: { ...machine, loadavgAfter: loadavg() }, options: o, torch: withTorch, backends, skipped, results, stylize: stylizeResult };
  log(`\nload average after: ${report.machine.loadavgAfter.map((l) => l.toFixed(2)).join(' ')}`);
  if (o.json) console.log(JSON.stringify(report));
}

await main();
