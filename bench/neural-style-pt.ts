/**
 * `npm run bench:neural-style-pt`: neural-style-pt's own script (jcjohnson/neural-style's
 * PyTorch port, neural_style.py) against our CLI, whole runs with the same settings: the same
 * images, size, VGG-19 weight file, L-BFGS, iterations, random init, CPU. Wall time of each
 * process from start to exit, start-up included on both sides; the two alternate, run for run.
 * The project does not ship neural_style.py or its weights: give their paths. Without them
 * bench/summary.ts falls back to torch.optim.LBFGS configured as that script configures it
 * (bench.ts --stylize-optimizer lbfgs).
 *
 *   npm run bench:neural-style-pt -- --script PATH/neural_style.py --model-file PATH/vgg19-d01eb7cb.pth
 *                                    [--python python3] [--size 512] [--steps 10] [--runs 1] [--json]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ArgsError, flag, int, readArgs, str } from './args.js';
import { median } from './common.js';
import { paintingBytes, photoBytes, rawImage } from '../test/cli/helpers.js';

const o = readArgs(
  {
    usage: 'npm run bench:neural-style-pt -- --script PATH --model-file PATH [options]',
    flags: {
      script: str(undefined, "neural-style-pt's neural_style.py", 'PATH'),
      'model-file': str(undefined, 'the VGG-19 .pth both sides load', 'PATH'),
      python: str('python3', 'the Python (with torch) that runs the script', 'PATH'),
      size: int(512, 'image size (-image_size, --image-size)'),
      steps: int(10, 'L-BFGS iterations (-num_iterations, --num-iterations)'),
      runs: int(1, 'runs of each, alternating (median reported)'),
      json: flag('one JSON report on stdout (the table goes to stderr)'),
    },
  },
  (v) => {
    if (!v.script || !v['model-file']) throw new ArgsError('--script and --model-file are both needed');
    return { ...v, script: resolve(v.script), modelFile: resolve(v['model-file']) };
  },
);
const log = (s: string) => (o.json ? process.stderr.write(`${s}\n`) : console.log(s));

/** Wall time of one process, or an error with its last output. */
function timed(cmd: string, args: string[]): Promise<number> {
  return new Promise((done, fail) => {
    const start = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done(performance.now() - start) : fail(new Error(`${cmd} exited with ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`))));
  });
}

const dir = await mkdtemp(join(tmpdir(), 'ns-bench-nspt-'));
const content = join(dir, 'content.png');
const style = join(dir, 'style.png');
const [w, h] = [o.size, Math.round((o.size * 3) / 4)];
await rawImage(photoBytes(w, h), w, h).png().toFile(content);
await rawImage(paintingBytes(o.size), o.size, o.size).png().toFile(style);

// The same settings on both sides; neural-style-pt's defaults already match ours (content relu4_2, style relu1_1..relu5_1, max pooling).
const theirs = [o.script, '-content_image', content, '-style_image', style, '-model_file', o.modelFile, '-image_size', String(o.size), '-num_iterations', String(o.steps), '-optimizer', 'lbfgs', '-init', 'random', '-seed', '0', '-gpu', 'c', '-backend', 'nn', '-print_iter', '0', '-save_iter', '0', '-output_image', join(dir, 'theirs.png')];
const ours = [resolve(import.meta.dirname, '../bin/neural-style.js'), '-c', content, '-s', style, '--model', 'vgg19', '--model-file', o.modelFile, '--image-size', String(o.size), '--num-iterations', String(o.steps), '--optimizer', 'lbfgs', '--init', 'random', '--seed', '0', '--backend', 'cpu', '--print-iter', '0', '--save-iter', '0', '-o', join(dir, 'ours.png'), '--quiet'];

const loadavgBefore = loadavg();
const oursMs: number[] = [];
const theirsMs: number[] = [];
try {
  for (let r = 0; r < o.runs; r++) {
    oursMs.push(await timed(process.execPath, ours));
    theirsMs.push(await timed(o.python, theirs));
    log(`run ${r + 1}: ours ${(oursMs.at(-1)! / 1000).toFixed(2)} s, neural_style.py ${(theirsMs.at(-1)! / 1000).toFixed(2)} s`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
const report = {
  size: o.size,
  steps: o.steps,
  loadavgBefore,
  loadavgAfter: loadavg(),
  ours: { wallMs: median(oursMs), runs: oursMs },
  reference: { script: o.script, python: o.python, wallMs: median(theirsMs), runs: theirsMs },
  ratio: median(oursMs) / median(theirsMs),
};
log(`${o.steps} L-BFGS steps at ${o.size} px, whole runs: ours / neural_style.py ${report.ratio.toFixed(2)}×`);
if (o.json) console.log(JSON.stringify(report));
