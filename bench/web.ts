/**
 * `npm run bench:web`: the browser app's time per iteration beside the CLI's, on this
 * machine. Headless Chromium (Debian's, driven by playwright-core, launched as
 * test/web/e2e.test.ts launches it) runs the real app — web-dist/ served by the project's
 * own server (src/web-server/, COOP/COEP, so WASM gets its threads) — with the offline
 * random VGG-19 preset; the CLI runs the same settings from source (`--model vgg19-random`,
 * `--backend cpu`, `--json`). Same image size, Adam, same iteration count; the tab's
 * times come from the worker's progress reports (the page's `neural-style:progress`
 * event), the CLI's from its `--json` lines: the difference of consecutive reports, the
 * first `--warmup` iterations dropped, medians over every later iteration of every round.
 * CLI and tab runs alternate (CLI, each tab backend, CLI, …) so a shared machine's noise
 * falls on all alike. A benchmark, not a test.
 *
 *   npm run bench:web -- [--sizes 128,256] [--iterations 12] [--warmup 2] [--rounds 2]
 *                        [--backends wasm,webgpu] [--software-webgpu] [--baseline NAME=DIR] [--think S] [--json]
 *
 * --think S waits S seconds between the weights being ready and Start, as a visitor picking
 * images does: the app's warm-up (web/src/warm-up.ts) and V8's tier-up of the WASM runtime
 * then run before the timed iterations instead of during them (each tab is a fresh
 * browser context, with no code cache from an earlier run).
 *
 * --baseline times another build of the app (say main's) tab for tab beside this one:
 *   git stash && npx vite build --config web/vite.config.ts --outDir /tmp/web-main && git stash pop
 *   cp -r web-dist/ort /tmp/web-main/ && npm run bench:web -- --baseline main=/tmp/web-main
 *
 * Backends: WASM always; WebGPU when Chromium (with --enable-unsafe-webgpu) gives a
 * hardware adapter — without a GPU it offers only SwiftShader, a CPU emulation, which is
 * reported and skipped unless --software-webgpu; WebNN is probed (navigator.ml.createContext with the WebNN feature enabled) and
 * reported, and runs only where a context can be made.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ensureWebBuilt, REPO, WEB_DIST } from '../scripts/web-build.js';
import { serveApp } from '../src/web-server/serve-node.js';
import { ArgsError, custom, flag, int, ints, num, readArgs, repeated } from './args.js';
import { median } from './common.js';
import { hugePageFacts, hugePagesEnv } from '../src/cli/huge-pages-node.js';
import { waitForQuietChildren } from './quiet.js';
import { fillAdamRun, makeImages } from './web-page.js';
import { formatTable, iterationTimes, ticksFromJsonLines, type Row, type Tick } from './web-timing.js';

const CHROMIUM = '/usr/bin/chromium';
/** test/web/e2e.test.ts's arguments, without --disable-gpu (which also hides WebGPU's software adapter). */
const CHROMIUM_BASE = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const CHROMIUM_ARGS: Record<string, string[]> = {
  wasm: [...CHROMIUM_BASE, '--disable-gpu'],
  webgpu: [...CHROMIUM_BASE, '--enable-unsafe-webgpu'],
};
const WEBNN_FEATURES = '--enable-features=WebMachineLearningNeuralNetwork';

interface Options {
  sizes: number[];
  iterations: number;
  warmup: number;
  rounds: number;
  backends: string[];
  /** Per tab run, seconds: a software WebGPU adapter can need minutes an iteration. */
  timeoutS: number;
  /** Time WebGPU on a software adapter (SwiftShader) too: minutes an iteration. */
  softwareWebgpu: boolean;
  /** Seconds between the weights being ready and Start: a visitor choosing images, while the app's warm-up compiles the runtime. */
  thinkS: number;
  /** Other built apps (e.g. web-dist from main), by name, timed beside this one tab for tab. */
  baselines: Record<string, string>;
  json: boolean;
}

/** Backends the app's picker offers and Chromium is launched for: a misspelt one is an error here, not a failed tab later. */
function tabBackends(raw: string, flag: string): string[] {
  const list = raw.split(',');
  for (const b of list) if (!(b in CHROMIUM_ARGS)) throw new ArgsError(`${flag} wants names from ${Object.keys(CHROMIUM_ARGS).join(', ')}, not '${b}'`);
  return list;
}

/** Every flag with its default: `npm run bench:web -- --help` prints this table. */
const COMMAND = {
  usage: 'npm run bench:web -- [options]',
  flags: {
    sizes: ints([128, 256], 'square image sizes (content and style images made at that size)'),
    iterations: int(12, 'Adam iterations per run (tab and CLI alike)'),
    warmup: int(2, 'iterations left out of the medians at the start of each run'),
    rounds: int(2, 'CLI/tab runs per size, alternating'),
    backends: custom(['wasm', 'webgpu'], 'tab backends to try (webgpu only where Chromium gives an adapter)', 'LIST', tabBackends, 'wasm,webgpu'),
    'timeout-s': num(600, 'give up on one tab run after this long'),
    think: num(0, 'seconds from the weights being ready to Start (0: at once, the worst case: V8 still compiling the runtime during the run)'),
    'software-webgpu': flag('time WebGPU on SwiftShader too (CPU emulation; skipped by default)'),
    baseline: repeated('also time another built app (vite build --outDir DIR, then copy web-dist/ort), tab for tab; repeat for several', '[NAME=]DIR'),
    json: flag('one JSON report on stdout (the table goes to stderr)'),
  },
};

/** `--baseline main=/tmp/web-main` and `--baseline /tmp/web-main` (named "baseline"), by name. */
function baselines(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    out[eq > 0 ? v.slice(0, eq) : 'baseline'] = eq > 0 ? v.slice(eq + 1) : v;
  }
  return out;
}

function readOptions(): Options {
  return readArgs(COMMAND, (v) => {
    if (v.iterations <= v.warmup + 1) throw new ArgsError(`--iterations must exceed --warmup + 1 (got ${v.iterations} and ${v.warmup})`);
    return {
      sizes: v.sizes,
      iterations: v.iterations,
      warmup: v.warmup,
      rounds: v.rounds,
      backends: v.backends,
      timeoutS: v['timeout-s'],
      thinkS: v.think,
      softwareWebgpu: v['software-webgpu'],
      baselines: baselines(v.baseline),
      json: v.json,
    };
  });
}

// ---------------------------------------------------------------------------------------
// The app, the images, the CLI

/** One CLI run from source (not dist/, which may be older than src/): its progress ticks. */
function runCli(images: { content: string; style: string }, size: number, o: Options, out: string): Promise<Tick[]> {
  const args = [
    ...process.execArgv,
    join(REPO, 'bench/cli-from-source.ts'),
    ...['-c', images.content, '-s', images.style, '-o', out, '--model', 'vgg19-random', '--backend', 'cpu'],
    ...['--optimizer', 'adam', '--num-iterations', String(o.iterations), '--image-size', String(size), '--json'],
  ];
  return new Promise((resolve, reject) => {
    // With the huge pages the installed command starts itself with (bin/neural-style.js).
    const env = hugePagesEnv(hugePageFacts()) ?? process.env;
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('close', (code) => (code === 0 ? resolve(ticksFromJsonLines(stdout)) : reject(new Error(`CLI exited with ${code}: ${stderr.trim()}`))));
  });
}

// ---------------------------------------------------------------------------------------
// The tab

interface Tab {
  backend: string;
  browser: Browser;
  url: string;
  /** ' (NAME)' for a --baseline app's tabs. */
  tag: string;
  /** What the page's header says after a run (e.g. 'WASM (2 threads)'), and the adapter for WebGPU. */
  label: string;
  adapter?: string;
}

/** A browser for one backend (for WebGPU: one that gives an adapter); or why not. */
async function openBrowser(backend: string, url: string, o: Options): Promise<Tab | string> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS[backend] ?? CHROMIUM_BASE });
  let adapter: string | undefined;
  if (backend === 'webgpu') {
    const page = await browser.newPage();
    await page.goto(url);
    adapter = await page.evaluate(async () => {
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: { vendor: string; architecture: string; description: string } } | null> } }).gpu;
      if (!gpu) return 'none: no navigator.gpu';
      const a = await gpu.requestAdapter();
      if (!a) return 'none: requestAdapter gave null';
      return a.info ? [a.info.vendor, a.info.architecture, a.info.description].filter(Boolean).join(' ') : 'an adapter (no info)';
    });
    await page.close();
    const software = /swiftshader/i.test(adapter) && !o.softwareWebgpu;
    if (adapter.startsWith('none') || software) {
      await browser.close();
      return software ? `the only adapter is ${adapter}: WebGPU emulated on the CPU, minutes an iteration; --software-webgpu times it anyway` : `WebGPU: ${adapter}`;
    }
  }
  return { backend, browser, url, tag: '', label: backend, adapter };
}

/** A tab run: its progress ticks, and the wall time from the click on Start to the report of iteration 1 (what a visitor waits for the first step). */
interface TabRun {
  ticks: Tick[];
  startToFirstMs: number;
}

/** One run in a fresh tab (the app as a visitor opens it, weights generated anew). */
async function runTab(tab: Tab, images: { content: string; style: string }, size: number, o: Options): Promise<TabRun> {
  const page = await tab.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    return await runIn(page, tab, images, size, o);
  } finally {
    await page.close();
  }
}

async function runIn(page: Page, tab: Tab, images: { content: string; style: string }, size: number, o: Options): Promise<TabRun> {
  page.on('pageerror', (e) => console.error(`[${tab.backend}] pageerror: ${e.message}`));
  await page.addInitScript(() => {
    // elapsedMs counts from the stage's start (after the session is built), so the page's own clock is kept too: Start to the first step.
    const w = window as unknown as { __ticks: { iteration: number; elapsedMs: number; at: number }[] };
    w.__ticks = [];
    document.addEventListener('neural-style:progress', (e) => w.__ticks.push({ ...(e as CustomEvent<{ iteration: number; elapsedMs: number }>).detail, at: performance.now() }));
  });
  await page.goto(tab.url);
  if (!(await page.evaluate(() => self.crossOriginIsolated))) throw new Error('the page is not cross-origin isolated: WASM would run on one thread');
  await page.waitForSelector('body[data-weights="ready"]', { timeout: 120_000 });
  if (o.thinkS > 0) await page.waitForTimeout(o.thinkS * 1000);
  await fillAdamRun(page, images, size, o.iterations, tab.backend);
  await page.waitForSelector('#content-preview:not([hidden])');
  const startAt = await page.evaluate(() => performance.now());
  await page.click('#start');
  await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: o.timeoutS * 1000 });
  if ((await page.getAttribute('body', 'data-state')) === 'error') throw new Error(`the tab's run failed: ${await page.textContent('#messages')}`);
  const used = await page.getAttribute('body', 'data-backend');
  if (used !== tab.backend) throw new Error(`asked for ${tab.backend}, the tab ran on ${used}: ${await page.textContent('#messages')}`);
  tab.label = `${(await page.textContent('#backend'))?.trim() || tab.backend}${tab.tag}`;
  const ticks = await page.evaluate(() => (window as unknown as { __ticks: (Tick & { at: number })[] }).__ticks);
  const first = ticks.find((t) => t.iteration >= 1);
  return { ticks, startToFirstMs: first ? first.at - startAt : NaN };
}

/** Whether this Chromium offers WebNN: navigator.ml, and a context per device type (or the error). */
async function probeWebNn(url: string): Promise<{ flag: string; ml: boolean; contexts: Record<string, string> }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_BASE, WEBNN_FEATURES] });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    const r = await page.evaluate(async () => {
      const ml = (navigator as unknown as { ml?: { createContext(o: { deviceType: string }): Promise<unknown> } }).ml;
      const contexts: Record<string, string> = {};
      if (ml) {
        for (const deviceType of ['cpu', 'gpu', 'npu']) {
          try {
            await ml.createContext({ deviceType });
            contexts[deviceType] = 'ok';
          } catch (e) {
            contexts[deviceType] = `${(e as Error).name}: ${(e as Error).message}`;
          }
        }
      }
      return { ml: ml !== undefined, contexts };
    });
    return { flag: WEBNN_FEATURES, ...r };
  } finally {
    await browser.close();
  }
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = readOptions();
  const log = (s: string) => (o.json ? process.stderr.write(`${s}\n`) : console.log(s));
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is not installed (apt-get install -y chromium)`);
  ensureWebBuilt(() => log('building web-dist/ (npm run build:web)…'));
  const dir = mkdtempSync(join(tmpdir(), 'ns-bench-web-'));
  const server = await serveApp({ port: 0, root: WEB_DIST });
  const baselines: [string, Awaited<ReturnType<typeof serveApp>>][] = [];
  for (const [name, root] of Object.entries(o.baselines)) baselines.push([name, await serveApp({ port: 0, root })]);
  const tabs: Tab[] = [];
  const skipped: Record<string, string> = {};
  try {
    const version = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).stdout.trim();
    log(`neural-style bench:web: ${version}, ${cpus().length} CPUs (${cpus()[0]?.model}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    log(`Adam, ${o.iterations} iterations a run, medians over iterations ${o.warmup + 1}..${o.iterations} of ${o.rounds} rounds; VGG-19 random weights (seed 0), default objective`);
    const webnn = await probeWebNn(server.url);
    const webnnOk = Object.entries(webnn.contexts).filter(([, v]) => v === 'ok').map(([k]) => k);
    log(
      `WebNN (${webnn.flag}): ${!webnn.ml ? 'no navigator.ml' : webnnOk.length ? `contexts for ${webnnOk.join(', ')}` : `navigator.ml exists, but every createContext fails: ${[...new Set(Object.values(webnn.contexts))].join('; ')}`}`,
    );
    if (webnnOk.length) log('  (the app has no WebNN backend yet: not timed)');
    for (const backend of o.backends) {
      const t = await openBrowser(backend, server.url, o);
      if (typeof t === 'string') skipped[backend] = t;
      else {
        tabs.push(t);
        for (const [name, b] of baselines) tabs.push({ ...t, url: b.url, tag: ` (${name})`, label: `${backend} (${name})` });
      }
    }
    for (const t of tabs) if (t.adapter) log(`WebGPU adapter: ${t.adapter}${/swiftshader/i.test(t.adapter) ? ' (SwiftShader: WebGPU emulated on the CPU)' : ''}`);
    for (const [b, why] of Object.entries(skipped)) log(`${b}: skipped (${why})`);

    const rows: (Row & { tabTimes: number[]; cliTimes: number[]; startToFirstMs: number[] })[] = [];
    const cliLabel = 'onnxruntime-node CPU';
    for (const size of o.sizes) {
      const images = await makeImages(dir, size);
      const cli: number[] = [];
      const tab = new Map<Tab, number[]>(tabs.map((t) => [t, []]));
      const startToFirst = new Map<Tab, number[]>(tabs.map((t) => [t, []]));
      const failed = new Map<Tab, string>();
      for (let r = 0; r < o.rounds; r++) {
        // The open browser may still be compiling the WASM runtime from its last run.
        const wait = await waitForQuietChildren();
        if (wait.waitedMs > 1500 || !wait.quiet) log(`  (waited ${(wait.waitedMs / 1000).toFixed(0)} s for the browser to go quiet before the CLI run${wait.quiet ? '' : '; it did not'})`);
        cli.push(...iterationTimes(await runCli(images, size, o, join(dir, 'out.png')), o.warmup));
        for (const t of tabs) {
          if (failed.has(t)) continue;
          try {
            const run = await runTab(t, images, size, o);
            tab.get(t)!.push(...iterationTimes(run.ticks, o.warmup));
            startToFirst.get(t)!.push(run.startToFirstMs);
          } catch (err) {
            failed.set(t, (err as Error).message.split('\n')[0]!.slice(0, 200));
          }
        }
        log(`  ${size} px, round ${r + 1}: CLI ${median(cli).toFixed(0)} ms/it${tabs.map((t) => `, ${t.label} ${failed.has(t) ? 'failed' : `${median(tab.get(t)!).toFixed(0)} ms/it (Start → iteration 1: ${(startToFirst.get(t)!.at(-1)! / 1000).toFixed(1)} s)`}`).join('')}`);
      }
      for (const t of tabs) {
        const times = tab.get(t)!;
        rows.push({ size, backend: t.label, tabMs: times.length ? median(times) : NaN, cliMs: median(cli), note: failed.get(t), tabTimes: times, cliTimes: cli, startToFirstMs: startToFirst.get(t)! });
      }
    }
    log(`\n${formatTable(rows, cliLabel)}`);
    log(`\nload average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    if (o.json) console.log(JSON.stringify({ chromium: version, options: o, webnn, skipped, adapters: tabs.map((t) => t.adapter).filter(Boolean), rows, loadavg: loadavg() }));
  } finally {
    for (const b of new Set(tabs.map((t) => t.browser))) await b.close();
    await server.close();
    for (const [, b] of baselines) await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
