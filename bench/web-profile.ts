/**
 * Where the tab's time per iteration goes: one run of the app in headless Chromium (as
 * `npm run bench:web` runs it, WASM), traced with V8's sampling profiler on every thread
 * (the page's, the compute worker's and onnxruntime-web's WASM threads), then the self
 * time of the hottest functions per thread over the iterations after the warm-up.
 * A diagnostic, not a benchmark: the profiler itself costs some time.
 *
 *   npx tsx bench/web-profile.ts [--size 128] [--iterations 12] [--top 25] [--trace /tmp/trace.json]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ensureWebBuilt, WEB_DIST } from '../scripts/web-build.js';
import { serveApp } from '../src/web-server/serve-node.js';
import { flag, int, readArgs, str } from './args.js';
import { fillAdamRun, makeImages } from './web-page.js';
import { selfTimes, wasmCompileMs, type TraceEvent } from './web-profile-trace.js';

const o = readArgs(
  {
    usage: 'npx tsx bench/web-profile.ts [options]',
    flags: {
      size: int(128, 'square image size'),
      iterations: int(12, 'Adam iterations'),
      top: int(25, 'functions listed per thread'),
      trace: str('', 'also write the raw trace (chrome://tracing, Perfetto) here'),
      'js-flags': str('', "V8 flags for Chromium's --js-flags (e.g. --no-wasm-dynamic-tiering)"),
      root: str('', 'serve this built app instead of web-dist/ (another build, as bench:web --baseline)'),
      'no-profile': flag('only the per-iteration times, without the profiler'),
    },
  },
  (v) => v,
);

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-gpu'];

ensureWebBuilt(() => console.error('building web-dist/…'));
const dir = mkdtempSync(join(tmpdir(), 'ns-web-profile-'));
const server = await serveApp({ port: 0, root: o.root || WEB_DIST });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...(o['js-flags'] ? [`--js-flags=${o['js-flags']}`] : [])] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
  await page.addInitScript(() => {
    const w = window as unknown as { __ticks: { iteration: number; elapsedMs: number; at: number }[] };
    w.__ticks = [];
    document.addEventListener('neural-style:progress', (e) => {
      const d = (e as CustomEvent<{ iteration: number; elapsedMs: number }>).detail;
      w.__ticks.push({ ...d, at: 0 });
      // A TimeStamp event in the trace: the iteration's place on the trace's clock.
      console.timeStamp(`ns-tick ${d.iteration}`);
    });
  });
  await page.goto(server.url);
  await page.waitForSelector('body[data-weights="ready"]', { timeout: 120_000 });
  await fillAdamRun(page, await makeImages(dir, o.size), o.size, o.iterations);
  if (!o['no-profile']) await browser.startTracing(page, { categories: ['disabled-by-default-v8.cpu_profiler', 'v8', 'v8.wasm', 'disabled-by-default-v8.wasm.detailed', 'devtools.timeline', 'toplevel'] });
  await page.click('#start');
  await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 600_000 });
  const ticks = await page.evaluate(() => (window as unknown as { __ticks: { iteration: number; elapsedMs: number; at: number }[] }).__ticks);
  const times = ticks.slice(1).map((t, i) => t.elapsedMs - ticks[i]!.elapsedMs);
  const late = times.slice(-Math.ceil(times.length / 2)).sort((a, b) => a - b);
  console.log(`iterations (ms): ${times.map((t) => t.toFixed(0)).join(' ')}; median of the later half ${late[Math.floor(late.length / 2)]!.toFixed(0)}`);
  if (!o['no-profile']) {
    const buf = await browser.stopTracing();
    if (o.trace) writeFileSync(o.trace, buf);
    const events = (JSON.parse(buf.toString()) as { traceEvents: TraceEvent[] }).traceEvents;
    // Profile from the third report to the last (past the first evaluation's set-up).
    const stamps = events.filter((e) => e.name === 'TimeStamp' && String(e.args?.data?.message ?? '').startsWith('ns-tick')).map((e) => e.ts);
    if (stamps.length < 5) throw new Error(`only ${stamps.length} tick stamps in the trace`);
    const from = stamps[3]!;
    const to = stamps[stamps.length - 1]!;
    console.log(`window: ${stamps.length - 4} iterations, ${((to - from) / 1000).toFixed(0)} ms`);
    for (const [name, c] of Object.entries(wasmCompileMs(events, from, to))) console.log(`${name}: ${c.before.toFixed(0)} ms before the window (from Start), ${c.window.toFixed(0)} ms in it`);
    for (const t of selfTimes(events, from, to)) {
      console.log(`\n${t.thread} (pid ${t.pid} tid ${t.tid}): ${(t.totalUs / 1000).toFixed(0)} ms sampled`);
      for (const f of t.functions.slice(0, o.top)) console.log(`  ${(f.us / 1000).toFixed(1).padStart(9)} ms  ${f.name}`);
    }
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
