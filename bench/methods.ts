/**
 * `npm run bench:methods`: NNST-Opt and STROTSS (src/methods) at 512 px on the CPU, and the
 * authors' own NNST (github.com/nkolkin13/NeuralNeighborStyleTransfer, MIT) on the same
 * images, weights and iteration counts. A benchmark, not a test: at 512 px with 200
 * iterations per scale (5 stages × 200 steps each side) it takes an hour or more on 2 cores;
 * run it on an otherwise idle machine.
 *
 *   npm run -s bench:methods -- [--size 512] [--iterations 200] [--runs nnst,authors,strotss]
 *                               [--content tubingen.jpg] [--style starry_night.jpg] [--json]
 *
 * Each run is a process of its own (bench/methods-run.ts for ours, bench/authors_nnst.py for
 * theirs), so its peak RSS is the run's alone. Per run it reports the process's wall time,
 * the run's own (stylize(); their produce_stylization), the nearest-neighbour search apart
 * (ours: the User Timing measure around each scale's search in src/methods/nnst/index.ts;
 * theirs: utils.stylize.replace_features, timed from outside), the peak RSS, and for ours
 * the preflight estimate (runMemory's `method` and `total`) beside it. Then the ratios
 * ours / theirs for NNST, and the goals: peak RSS ≤ 2 GiB (ours), time ≤ 0.6× the
 * authors' (NNST).
 *
 * Weights: none can be downloaded, so VGG-16 of the real widths with seeded random weights
 * (src/models/random-model.ts), torchvision's preprocessing; written to a temporary file that
 * both sides load (each prints Σ|w|, compared here). The authors' code is read from a git
 * repository (--authors-repo: a bare mirror or a clone), its Python files extracted into a
 * temporary folder at run time, run there by authors_nnst.py (which says what it changes
 * to run it on the CPU), and deleted: none of it is kept in this repository.
 * Their code fixes 8 pyramid levels: both images' shorter side must be ≥ 256 px at the
 * run's size (≥ 410 px for starry_night), else their run is skipped with that reason.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readImage } from '../src/image/decode-node.js';
import { nnstScales } from '../src/methods/nnst/index.js';
import { randomVggModel } from '../src/models/random-model.js';
import { resolveOptions } from '../src/options/index.js';
import { ArgsError, custom, flag, int, readArgs, str } from './args.js';
import { writeWeightsFile, weightsAbsSum } from './weights-file.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = join(HERE, '..');
const RUNS = ['nnst', 'authors', 'strotss'] as const;
type RunName = (typeof RUNS)[number];
const GIB = 2 ** 30;
const RSS_GOAL = 2 * GIB;
const TIME_GOAL = 0.6;
/** utils/stylize.py's pyramid: 8 halvings of each image. */
const AUTHORS_LEVELS = 8;

function runList(raw: string, flagName: string): RunName[] {
  const list = raw.split(',');
  for (const r of list) if (!(RUNS as readonly string[]).includes(r)) throw new ArgsError(`${flagName} wants names from ${RUNS.join(', ')}, not '${r}'`);
  return list as RunName[];
}

const { values: args } = readArgs({
  usage: 'npm run -s bench:methods -- [options]',
  flags: {
    size: int(512, 'image size (longer side), ours and theirs'),
    iterations: int(200, 'iterations per scale, ours and theirs (their styleTransfer.py: 200)'),
    runs: custom([...RUNS] as RunName[], 'which runs, in this order: nnst (ours), authors (their NNST), strotss (ours)', 'LIST', runList, RUNS.join(',')),
    images: str(join(REPO, '..', 'shared', 'images'), 'folder of the images', 'DIR'),
    content: str('tubingen.jpg', 'content image in --images (or a path)', 'FILE'),
    style: str('starry_night.jpg', 'style image in --images (or a path)', 'FILE'),
    seed: int(0, 'seed of the random VGG-16 weights'),
    threads: int(availableParallelism(), "torch.set_num_threads for the authors' run (onnxruntime: one thread per physical core)"),
    'authors-repo': str(process.env['NNST_AUTHORS_REPO'] ?? '/work/.mirror/nkolkin13+NeuralNeighborStyleTransfer/repo', "git repository of the authors' code (bare mirror or clone; or $NNST_AUTHORS_REPO)", 'DIR'),
    python: str(join(process.env['TORCH_VENV'] ?? join(REPO, 'node_modules/.cache/torch-venv'), 'bin/python'), 'Python with torch (bash bench/setup-torch-venv.sh)', 'PATH'),
    'keep-outputs': str(undefined, 'copy the result images into this folder', 'DIR'),
    json: flag('one JSON report on stdout (the table goes to stderr)'),
  },
});
if (args.size < 64 || args.iterations < 1) {
  console.error('methods.ts: --size must be at least 64 and --iterations at least 1');
  process.exit(2);
}
const log = (s: string) => (args.json ? process.stderr.write(`${s}\n`) : console.log(s));
const imagePath = (f: string) => (f.includes('/') ? resolve(f) : join(args.images, f));
const contentPath = imagePath(args.content);
const stylePath = imagePath(args.style);
for (const p of [contentPath, stylePath]) {
  if (!existsSync(p)) {
    console.error(`methods.ts: ${p} does not exist (--images, --content, --style)`);
    process.exit(2);
  }
}

interface Stage {
  side: number;
  iterations: number;
}
/** What a run's process printed (its last JSON line), with the wall time of the process around it. */
interface RunResult {
  name: RunName;
  label: string;
  processMs: number;
  runMs: number;
  searchMs: number | null;
  searchOrtMs?: number | null;
  peakRssBytes: number;
  estimate?: { method: number; total: number };
  stages: Stage[];
  weightsAbsSum: number;
  [key: string]: unknown;
}
interface Skipped {
  name: RunName;
  label: string;
  reason: string;
}

const LABELS: Record<RunName, string> = { nnst: 'NNST-Opt (ours)', authors: 'NNST (authors, CPU)', strotss: 'STROTSS (ours)' };

let child: ChildProcess | undefined;
const work = mkdtempSync(join(tmpdir(), 'neural-style-methods-'));
function cleanUp(): void {
  rmSync(work, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
    cleanUp();
    process.exit(130);
  });
}

/** Runs one process; its wall time and its last JSON line; throws with its output's tail when it fails. */
function runProcess(label: string, command: string, argv: string[]): Promise<{ ms: number; out: Record<string, unknown> }> {
  return new Promise((done, fail) => {
    const started = performance.now();
    let stdout = '';
    let tail = '';
    child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => void (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => void (tail = (tail + d.toString()).slice(-4000)));
    child.on('error', fail);
    child.on('close', (code, signal) => {
      const ms = performance.now() - started;
      child = undefined;
      const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
      if (code !== 0 || !line) return fail(new Error(`${label} exited with ${code ?? signal}:\n${(stdout.slice(-2000) + tail).trim()}`));
      done({ ms, out: JSON.parse(line) as Record<string, unknown> });
    });
  });
}

/**
 * Their Python files (and LICENSE) into a fresh folder: read blob by blob, so a large file the
 * mirror lacks (it keeps no images) does not stop it. Returns why not when it cannot.
 */
function extractAuthors(into: string): string | undefined {
  const repo = args['authors-repo'];
  if (!existsSync(repo)) return `no repository at ${repo} (--authors-repo)`;
  const git = (...a: string[]) => spawnSync('git', ['-C', repo, ...a], { encoding: 'buffer', maxBuffer: 64 * 2 ** 20 });
  const list = git('ls-tree', '-r', '-z', 'HEAD');
  if (list.status !== 0) return `git ls-tree in ${repo} failed: ${list.stderr.toString().trim()}`;
  let files = 0;
  for (const entry of list.stdout.toString().split('\0').filter(Boolean)) {
    const [meta, path] = entry.split('\t') as [string, string];
    const [, type, hash] = meta.split(' ');
    if (type !== 'blob' || !(/\.py$/.test(path) || path === 'LICENSE') || path.includes('__pycache__')) continue;
    const blob = git('cat-file', 'blob', hash!);
    if (blob.status !== 0) return `cannot read ${path} from ${repo}: ${blob.stderr.toString().trim()}`;
    mkdirSync(dirname(join(into, path)), { recursive: true });
    writeFileSync(join(into, path), blob.stdout);
    files++;
  }
  for (const needed of ['styleTransfer.py', 'utils/stylize.py', 'pretrained/vgg.py']) {
    if (!existsSync(join(into, needed))) return `${repo} has no ${needed}: not the authors' NNST`;
  }
  const head = git('rev-parse', 'HEAD').stdout.toString().trim();
  log(`authors' code: ${files} files of ${repo} at ${head.slice(0, 12)} extracted into ${into}`);
  return undefined;
}

const content = await readImage(contentPath);
const style = await readImage(stylePath);
// Their loader: the longer side to the size, each side truncated (utils/misc.py load_path_for_pytorch).
const theirSize = (w: number, h: number) => ({ width: Math.trunc(w * (args.size / Math.max(w, h))), height: Math.trunc(h * (args.size / Math.max(w, h))) });
const ourScales = nnstScales(resolveOptions({ method: 'nnst', imageSize: args.size, numIterations: args.iterations }, 1), content);
const hypercolumnScales = ourScales.length - 1;

const model = randomVggModel('vgg16', args.seed);
const weightsIndex = join(work, 'vgg16.json');
writeWeightsFile(model.weights, weightsIndex, join(work, 'vgg16.f32'));
const expectedSum = weightsAbsSum(model.weights);

log(
  `methods bench: ${args.size} px, ${args.iterations} iterations per scale; content ${contentPath} (${content.width}×${content.height}), ` +
    `style ${stylePath} (${style.width}×${style.height}); VGG-16 random weights (seed ${args.seed}, real widths, torchvision preprocessing); ` +
    `${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ` +
    `threads: onnxruntime's default (one per physical core), torch ${args.threads}`,
);

const results: RunResult[] = [];
const skipped: Skipped[] = [];
try {
  for (const name of args.runs) {
    const label = LABELS[name];
    const output = join(work, `${name}.png`);
    let command: string;
    let argv: string[];
    if (name === 'authors') {
      const small = [content, style].map((im) => theirSize(im.width, im.height)).find((s) => Math.min(s.width, s.height) < 2 ** AUTHORS_LEVELS);
      if (small) {
        skipped.push({ name, label, reason: `their code halves each image ${AUTHORS_LEVELS} times (utils/stylize.py pyr_levs = 8): at ${args.size} px an image is ${small.width}×${small.height}, under ${2 ** AUTHORS_LEVELS} px on its shorter side` });
        continue;
      }
      if (!existsSync(args.python)) {
        skipped.push({ name, label, reason: `no Python at ${args.python} (--python; bash bench/setup-torch-venv.sh)` });
        continue;
      }
      const dir = join(work, 'authors');
      const why = extractAuthors(dir);
      if (why) {
        skipped.push({ name, label, reason: why });
        continue;
      }
      command = args.python;
      argv = [join(HERE, 'authors_nnst.py'), '--repo', dir, '--content', contentPath, '--style', stylePath, '--output', output, '--weights', weightsIndex];
      argv.push('--size', String(args.size), '--iterations', String(args.iterations), '--scales', String(hypercolumnScales), '--threads', String(args.threads));
    } else {
      command = process.execPath;
      argv = [...process.execArgv, join(HERE, 'methods-run.ts'), '--method', name, '--content', contentPath, '--style', stylePath, '--weights', weightsIndex];
      argv.push('--size', String(args.size), '--iterations', String(args.iterations), '--output', output);
    }
    log(`running ${label} …`);
    const { ms, out } = await runProcess(label, command, argv);
    const r = { ...out, name, label, processMs: ms } as RunResult;
    results.push(r);
    log(`  ${(ms / 1000).toFixed(1)} s, peak RSS ${(r.peakRssBytes / GIB).toFixed(2)} GiB`);
    if (args['keep-outputs']) {
      mkdirSync(args['keep-outputs'], { recursive: true });
      copyFileSync(output, join(args['keep-outputs'], `${name}-${args.size}px-${args.iterations}it.png`));
    }
  }
} finally {
  cleanUp();
}

// ---- the report ----
const s = (ms: number | null | undefined) => (ms === null || ms === undefined ? '—' : (ms / 1000).toFixed(1));
const g = (b: number | undefined) => (b === undefined ? '—' : (b / GIB).toFixed(2));
const stagesText = (st: Stage[]) => st.map((x) => `${x.side}×${x.iterations}`).join(', ');

const sameWeights = results.every((r) => Math.abs(r.weightsAbsSum - expectedSum) <= 1e-9 * expectedSum);
log('');
log(`| run | scales (side×iterations) | process s | run s | NN search s | of which onnxruntime s | peak RSS GiB | estimate total GiB | estimate method GiB | estimate / peak |`);
log(`|---|---|--:|--:|--:|--:|--:|--:|--:|--:|`);
for (const r of results) {
  const ratio = r.estimate ? (r.estimate.total / r.peakRssBytes).toFixed(2) : '—';
  log(`| ${r.label} | ${stagesText(r.stages)} | ${s(r.processMs)} | ${s(r.runMs)} | ${s(r.searchMs)} | ${s(r.searchOrtMs)} | ${g(r.peakRssBytes)} | ${g(r.estimate?.total)} | ${g(r.estimate?.method)} | ${ratio} |`);
}
for (const k of skipped) log(`| ${k.label} | skipped: ${k.reason} | | | | | | | | |`);
log('');
log(
  "process: the run's process from start to exit (start-up, weights, images included); run: stylize() / their produce_stylization; " +
    'NN search: the hypercolumn targets\' nearest-neighbour search at each scale (ours: centring, chunked product + argmax, gather; ' +
    "theirs: replace_features); the last pass's per-iteration matching is part of the loss on both sides and is not in it.",
);

const ours = results.find((r) => r.name === 'nnst');
const theirs = results.find((r) => r.name === 'authors');
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a != null && b != null && b > 0 ? a / b : null);
const comparison =
  ours && theirs
    ? {
        process: ratio(ours.processMs, theirs.processMs),
        run: ratio(ours.runMs, theirs.runMs),
        search: ratio(ours.searchMs, theirs.searchMs),
        peakRss: ratio(ours.peakRssBytes, theirs.peakRssBytes),
        sameStages: stagesText(ours.stages) === stagesText(theirs.stages),
      }
    : null;
const x = (v: number | null | undefined) => (v == null ? '—' : `${v.toFixed(2)}×`);
if (comparison) {
  log('');
  log(`NNST ours / authors': process ${x(comparison.process)}, run ${x(comparison.run)}, NN search ${x(comparison.search)}, peak RSS ${x(comparison.peakRss)}`);
  if (!comparison.sameStages) log(`warning: the scales differ: ours ${stagesText(ours!.stages)}, theirs ${stagesText(theirs!.stages)}`);
}
if (!sameWeights) log(`warning: the runs did not all load the same weights (Σ|w| ${results.map((r) => `${r.label} ${r.weightsAbsSum}`).join(', ')}; written ${expectedSum})`);
if (theirs) {
  const changes = (theirs['changes'] as string[] | undefined) ?? [];
  const patches = (theirs['patches'] as string[] | undefined) ?? [];
  log(`authors' run: ${changes.length ? `changed from their styleTransfer.py: ${changes.join(', ')}` : "their styleTransfer.py's size, scales and iterations"}; torch ${String(theirs['torch'])}, ${String(theirs['threads'])} threads`);
  log(`  to run on the CPU (bench/authors_nnst.py): ${patches.join('; ')}`);
}

const goals = [
  ...results
    .filter((r) => r.name !== 'authors')
    .map((r) => ({ goal: `${r.label}: peak RSS ≤ 2 GiB`, value: r.peakRssBytes, met: r.peakRssBytes <= RSS_GOAL })),
  {
    goal: `NNST-Opt: time ≤ ${TIME_GOAL}× the authors' (whole process)`,
    value: comparison?.process ?? null,
    met: comparison?.process == null ? null : comparison.process <= TIME_GOAL,
  },
];
log('');
for (const goal of goals) {
  const value = goal.value == null ? '' : goal.goal.includes('RSS') ? ` (${g(goal.value)} GiB)` : ` (${x(goal.value)})`;
  log(`${goal.goal}: ${goal.met === null ? 'not measured' : goal.met ? 'met' : 'not met'}${value}`);
}
if (args.size !== 512 || args.iterations !== 200) log(`(run at ${args.size} px with ${args.iterations} iterations per scale: the goals are for 512 px at 200)`);

if (args.json) {
  console.log(
    JSON.stringify({
      bench: 'methods',
      settings: { size: args.size, iterations: args.iterations, content: contentPath, style: stylePath, seed: args.seed, authorsThreads: args.threads, ourScales },
      machine: { cpus: cpus().length, model: cpus()[0]?.model, totalmem: totalmem(), loadavg: loadavg() },
      weightsAbsSum: expectedSum,
      sameWeights,
      runs: results,
      skipped,
      comparison,
      goals,
    }),
  );
}
