/**
 * The tab on a first and a second visit (issue 27: "the tab's first iteration at 128 px
 * comes ≤ 3 s after Start on a second visit"). Headless Chromium with one persistent
 * profile (--user-data-dir), closed and started again between visits as a returning
 * visitor's browser would be, so what Chromium keeps on disk — its HTTP cache, V8's code
 * cache for the WASM runtime, the app's IndexedDB and Cache Storage — carries over, and
 * nothing in memory does. Each visit: open the app, wait for the weights (the offline
 * random preset), wait --think seconds (a visitor choosing images), pick the images,
 * click Start; the timeline of the worker's messages is taken from the page's side of the
 * worker (a wrapped `Worker`), on the page's clock.
 *
 *   npx tsx bench/web-revisit.ts [--size 128] [--visits 2] [--think 5] [--iterations 5] [--first-iterations N] [--root web-dist] [--keep-profile DIR]
 *
 * Prints per visit: page load → weights ready, Start → first iteration (the goal's
 * number), Start → each status message, and the iterations' times; with `--json`, one
 * report on stdout (the options, the load average and the visits) for bench/summary.ts.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { ensureWebBuilt, WEB_DIST } from '../scripts/web-build.js';
import { serveApp } from '../src/web-server/serve-node.js';
import { flag, int, num, readArgs, str } from './args.js';
import { fillAdamRun, makeImages } from './web-page.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-gpu'];

const { values: args } = readArgs({
  usage: 'npx tsx bench/web-revisit.ts [options]',
  flags: {
    size: int(128, 'square image size'),
    visits: int(2, 'visits with the same browser profile (the browser restarted in between)'),
    think: num(5, 'seconds between the weights being ready and Start (a visitor choosing images)'),
    iterations: int(5, 'Adam iterations a run'),
    'first-iterations': int(0, "Adam iterations of the first visit's run (a visitor's first whole run; default --iterations)"),
    root: str('', 'the built app to serve (default web-dist/)', 'DIR'),
    'keep-profile': str('', 'use (and keep) this profile directory instead of a fresh temporary one', 'DIR'),
    json: flag('one JSON report on stdout (the lines go to stderr), for bench/summary.ts'),
  },
});

/** One visit as the JSON report gives it (times in ms, on the page's clock). */
interface Visit {
  visit: number;
  iterations: number;
  weightsReadyMs: number;
  /** Start → the first iteration's report; NaN when none came. */
  startToFirstMs: number;
  /** The times between the later iterations' reports. */
  iterationMs: number[];
  phases: { phase: string; start: number; duration: number }[];
  codeCacheMiB: number;
}
const log = (line: string) => (args.json ? process.stderr.write(`${line}\n`) : console.log(line));
const visits: Visit[] = [];

interface Mark {
  t: number;
  type: string;
  text?: string;
  iteration?: number;
  phases?: { phase: string; start: number; duration: number }[];
}

/** Bytes under a folder, in MiB: whether Chromium kept compiled WASM for the next visit. */
function codeCacheMiB(folder: string): number {
  if (!existsSync(folder)) return 0;
  let bytes = 0;
  for (const e of readdirSync(folder, { recursive: true, withFileTypes: true })) if (e.isFile()) bytes += statSync(join(e.parentPath, e.name)).size;
  return bytes / 2 ** 20;
}

const dir = mkdtempSync(join(tmpdir(), 'ns-revisit-'));
const profile = args['keep-profile'] ? resolve(args['keep-profile']) : join(dir, 'profile');
const images = await makeImages(dir, args.size);

if (!args.root) ensureWebBuilt(() => log('building web-dist/ (npm run build:web)…'));
// One server for every visit: the caches are per origin, and the port is part of it.
const server = await serveApp({ port: 0, root: args.root || WEB_DIST });
const loadBefore = loadavg();
log(`web-revisit: ${args.size} px, ${args.iterations} iterations (the first visit ${args['first-iterations'] || args.iterations}), think ${args.think} s, app ${args.root || 'web-dist/'}; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
try {
  for (let visit = 1; visit <= args.visits; visit++) {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, viewport: { width: 1280, height: 900 } });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
      await page.addInitScript(() => {
        const w = window as unknown as { __marks: Mark[]; Worker: typeof Worker };
        w.__marks = [];
        const Original = w.Worker;
        w.Worker = class extends Original {
          constructor(url: string | URL, options?: WorkerOptions) {
            super(url, options);
            this.addEventListener('message', (e: MessageEvent) => {
              const d = e.data as Omit<Mark, 't'>;
              if (d && typeof d.type === 'string') w.__marks.push({ t: performance.now(), type: d.type, text: d.text, iteration: d.iteration, phases: d.phases });
            });
          }
        };
      });
      const t0 = Date.now();
      await page.goto(server.url);
      await page.waitForSelector('body[data-weights="ready"]', { timeout: 300_000 });
      const ready = Date.now() - t0;
      await page.waitForTimeout(args.think * 1000);
      const iterations = visit === 1 && args['first-iterations'] > 0 ? args['first-iterations'] : args.iterations;
      await fillAdamRun(page, images, args.size, iterations);
      const start = await page.evaluate(() => {
        const t = performance.now();
        (document.querySelector('#start') as HTMLButtonElement).click();
        return t;
      });
      await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 600_000 });
      if ((await page.getAttribute('body', 'data-state')) === 'error') throw new Error(`the run failed: ${await page.textContent('#messages')}`);
      const marks = (await page.evaluate(() => (window as unknown as { __marks: Mark[] }).__marks)).filter((m) => m.t >= start);
      const its = marks.filter((m) => m.type === 'progress' && (m.iteration ?? 0) >= 1);
      const first = its[0];
      const gaps = its.slice(1).map((m, i) => Math.round(m.t - its[i]!.t));
      log(
        `visit ${visit}: weights ready ${(ready / 1000).toFixed(1)} s after load; Start → first iteration ${first ? ((first.t - start) / 1000).toFixed(2) : '?'} s; ` +
          `iterations after it ${gaps.join(' ')} ms; load ${loadavg()[0]!.toFixed(2)}`,
      );
      for (const m of marks.filter((m) => m.type === 'status' || m.type === 'backend' || (m.type === 'progress' && (m.iteration ?? 0) <= 1))) {
        log(`   +${((m.t - start) / 1000).toFixed(2).padStart(6)} s  ${m.type}${m.text ? `: ${m.text}` : ''}${m.iteration !== undefined ? ` ${m.iteration}` : ''}`);
      }
      const phases = marks.find((m) => m.type === 'done')?.phases ?? [];
      log(`   the worker's phases (start+length ms, from the run message): ${phases.map((p) => `${p.phase} ${p.start}+${p.duration}`).join(', ')}`);
      visits.push({ visit, iterations, weightsReadyMs: ready, startToFirstMs: first ? first.t - start : NaN, iterationMs: gaps, phases, codeCacheMiB: 0 });
    } finally {
      await context.close();
    }
    const cache = codeCacheMiB(join(profile, 'Default', 'Code Cache', 'wasm'));
    if (visits.at(-1)?.visit === visit) visits.at(-1)!.codeCacheMiB = cache;
    log(`   V8's WASM code cache in the profile: ${cache.toFixed(1)} MiB`);
  }
  if (args.json) {
    const options = { size: args.size, think: args.think, iterations: args.iterations, firstIterations: args['first-iterations'] || args.iterations };
    console.log(JSON.stringify({ options, loadavgBefore: loadBefore, loadavgAfter: loadavg(), visits }));
  }
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
