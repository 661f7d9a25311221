/**
 * Issue 28, the browser app as the job service's front end, end to end: a private Redis,
 * `neural-style serve --api` with a token and one worker (the tiny random network,
 * vgg19-random) as child processes on loopback ports, and Debian's Chromium driving the
 * built page. A wrong token is refused in one line; a job submitted before any worker is
 * running says it is waiting for one; once the worker is up it runs with the previews
 * and the loss chart, and its download is byte-equal to the stylize command's result for
 * the same settings. Another job is followed again after a reload and cancelled; a reload
 * lists both jobs with their final states.
 *
 * Its screenshot goes to test-artifacts/web-server-job.png (docs/web-server-job.png is a
 * copy made by hand: tests never write docs/). Without Chromium: skipped locally, failed
 * in CI, as test/web/e2e.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuilt, REPO, WEB_DIST } from '../../scripts/web-build.js';
import { makeStylizeImages } from './stylize-images.js';
import { cli } from '../cli/helpers.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { spawnWorker, stopWorker, type WorkerProcess } from '../jobs/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const TOKEN = 'e2e-token-0123456789abcdef';
const SIZE = 48;
const ITERATIONS = 6;
const noChromium = existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed (apt-get install -y chromium; .ci/run does this)`;
const inCI = !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());

if (noChromium && !inCI) console.warn(`test/web/e2e-jobs.test.ts skipped: ${noChromium}`);
if (noChromium && inCI) {
  it('the page and the job service end to end: CI has Chromium to drive', () => {
    throw new Error(`CI must run the browser test, not skip it: ${noChromium}`);
  });
}

/** `neural-style serve --api` as a child process; resolves with its URL once it listens. */
function spawnServe(redis: string): Promise<{ child: ChildProcess; url: string; log: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'test/cli/child-entry.ts'), 'serve', '--api', '--redis', redis, '--port', '0', '--root', WEB_DIST], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NEURAL_STYLE_API_TOKEN: TOKEN },
  });
  let log = '';
  return new Promise((ok, fail) => {
    child.stderr!.on('data', (d: Buffer) => {
      log += d;
      const url = /serving the neural-style app at (\S+)/.exec(log)?.[1];
      if (url) ok({ child, url, log: () => log });
    });
    child.on('exit', (code) => fail(new Error(`serve exited (${code}) before listening:\n${log}`)));
  });
}

describe.skipIf(noChromium !== null)(`the page as the job service's front end (Chromium, serve --api, one worker)${noChromium ? ` — skipped: ${noChromium}` : ''}`, () => {
  let dir: string;
  let images: { content: string; style: string };
  let redis: TestRedis;
  let serve: Awaited<ReturnType<typeof spawnServe>>;
  let worker: WorkerProcess | undefined;
  let browser: Browser;
  let reference: string;
  let cliRun: ReturnType<typeof cli>;

  beforeAll(async () => {
    ensureWebBuilt();
    dir = mkdtempSync(join(tmpdir(), 'ns-e2e-jobs-'));
    images = await makeStylizeImages(dir, 64, 48, 200);
    redis = await startRedis();
    reference = join(dir, 'cli.png');
    // The same settings: the form's starting values are the options table's defaults but
    // for one, init (the page starts from the content image, the CLI from noise), so it is
    // given here. Without it the two differ (found by this test; every other value the
    // page sends is the CLI's default).
    // Started now, beside the server and the browser: awaited where the download is compared.
    cliRun = cli(['-c', images.content, '-s', images.style, '--model', 'vgg19-random', '--backend', 'cpu', '--image-size', String(SIZE), '--num-iterations', String(ITERATIONS), '--init', 'image', '-o', reference]);
    [serve, browser] = await Promise.all([spawnServe(redis.url), chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (worker) await stopWorker(worker);
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await new Promise((r) => serve.child.once('exit', r));
    }
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The page's one error line (no dismiss button's ×). */
  const errorLine = (page: Page) => page.evaluate(() => document.querySelector('#messages .error span')?.textContent ?? '');

  it('wrong token in one line; a job waits for a worker, runs, downloads byte-equal to the CLI; another is followed after a reload and cancelled', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await page.goto(serve.url);

    // The server answers the API but wants a token: offered, the token asked for.
    await page.waitForSelector('body[data-server="token-needed"]', { timeout: 30_000 });
    await page.check('#run-on-server');
    await page.fill('#server-token', 'not-the-token-0123456789');
    await page.click('#server-token-use');
    await expect.poll(() => errorLine(page)).toBe('The server refused the token: the bearer token is wrong.');
    await page.fill('#server-token', TOKEN);
    await page.click('#server-token-use');
    await page.waitForSelector('body[data-server="ready"]');
    expect(await page.locator('#messages .error').count()).toBe(0);
    // Kept for this tab's session only (no "remember").
    expect(await page.evaluate(() => [sessionStorage.length > 0, localStorage.getItem('neural-style:api-token')])).toEqual([true, null]);

    await page.setInputFiles('#content-file', images.content);
    await page.setInputFiles('#style-files', images.style);
    await page.waitForSelector('#style-list li');
    await page.fill('#image-size', String(SIZE));
    await page.fill('#num-iterations', String(ITERATIONS));
    await page.fill('#server-model', 'vgg19-random');

    // No worker yet: the page says so rather than look stuck.
    await page.click('#start');
    await expect.poll(() => page.textContent('#progress-text'), { timeout: 15_000 }).toMatch(/^job \d+: waiting for a worker/);
    expect(await page.getAttribute('body', 'data-state')).toBe('running');
    expect(await page.isDisabled('#pause')).toBe(true);
    const first = await page.getAttribute('body', 'data-server-job');

    const t0 = Date.now();
    const lap = (what: string) => console.log(`e2e-jobs: ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    worker = spawnWorker(redis.url);
    const progressLines: string[] = [];
    await page.exposeFunction('seenLine', (l: string) => progressLines.push(l));
    await page.evaluate(() => {
      const text = document.getElementById('progress-text')!;
      new MutationObserver(() => (window as unknown as { seenLine: (l: string) => void }).seenLine(text.textContent ?? '')).observe(text, { childList: true, characterData: true, subtree: true });
    });
    await page.waitForSelector('body[data-state="done"], body[data-state="error"]', { timeout: 60_000 });
    expect(await page.getAttribute('body', 'data-state'), await errorLine(page)).toBe('done');
    expect(progressLines.some((l) => /^iteration \d+\/6 · loss /.test(l)), progressLines.join('\n')).toBe(true);
    expect(await page.getAttribute('body', 'data-iteration')).toBe(String(ITERATIONS));
    expect(Number(await page.getAttribute('body', 'data-last-loss'))).toBeLessThan(Number(await page.getAttribute('body', 'data-first-loss')));
    expect(await page.textContent('#progress-text')).toMatch(/^Finished 6 iterations/);
    await expect.poll(() => page.getAttribute(`#job-${first}`, 'data-state')).toBe('completed');
    lap('first job done');
    // The page after following a server job: its image, loss chart, progress line and the list.
    mkdirSync(join(REPO, 'test-artifacts'), { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(REPO, 'test-artifacts/web-server-job.png') });

    // The download is the server's bytes, equal to the stylize command's for the same settings.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const saved = join(dir, 'server.png');
    await download.saveAs(saved);
    const run = await cliRun;
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(saved).equals(readFileSync(reference)), 'the server’s result differs from the CLI’s').toBe(true);

    lap('compared with the CLI');
    // A long job: followed, the page reloaded, followed again from the list, cancelled.
    await page.fill('#num-iterations', '3000');
    await page.click('#start');
    await page.waitForFunction((id) => document.body.dataset.serverJob !== id && Number(document.body.dataset.iteration) >= 1, first, { timeout: 30_000 });
    const second = await page.getAttribute('body', 'data-server-job');
    await page.reload();
    await page.waitForSelector('body[data-server="ready"]', { timeout: 30_000 });
    await expect.poll(() => page.getAttribute(`#job-${second}`, 'data-state')).toBe('active');
    expect(await page.getAttribute(`#job-${first}`, 'data-state')).toBe('completed');
    await page.click(`#job-${second} button.follow`);
    await page.waitForFunction(() => Number(document.body.dataset.iteration) >= 1, undefined, { timeout: 30_000 });
    expect(await page.getAttribute('body', 'data-state')).toBe('running');
    lap('followed again after a reload');
    await page.click('#stop');
    await expect.poll(() => page.getAttribute(`#job-${second}`, 'data-state'), { timeout: 15_000 }).toBe('cancelled');
    await page.waitForSelector('body[data-state="done"]');
    expect(await page.textContent('#progress-text')).toMatch(/^Stopped after \d+ iterations/);

    lap('cancelled');
    await page.reload();
    await page.waitForSelector('body[data-server="ready"]', { timeout: 30_000 });
    await expect.poll(() => page.$$eval('#job-list li', (li) => li.map((l) => `${l.id} ${(l as HTMLElement).dataset.state}`))).toEqual([`job-${second} cancelled`, `job-${first} completed`]);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
