/**
 * The job service soaked on loopback (issue 26, item 7): a private Redis, the real
 * `serve --api` and worker processes, and concurrent clients sending a mix of requests —
 * valid small jobs, malformed JSON, oversized uploads, jobs over the server's caps,
 * requests without or with a wrong token, cancels, status and result reads. It checks
 * what a hostile or merely busy crowd must never cause: a 5xx, a crashed process, an
 * accepted job that never ends (or ends failed without a reason), Redis memory growing
 * without bound. `npm run bench:soak` prints the figures; test/jobs/soak.test.ts runs a
 * smaller one. Not a benchmark of speed: the figures are there to be read and compared.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { JobClient } from '../src/jobs/client.js';
import { runWorker } from '../src/jobs/worker.js';
import type { LoadedModel } from '../src/models/types.js';
import { ROOT } from '../test/cli/helpers.js';
import { startRedis } from '../test/helpers/redis-server.js';
import { contentPng, spawnWorker, stopWorker, type WorkerProcess } from '../test/jobs/helpers.js';

export interface SoakSettings {
  requests: number;
  clients: number;
  workers: number;
  seed: number;
  /**
   * The valid jobs' iteration counts, one picked per job. Each count is a different warm
   * Stylizer for a worker (its pool is keyed by the options), so a mix costs compiles.
   */
  iterations: readonly number[];
  /** Redis's used_memory must stay under this, bytes. */
  maxRedisBytes: number;
  /** How long accepted jobs may take to end once the requests are sent, ms. */
  drainMs: number;
  /**
   * Workers in this process with these weights (for every model name) instead of
   * `neural-style worker` processes: the test's quick version, with a narrow network.
   */
  inProcessModel?: () => Promise<LoadedModel>;
  log?: (line: string) => void;
}

export interface SoakFigures {
  /** Requests by kind, then answers by status code ('reset' when the connection closed first). */
  kinds: Record<string, number>;
  statuses: Record<string, number>;
  /** Each 5xx (or unexpected status) with what was sent and the body. */
  unexpected: string[];
  accepted: number;
  done: number;
  failed: number;
  /** Removed while waiting (DELETE answered 'removed'). */
  cancelled: number;
  /** Accepted jobs still unfinished after drainMs, gone without a cancel, or failed without a reason. */
  lost: string[];
  failedReasons: Record<string, number>;
  redisMaxBytes: number;
  redisEndBytes: number;
  workerMaxRssBytes: number;
  apiMaxRssBytes: number;
  /** Processes that exited during the soak. */
  crashed: string[];
  wallMs: number;
}

const TOKEN = 'soak-token-0123456789abcdef0123';
const JOB = { model: 'vgg19-random', imageSize: 32, optimizer: 'adam' };

/** mulberry32: a reproducible mix for a given seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Answer {
  status: number | 'reset';
  body: string;
}

/** One request with exactly these headers and body; 'reset' when the server closed before answering (a refused upload may). */
function send(base: string, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  return new Promise((ok) => {
    const req = request(new URL(path, base), { method, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => ok({ status: res.statusCode!, body: Buffer.concat(chunks).toString('utf8').slice(0, 300) }));
      res.on('error', () => ok({ status: res.statusCode!, body: '' }));
    });
    req.on('error', () => ok({ status: 'reset', body: '' }));
    req.end(body);
  });
}

/** A multipart body the way a browser's FormData makes it. */
async function multipart(files: Array<[string, Buffer, string]>, options: string | undefined): Promise<{ body: Buffer; type: string }> {
  const fd = new FormData();
  for (const [field, bytes, name] of files) fd.append(field, new Blob([new Uint8Array(bytes)]), name);
  if (options !== undefined) fd.append('options', options);
  const r = new Request('http://x/', { method: 'POST', body: fd });
  return { body: Buffer.from(await r.arrayBuffer()), type: r.headers.get('content-type')! };
}

/** `neural-style serve --api` as a child process; resolves with its URL. */
function spawnApi(redis: string, args: string[]): { child: ChildProcess; url: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/cli/child-entry.ts'), 'serve', '--api', '--port', '0', '--redis', redis, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NEURAL_STYLE_API_TOKEN: TOKEN },
  });
  let err = '';
  const url = new Promise<string>((ok, fail) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d;
      const m = /serving the neural-style app at (\S+)/.exec(err);
      if (m) ok(m[1]!.replace(/\/$/, ''));
    });
    child.on('exit', (code) => fail(new Error(`serve --api exited (${code}) before listening:\n${err}`)));
  });
  return { child, url };
}

/** Resident set size of a process, bytes (Linux /proc); 0 when it cannot be read. */
async function rssOf(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  return kb ? Number(kb[1]) * 1024 : 0;
}

export async function runSoak(s: SoakSettings): Promise<SoakFigures> {
  const log = s.log ?? (() => {});
  const rand = random(s.seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const figures: SoakFigures = {
    kinds: {},
    statuses: {},
    unexpected: [],
    accepted: 0,
    done: 0,
    failed: 0,
    cancelled: 0,
    lost: [],
    failedReasons: {},
    redisMaxBytes: 0,
    redisEndBytes: 0,
    workerMaxRssBytes: 0,
    apiMaxRssBytes: 0,
    crashed: [],
    wallMs: 0,
  };  const redis = await startRedis();
  const workers: WorkerProcess[] = s.inProcessModel ? [] : Array.from({ length: s.workers }, () => spawnWorker(redis.url));
  const stopInProcess = new AbortController();
  const inProcess = s.inProcessModel
    ? Array.from({ length: s.workers }, (_, i) =>
        runWorker({ redis: redis.url, backend: 'cpu', models: s.inProcessModel!, signal: stopInProcess.signal, id: `soak-${i + 1}` }).catch((e: unknown) => {
          figures.crashed.push(`in-process worker ${i + 1}: ${(e as Error).message}`);
        }),
      )
    : [];
  // A small upload cap, so oversized requests are cheap to make; a queue cap the clients reach.
  const api = spawnApi(redis.url, ['--max-upload-mb', '1', '--max-queued', '40']);
  const client = await JobClient.connect(redis.url);

  const sample = async () => {
    const info = await client.store.redis.info('memory');
    const used = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
    figures.redisMaxBytes = Math.max(figures.redisMaxBytes, used);
    // In-process workers share this process: its RSS stands for theirs.
    if (s.inProcessModel) figures.workerMaxRssBytes = Math.max(figures.workerMaxRssBytes, process.memoryUsage.rss());
    for (const w of workers) figures.workerMaxRssBytes = Math.max(figures.workerMaxRssBytes, await rssOf(w.child.pid));
    figures.apiMaxRssBytes = Math.max(figures.apiMaxRssBytes, await rssOf(api.child.pid));
    return used;
  };
  let sampler: NodeJS.Timeout | undefined;
  const exits: Promise<void>[] = [];
  let ending = false;
  const watch = (name: string, child: ChildProcess) =>
    exits.push(new Promise((ok) => child.on('exit', (code, signal) => (ending || figures.crashed.push(`${name} exited (${code ?? signal})`), ok()))));
  try {
    const base = await api.url;
    watch('serve --api', api.child);
    await Promise.all(workers.map((w) => w.waitFor(/ ready /, 180_000)));
    workers.forEach((w, i) => watch(`worker ${i + 1}`, w.child));
    log(`soak: Redis ${redis.url}, API ${base}, ${s.workers} workers ready; ${s.requests} requests from ${s.clients} clients`);

    const contents = await Promise.all(Array.from({ length: 8 }, (_, k) => contentPng(k)));
    const style = await contentPng(100);
    const auth = { Authorization: `Bearer ${TOKEN}` };
    const ids: string[] = [];
    const cancelledIds = new Set<string>();
    const job = (options: unknown, extra: Array<[string, Buffer, string]> = []) =>
      multipart([['content', pick(contents), 'content.png'], ['style', style, 'style.png'], ...extra], JSON.stringify(options));

    /** Each kind of request: how often, what it sends, the statuses it may get. */
    const KINDS: Array<{ name: string; weight: number; expect: Array<Answer['status']>; run: () => Promise<Answer> }> = [
      {
        name: 'valid job',
        weight: 30,
        expect: [202, 429],
        run: async () => {
          const { body, type } = await job({ ...JOB, numIterations: pick(s.iterations) });
          const a = await send(base, 'POST', '/api/jobs', { ...auth, 'content-type': type }, body);
          if (a.status === 202) ids.push((JSON.parse(a.body) as { id: string }).id);
          return a;
        },
      },
      {
        name: 'malformed JSON',
        weight: 10,
        expect: [400],
        run: async () => {
          const { body, type } = await multipart([['content', pick(contents), 'c.png'], ['style', style, 's.png']], pick(['{"imageSize": 32,', 'null', '[1,2]', '{"imageSize": "big"}', '\u0000']));
          return send(base, 'POST', '/api/jobs', { ...auth, 'content-type': type }, body);
        },
      },
      {
        name: 'not multipart',
        weight: 3,
        expect: [415],
        run: () => send(base, 'POST', '/api/jobs', { ...auth, 'content-type': 'application/json' }, Buffer.from('{"imageSize":32}')),
      },
      {
        name: 'oversized upload',
        weight: 5,
        expect: [413, 'reset'],
        run: async () => {
          const { body, type } = await job(JOB, [['initImage', Buffer.alloc(1.5 * 2 ** 20, 7), 'big.png']]);
          return send(base, 'POST', '/api/jobs', { ...auth, 'content-type': type }, body);
        },
      },
      {
        name: 'over the caps',
        weight: 7,
        expect: [400],
        run: async () => {
          const options = pick([
            { imageSize: 2048, styleScale: 16, numIterations: 1 },
            { ...JOB, numIterations: 1e9 },
            { ...JOB, multiresFirstIterations: 900000 },
            { ...JOB, multiresFrom: 16, imageSize: 64 },
            { ...JOB, styleScale: 12 },
          ]);
          const { body, type } = await job(options);
          return send(base, 'POST', '/api/jobs', { ...auth, 'content-type': type }, body);
        },
      },
      {
        name: 'unauthorised',
        weight: 10,
        expect: [401, 403],
        run: async () => {
          const { body, type } = await job(JOB);
          const headers = pick<Record<string, string>>([{}, { Authorization: 'Bearer wrong-token-0123456789abcdef' }, { ...auth, Origin: 'http://evil.example' }]);
          return rand() < 0.5 ? send(base, 'POST', '/api/jobs', { ...headers, 'content-type': type }, body) : send(base, 'GET', `/api/jobs/${pick(ids.length ? ids : ['1'])}`, headers);
        },
      },
      {
        name: 'cancel',
        weight: 10,
        expect: [200, 404, 409],
        run: async () => {
          const id = pick(ids.length ? ids : ['1']);
          const a = await send(base, 'DELETE', `/api/jobs/${id}`, auth);
          if (a.status === 200) cancelledIds.add(id);
          return a;
        },
      },
      { name: 'status read', weight: 20, expect: [200, 404], run: () => send(base, 'GET', `/api/jobs/${pick(ids.length ? ids : ['1'])}`, auth) },
      { name: 'result read', weight: 5, expect: [200, 404, 409], run: () => send(base, 'GET', `/api/jobs/${pick(ids.length ? ids : ['1'])}/result`, auth) },
    ];
    const totalWeight = KINDS.reduce((a, k) => a + k.weight, 0);
    const choose = () => {
      let r = rand() * totalWeight;
      for (const k of KINDS) if ((r -= k.weight) < 0) return k;
      return KINDS[KINDS.length - 1]!;
    };

    const start = Date.now();
    sampler = setInterval(() => void sample().catch(() => {}), 250);
    let next = 0;
    await Promise.all(
      Array.from({ length: s.clients }, async () => {
        while (next < s.requests) {
          next++;
          const kind = choose();
          figures.kinds[kind.name] = (figures.kinds[kind.name] ?? 0) + 1;
          const a = await kind.run();
          figures.statuses[a.status] = (figures.statuses[a.status] ?? 0) + 1;
          if (!kind.expect.includes(a.status)) figures.unexpected.push(`${kind.name}: ${a.status} ${a.body}`);
        }
      }),
    );
    log(`soak: ${s.requests} requests sent in ${((Date.now() - start) / 1000).toFixed(1)} s; waiting for ${ids.length} accepted jobs to end`);

    // Every accepted job ends: done, failed with a reason, or removed by a cancel.
    figures.accepted = ids.length;
    const deadline = Date.now() + s.drainMs;
    const pending = new Set(ids);
    while (pending.size > 0 && Date.now() < deadline) {
      for (const id of [...pending]) {
        const st = await client.status(id);
        if (!st) {
          pending.delete(id);
          if (cancelledIds.has(id)) figures.cancelled++;
          else figures.lost.push(`job ${id}: gone without a cancel`);
        } else if (st.state === 'completed') {
          pending.delete(id);
          figures.done++;
        } else if (st.state === 'failed') {
          pending.delete(id);
          figures.failed++;
          const reason = st.failedReason?.trim() ?? '';
          if (reason === '') figures.lost.push(`job ${id}: failed without a reason`);
          figures.failedReasons[reason] = (figures.failedReasons[reason] ?? 0) + 1;
        }
      }
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 200));
    }
    for (const id of pending) figures.lost.push(`job ${id}: still ${(await client.status(id))?.state ?? 'gone'} ${s.drainMs / 1000} s after the last request`);
    figures.wallMs = Date.now() - start;
    figures.redisEndBytes = await sample();
    return figures;
  } finally {
    clearInterval(sampler);
    ending = true;
    await client.close();
    api.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => stopWorker(w)));
    stopInProcess.abort();
    await Promise.all(inProcess);
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 15_000))]);
    await redis.stop();
  }
}

/** The soak's figures, one fact a line. */
export function describeSoak(f: SoakFigures, s: SoakSettings): string[] {
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  const sorted = (r: Record<string, number>) => Object.entries(r).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  return [
    `requests: ${s.requests} from ${s.clients} clients, ${s.workers} workers, seed ${s.seed}, valid jobs of ${s.iterations.join(' or ')} iterations; wall time ${(f.wallMs / 1000).toFixed(1)} s`,
    `  by kind: ${sorted(f.kinds)}`,
    `  by status: ${sorted(f.statuses)}`,
    `jobs: ${f.accepted} accepted → ${f.done} done, ${f.failed} failed, ${f.cancelled} cancelled while waiting; ${f.lost.length} lost`,
    ...Object.entries(f.failedReasons).map(([r, n]) => `  failed ${n}×: ${r}`),
    `Redis used_memory: max ${mb(f.redisMaxBytes)} (limit ${mb(s.maxRedisBytes)}), at the end ${mb(f.redisEndBytes)}`,
    `RSS: worker max ${mb(f.workerMaxRssBytes)}, API max ${mb(f.apiMaxRssBytes)}`,
    `5xx or unexpected answers: ${f.unexpected.length}${f.unexpected.length ? `\n  ${f.unexpected.slice(0, 10).join('\n  ')}` : ''}`,
    `crashed: ${f.crashed.length ? f.crashed.join('; ') : 'none'}`,
    ...f.lost.slice(0, 10).map((l) => `  lost: ${l}`),
  ];
}

/** What the soak must never see; empty when it held. */
export function soakProblems(f: SoakFigures, s: SoakSettings): string[] {
  const problems: string[] = [];
  const fivexx = Object.entries(f.statuses).filter(([k]) => /^5/.test(k));
  if (fivexx.length) problems.push(`5xx answers: ${fivexx.map(([k, v]) => `${k} ×${v}`).join(', ')}`);
  if (f.unexpected.length) problems.push(`${f.unexpected.length} answers not among their request's expected statuses`);
  if (f.crashed.length) problems.push(`crashed: ${f.crashed.join('; ')}`);
  if (f.lost.length) problems.push(`${f.lost.length} accepted jobs did not end done, failed with a reason, or cancelled`);
  if (f.redisMaxBytes > s.maxRedisBytes) problems.push(`Redis used_memory reached ${f.redisMaxBytes} bytes, over ${s.maxRedisBytes}`);
  if (f.accepted === 0) problems.push('no job was accepted: the soak did not exercise the workers');
  return problems;
}
