/**
 * Start-up of the CLI (issue 27): wall time of a whole short run, as a user waits for it,
 * and where it goes (NEURAL_STYLE_TIMING's split), over several runs with medians.
 *
 *   npm run bench:startup -- [--size 64] [--runs 5] [--compare OTHER/bin/neural-style.js] [--json]
 *
 * Each run is a fresh `node bin/neural-style.js` process (which, on Linux, may start itself
 * again with huge pages: src/cli/huge-pages-node.ts): a 1-iteration run with VGG-19 of the
 * real widths (random weights, written once as a safetensors --model-file, the size of the
 * cached compact copy of the real ones) on a 160×120 photo and a 96×96 painting. The first
 * run of each command starts with an empty cache folder (what a user's first run pays);
 * the timed runs follow it with the cache warm. `--compare` runs another checkout's command
 * (built: its dist/) in the same rounds, alternating, so both see the same load; the
 * machine's load average is printed before and after. `--json` sends the table to stderr and
 * one JSON report to stdout (as bench.ts and web.ts do), for bench/summary.ts.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { flag, int, readArgs, str } from './args.js';
import { median } from './common.js';
import { makeFixture, writeRandomWeights } from '../test/cli/helpers.js';
import { VGG_WIDTHS } from '../src/models/random-model.js';

const { values: args } = readArgs({
  usage: 'npm run bench:startup -- [options]',
  flags: {
    size: int(64, 'image size (--image-size)'),
    runs: int(5, 'timed runs per command, after each one\'s first (cold-cache) run'),
    compare: str(undefined, "another checkout's bin/neural-style.js, run in the same rounds", 'PATH'),
    json: flag('one JSON report on stdout (the table goes to stderr)'),
  },
});

const ours = resolve(import.meta.dirname, '../bin/neural-style.js');
const commands = [ours, ...(args.compare ? [resolve(args.compare)] : [])];
const f = await makeFixture('ns-bench-startup-');
const weights = join(f.dir, 'vgg19.safetensors');
await writeRandomWeights(weights, 'vgg19', VGG_WIDTHS);
const caches = await Promise.all(commands.map(() => mkdtemp(join(tmpdir(), 'ns-bench-startup-cache-'))));

interface Run {
  wallMs: number;
  phases: Map<string, number>;
}

function runOnce(bin: string, cache: string): Promise<Run> {
  const argv = [bin, '-c', f.photo, '-s', f.painting, '--model', 'vgg19', '--model-file', weights, '--image-size', String(args.size), '--num-iterations', '1', '--backend', 'cpu', '--cache-dir', cache, '-o', join(f.dir, 'out.png'), '--quiet'];
  return new Promise((done, fail) => {
    const start = performance.now();
    const child = spawn(process.execPath, argv, { env: { ...process.env, NEURAL_STYLE_TIMING: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => {
      const wallMs = performance.now() - start;
      if (code !== 0) return fail(new Error(`${bin} exited with ${code}:\n${stderr}`));
      const phases = new Map<string, number>();
      for (const m of stderr.matchAll(/^ {2}(\S.*?) +(-?\d+) ms/gm)) phases.set(m[1]!, Number(m[2]));
      done({ wallMs, phases });
    });
  });
}

const log = (s: string) => (args.json ? process.stderr.write(`${s}\n`) : console.log(s));
const loadavgBefore = loadavg();
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
log(`load average (1, 5, 15 min) before: ${load(loadavgBefore)}`);
const cold: Run[] = [];
for (const [i, bin] of commands.entries()) cold.push(await runOnce(bin, caches[i]!));
const warm: Run[][] = commands.map(() => []);
for (let r = 0; r < args.runs; r++) {
  for (const [i, bin] of commands.entries()) warm[i]!.push(await runOnce(bin, caches[i]!));
}
const loadavgAfter = loadavg();
log(`load average (1, 5, 15 min) after:  ${load(loadavgAfter)}\n`);

for (const [i, bin] of commands.entries()) {
  const runs = warm[i]!;
  log(`${bin}  (${args.size} px, 1 iteration)`);
  log(`  first run, empty cache: ${(cold[i]!.wallMs / 1000).toFixed(2)} s wall`);
  log(`  warm runs, wall: ${runs.map((r) => (r.wallMs / 1000).toFixed(2)).join(', ')} s; median ${(median(runs.map((r) => r.wallMs)) / 1000).toFixed(2)} s`);
  const names = [...new Set(runs.flatMap((r) => [...r.phases.keys()]))];
  if (names.length > 0) {
    log('  phases, median ms (each run):');
    const width = Math.max(...names.map((n) => n.length));
    for (const n of names) {
      const ms = runs.map((r) => r.phases.get(n) ?? 0);
      log(`    ${n.padEnd(width)} ${String(median(ms)).padStart(6)}   (${ms.join(', ')})`);
    }
  }
  log('');
}

/** Per command: the cold run, every warm run and their median, and each phase's median over the warm runs. */
function report() {
  return {
    size: args.size,
    runs: args.runs,
    loadavgBefore,
    loadavgAfter,
    commands: commands.map((bin, i) => {
      const runs = warm[i]!;
      const names = [...new Set(runs.flatMap((r) => [...r.phases.keys()]))];
      return {
        bin,
        coldMs: cold[i]!.wallMs,
        warmMs: runs.map((r) => r.wallMs),
        warmMedianMs: runs.length ? median(runs.map((r) => r.wallMs)) : NaN,
        phasesMedianMs: Object.fromEntries(names.map((n) => [n, median(runs.map((r) => r.phases.get(n) ?? 0))])),
      };
    }),
  };
}
if (args.json) console.log(JSON.stringify(report()));

await Promise.all([f.cleanup(), ...caches.map((c) => rm(c, { recursive: true, force: true }))]);
