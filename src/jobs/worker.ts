/**
 * `neural-style worker`: takes jobs from the queue and runs them, on any machine that
 * reaches the Redis.
 *
 * One job, top to bottom (`processJob`, one named step each):
 *   1. finishedEarlier  a result already in the store (an earlier delivery finished it): report it, done
 *   2. readInputs       the inputs from the store
 *   3. preflightJob     the stylize command's checks, memory included (job-preflight.ts)
 *   4. warmStylizer     a warm Stylizer for these settings, or a new one
 *   5. lastCheckpoint   the job's last checkpoint, if a delivery before this one saved one
 *   6. runJob           run, sending progress (and a preview every previewEvery iterations) as
 *                       BullMQ progress events and a checkpoint to the store every checkpointEvery
 *   7. storeResult      the result into the store, written once however many deliveries finish
 *
 * A client's cancel and the worker's stop reach every step (job-stop.ts): a cancelled job
 * fails and is never run again; a stopped one goes back to the queue. A failure is the
 * job's (fails once) or the worker's (retried), by failure-class.ts's table.
 *
 * A worker that dies (SIGKILL, a lost machine) stops renewing its lock; BullMQ's stalled
 * check hands the job to another worker after about `lockMs`, which resumes at step 4.
 * A live worker keeps renewing it however long a session takes to build or run: each
 * Stylizer's onnxruntime sessions work on a thread of their own (src/runtime/ort-thread-node.ts),
 * so this thread's event loop — BullMQ's lock renewal, the cancel poll — is never blocked.
 * SIGTERM stops cleanly: each running job saves its checkpoint (one past its style targets)
 * and goes back to the queue.
 * Failures reach clients as message parts (failure.ts), each client naming options its way.
 */
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { hostname } from 'node:os';
import { chooseBackend, type BackendChoice } from '../backends/index.js';
import { decodeCheckpoint, encodeCheckpoint, fingerprintDifference } from '../checkpoint/index.js';
import { NeuralStyleError, renderParts, optionKey } from '../errors.js';
import { decodeImage } from '../image/decode-node.js';
import { encodeImage } from '../image/encode-node.js';
import { fitMaxSide, resize } from '../image/resize.js';
import type { RgbImage } from '../image/types.js';
import { getModelEntry } from '../models/registry.js';
import type { LoadedModel } from '../models/types.js';
import type { OrtModule } from '../runtime/ort.js';
import { threadedOrt } from '../runtime/ort-thread-node.js';
import { optimizerRecord } from '../optim/index.js';
import { createStylizer, type Stylizer } from '../stylize/stylizer.js';
import { progressData, type Checkpoint, type StylizeResult } from '../stylize/types.js';
import { StopRequested, throwIfStopped, untilStopped } from '../util/abort.js';
import { ensureReachable } from './client.js';
import { bullConnection, parseRedisUrl, QUEUE_NAME, type RedisTarget } from './connection.js';
import { encodeFailure } from './failure.js';
import { classifyFailure, type JobPhase } from './failure-class.js';
import { preflightJob } from './job-preflight.js';
import { JobStop, type StopReason } from './job-stop.js';
import { RedisJobStore } from './redis-store.js';
import { JOB_SPEC_VERSION, type JobProgress, type JobSpec, type JobSummary, type StoredImage } from './spec.js';
import { DEFAULT_STORE_LIMITS, type StoreLimits } from './store.js';
import { StylizerPool } from './warm.js';

export interface WorkerSettings {
  redis: string;
  /** Jobs run at once by this process (each on its own Stylizer). */
  concurrency?: number;
  /** A registered backend's name, or auto (src/backends). */
  backend?: string;
  cacheDir?: string;
  /**
   * How long a job's lock lasts unrenewed (BullMQ renews it every half of this): a dead
   * worker's job goes to another after about this long. Default 30 s.
   */
  lockMs?: number;
  limits?: StoreLimits;
  /** One line per event (ready, job started/resumed/done, connection lost/back). */
  log?: (line: string) => void;
  /** Abort to stop: running jobs checkpoint and go back to the queue. */
  signal: AbortSignal;
  /**
   * The weights for a job's model name, instead of the registry and cache: for a library
   * caller with its own weights (and tests, with a narrow network).
   */
  models?: (name: string) => Promise<LoadedModel>;
  /** Models to load before taking jobs (a generated one takes seconds to make). */
  preload?: string[];
  /** Default host:pid. */
  id?: string;
}

/** How long a stopping worker waits for BullMQ to close before dropping its connections. */
const CLOSE_TIMEOUT_MS = 10_000;

/** Largest side of a progress preview, px: a few KB per event. */
const PREVIEW_SIDE = 128;

/**
 * Loaded weights by cache directory and name, for every worker of this process: a model
 * is read (or generated) once however many workers a process starts.
 */
const models = new Map<string, Promise<LoadedModel>>();

/** What every job of this worker shares. */
interface WorkerContext {
  id: string;
  settings: WorkerSettings;
  log: (line: string) => void;
  store: RedisJobStore;
  target: RedisTarget;
  ort: OrtModule;
  backend: BackendChoice;
  pool: StylizerPool;
  /** Jobs' stop switches, by job id, from the moment each is taken. */
  running: Map<string, JobStop>;
  loadModel(name: string): Promise<LoadedModel>;
}

export async function runWorker(settings: WorkerSettings): Promise<void> {
  const ctx = await startWorker(settings);
  const worker = makeBullWorker(ctx);
  watchConnection(ctx, worker);
  const stopped = stopOnSignal(ctx, worker);
  void worker.run().catch((err: unknown) => ctx.log(`worker: ${(err as Error).message}`));
  await worker.waitUntilReady();
  ctx.log(`worker ${ctx.id}: ready (${ctx.target.url}, concurrency ${settings.concurrency ?? 1}, ${ctx.backend.reason})`);
  await stopped;
  ctx.log(`worker ${ctx.id}: stopped`);
}

/** Redis reachable, the backend chosen, the models to preload loaded: or one clear error. */
async function startWorker(settings: WorkerSettings): Promise<WorkerContext> {
  const log = settings.log ?? (() => {});
  const target = parseRedisUrl(settings.redis);
  for (const name of settings.preload ?? []) getModelEntry(name);
  const store = new RedisJobStore(target, settings.limits ?? DEFAULT_STORE_LIMITS);
  // A Redis that cannot be reached at start is a one-line error, as for submit and jobs.
  await ensureReachable(store, target);
  try {
    const ort = (await import('onnxruntime-node')) as unknown as OrtModule;
    const backend = await chooseBackend(ort, settings.backend ?? 'auto');
    const loadModel = (name: string) => {
      if (settings.models) return settings.models(name);
      const key = `${settings.cacheDir ?? ''}\0${name}`;
      let m = models.get(key);
      if (!m) {
        m = import('../models/resolve-node.js').then(({ resolveModel }) =>
          // vgg19-random is one fixed network (seed 0), as in the stylize command.
          resolveModel({ model: name, cacheDir: settings.cacheDir, seed: 0, onNotice: (n) => log(`model ${name}: ${n}`) }),
        );
        m.catch(() => models.delete(key));
        models.set(key, m);
      }
      return m;
    };
    for (const name of settings.preload ?? []) {
      await loadModel(name);
      log(`model ${name}: loaded`);
    }
    const id = settings.id ?? `${hostname()}:${process.pid}`;
    return { id, settings, log, store, target, ort, backend, pool: new StylizerPool(settings.concurrency ?? 1), running: new Map(), loadModel };
  } catch (err) {
    await store.close();
    throw err;
  }
}

function makeBullWorker(ctx: WorkerContext): Worker<JobSpec, JobSummary> {
  const lockMs = ctx.settings.lockMs ?? 30_000;
  return new Worker<JobSpec, JobSummary>(
    QUEUE_NAME,
    async (job, token) => {
      const at: { phase: JobPhase } = { phase: 'inputs' };
      try {
        return await processJob(ctx, job, token, at);
      } catch (err) {
        if (err instanceof WaitingError || err instanceof UnrecoverableError) throw err;
        // Mistakes in the job itself fail it at once; the worker's faults are retried (attempts).
        const failure = classifyFailure(err, at.phase, { model: job.data?.model, worker: ctx.id });
        const whole = err instanceof NeuralStyleError ? renderParts(err.parts, optionKey) : err instanceof Error ? (err.stack ?? err.message) : String(err);
        ctx.log(`job ${job.id}: ${failure.permanent ? 'failed' : 'error (retried while attempts remain)'} (${at.phase}): ${whole}`);
        const reason = encodeFailure(failure.parts);
        throw failure.permanent ? new UnrecoverableError(reason) : new Error(reason);
      }
    },
    {
      connection: bullConnection(ctx.target),
      concurrency: ctx.settings.concurrency ?? 1,
      lockDuration: lockMs,
      // Looking for dead workers' jobs is one cheap script: do it often, so a job waits
      // about one lock duration after its worker died, not two.
      stalledInterval: Math.max(1000, Math.round(lockMs / 4)),
      // A job may outlive a few dead workers before BullMQ gives up on it.
      maxStalledCount: 5,
      autorun: false,
    },
  );
}

async function processJob(ctx: WorkerContext, job: Job<JobSpec, JobSummary>, token: string | undefined, at: { phase: JobPhase }): Promise<JobSummary> {
  const jobId = job.id!;
  const spec = job.data;
  if (spec?.version !== JOB_SPEC_VERSION) {
    throw new UnrecoverableError(encodeFailure([`job ${jobId}: job data version ${String(spec?.version)}; this worker reads version ${JOB_SPEC_VERSION}`]));
  }
  const earlier = await finishedEarlier(ctx, jobId);
  if (earlier) return earlier;
  const stop = await JobStop.start(ctx.store.redis, jobId, ctx.running, ctx.settings.signal.aborted);
  let taken: Awaited<ReturnType<typeof warmStylizer>> | undefined;
  try {
    throwIfStopped(stop.signal);
    at.phase = 'inputs';
    const inputs = await readInputs(ctx, spec, stop.signal);
    at.phase = 'preflight';
    const availableBytes = preflightJob(spec, inputs, ctx.backend);
    taken = await warmStylizer(ctx, spec, inputs.styles, inputs.content, availableBytes, stop.signal, at);
    const { stylizer, warm } = taken;
    at.phase = 'run';
    const notes: string[] = [];
    const resume = await lastCheckpoint(ctx, jobId, spec, notes);
    ctx.log(`job ${jobId}: ${resume ? `resumed from iteration ${resume.iteration}` : 'started'} (attempt ${job.attemptsStarted ?? job.attemptsMade + 1}, ${warm ? 'warm stylizer' : 'new stylizer'})`);
    const result = await runJob(ctx, job, stylizer, inputs, resume, notes, stop.signal);
    if (result.interrupted) return await stopped(ctx, job, token, stop.reason, `at iteration ${result.iterations}`);
    at.phase = 'result';
    return await storeResult(ctx, jobId, spec, result, resume?.iteration, notes);
  } catch (err) {
    if (err instanceof StopRequested) return await stopped(ctx, job, token, stop.reason, `while ${PHASE_WORDS[at.phase]}`);
    throw err;
  } finally {
    stop.dispose();
    if (taken) await ctx.pool.give(taken.key, taken.stylizer);
  }
}

/** What each phase is doing, for the log line of a job stopped in it. */
const PHASE_WORDS: Record<JobPhase, string> = {
  inputs: 'reading its inputs',
  preflight: 'checking it',
  model: 'loading the weights',
  compile: 'compiling',
  run: 'running',
  result: 'storing its result',
};

/** A job stopped before its end: a client's cancel fails it for good; the worker's stop sends it back to the queue. */
async function stopped(ctx: WorkerContext, job: Job<JobSpec, JobSummary>, token: string | undefined, reason: StopReason | undefined, where: string): Promise<never> {
  const jobId = job.id!;
  if (reason === 'cancel') {
    await ctx.store.delete('checkpoint', jobId);
    ctx.log(`job ${jobId}: cancelled ${where}`);
    throw new UnrecoverableError(encodeFailure(['cancelled by a client']));
  }
  // Its checkpoint, if it saved one, is in the store; back to the queue for another worker.
  await job.moveToWait(token);
  ctx.log(`job ${jobId}: back to the queue ${where} (worker stopping)`);
  throw new WaitingError();
}

/** Step 1: an earlier delivery finished the job (its worker died before BullMQ heard of it). */
async function finishedEarlier(ctx: WorkerContext, jobId: string): Promise<JobSummary | undefined> {
  const earlier = await readSummary(ctx.store, jobId);
  if (!earlier) return undefined;
  ctx.log(`job ${jobId}: already finished by ${earlier.worker}; not run again`);
  return { ...earlier, duplicate: true };
}

interface JobInputs {
  content: RgbImage;
  styles: RgbImage[];
  initImage?: RgbImage;
}

/** Step 2: the job's images from the store, decoded. */
async function readInputs(ctx: WorkerContext, spec: JobSpec, signal: AbortSignal): Promise<JobInputs> {
  const image = async (s: StoredImage) => {
    throwIfStopped(signal);
    const bytes = await ctx.store.get('input', s.key);
    if (!bytes) throw new UnrecoverableError(encodeFailure([`the input image ${s.name} is no longer in the store (it expired); submit the job again`]));
    return decodeImage(Buffer.from(bytes), s.name);
  };
  const content = await image(spec.inputs.content);
  const styles: RgbImage[] = [];
  for (const s of spec.inputs.styles) styles.push(await image(s));
  const initImage = spec.inputs.initImage ? await image(spec.inputs.initImage) : undefined;
  return { content, styles, initImage };
}

/**
 * Step 4: an idle Stylizer compiled for the same model, options and styles, or a new one.
 * A stop ends the wait for the weights or the compiling at once; a Stylizer that is
 * finished after that goes to the pool all the same.
 */
async function warmStylizer(
  ctx: WorkerContext,
  spec: JobSpec,
  styles: RgbImage[],
  content: RgbImage,
  availableBytes: number | undefined,
  signal: AbortSignal,
  at: { phase: JobPhase },
): Promise<{ stylizer: Stylizer; warm: boolean; key: string }> {
  const options = { ...spec.options, backend: ctx.backend.profile.name };
  at.phase = 'model';
  const model = await untilStopped(ctx.loadModel(spec.model), signal);
  at.phase = 'compile';
  // The iteration count is a run setting, not the compiled objective's: jobs that differ only
  // there share a Stylizer (a coarse-to-fine list takes no run settings, so it keeps the count).
  const { numIterations: _, ...compiled } = options;
  // The content's shape picks the conv forms (src/graph/winograd/table.ts), which round
  // differently: a Stylizer made for another shape would give other bytes than the CLI.
  const contentShape = fitMaxSide(content.width, content.height, options.imageSize);
  const key = JSON.stringify([spec.model, perRunIterations(spec) ? compiled : options, spec.inputs.styles.map((s) => s.key), contentShape]);
  // Its sessions on a thread of their own (one per Stylizer, so concurrent jobs compute in parallel).
  const taking = ctx.pool.take(key, () => createStylizer({ ort: threadedOrt(), model, styles, options, availableBytes, contentShape }));
  try {
    return { ...(await untilStopped(taking, signal)), key };
  } catch (err) {
    if (err instanceof StopRequested) void taking.then(({ stylizer }) => ctx.pool.give(key, stylizer), () => {});
    throw err;
  }
}

/** Whether the job's iteration count can be handed to a warm Stylizer per run (Stylizer.run refuses run settings with a coarse-to-fine list). */
function perRunIterations(spec: JobSpec): boolean {
  return !(spec.options.multires && spec.options.multires.length > 0);
}

/** Step 5: the checkpoint an earlier delivery saved, when it is this job's. */
async function lastCheckpoint(ctx: WorkerContext, jobId: string, spec: JobSpec, notes: string[]): Promise<Checkpoint | undefined> {
  const saved = await ctx.store.get('checkpoint', jobId);
  if (!saved) return undefined;
  const run = decodeCheckpoint(saved, `job ${jobId}'s checkpoint`);
  const diff = fingerprintDifference(run.fingerprint, spec.fingerprint);
  if (!diff) return run.checkpoint;
  notes.push(`a checkpoint from another run was ignored (${renderParts(diff, optionKey)})`);
  return undefined;
}

/** Step 6: the run, with progress, previews, checkpoints and cancellation. */
async function runJob(
  ctx: WorkerContext,
  job: Job<JobSpec, JobSummary>,
  stylizer: Stylizer,
  inputs: JobInputs,
  resume: Checkpoint | undefined,
  notes: string[],
  signal: AbortSignal,
): Promise<StylizeResult> {
  const jobId = job.id!;
  const spec = job.data;
  let stateDropped = false;
  return stylizer.run({
    content: inputs.content,
    ...(perRunIterations(spec) ? { settings: { numIterations: spec.options.numIterations } } : {}),
    initImage: inputs.initImage,
    signal,
    resume,
    checkpointEvery: spec.checkpointEvery,
    onCheckpoint: async (c) => {
      let bytes = encodeCheckpoint({ fingerprint: spec.fingerprint, checkpoint: c });
      const full = bytes.length;
      if (bytes.length > ctx.store.limits.maxBytes.checkpoint) {
        // The optimiser's history (L-BFGS: 2 × corrections × the image) does not fit: keep
        // the image and start the optimiser afresh from it if this job is resumed.
        const fresh = optimizerRecord(stylizer.options.optimizer).freshState(stylizer.options);
        bytes = encodeCheckpoint({ fingerprint: spec.fingerprint, checkpoint: { ...c, optimizer: fresh } });
        if (!stateDropped) {
          stateDropped = true;
          notes.push(
            `the ${stylizer.options.optimizer} state (${(full / 2 ** 20).toFixed(1)} MiB) is over the store's checkpoint limit: ` +
              'checkpoints hold the image only, so a resumed run restarts the optimiser from the last image',
          );
        }
      }
      if (bytes.length > ctx.store.limits.maxBytes.checkpoint) {
        if (!notes.some((n) => n.startsWith('no checkpoint'))) notes.push("no checkpoint fits the store's limit: a resumed run starts over");
        return;
      }
      await ctx.store.put('checkpoint', jobId, bytes);
    },
    onProgress: async (p) => {
      const progress: JobProgress = {
        ...progressData(p),
        worker: ctx.id,
        ...(resume ? { resumedFrom: resume.iteration } : {}),
        ...(spec.previewEvery > 0 && p.iteration % spec.previewEvery === 0 ? { preview: await previewUrl(p.image()) } : {}),
      };
      await job.updateProgress(progress as unknown as object);
    },
  });
}

/** Step 7: the result and its summary, written once; a later delivery keeps the first. */
async function storeResult(ctx: WorkerContext, jobId: string, spec: JobSpec, result: StylizeResult, resumedFrom: number | undefined, notes: string[]): Promise<JobSummary> {
  const bytes = await encodeImage(result.image, spec.format);
  const summary: JobSummary = {
    width: result.image.width,
    height: result.image.height,
    iterations: result.iterations,
    loss: result.loss,
    parts: result.parts,
    format: spec.format,
    bytes: bytes.length,
    worker: ctx.id,
    elapsedMs: result.elapsedMs,
    ...(resumedFrom !== undefined ? { resumedFrom } : {}),
    notes,
  };
  const first = await ctx.store.put('result', jobId, bytes, { onlyIfAbsent: true });
  await ctx.store.put('summary', jobId, Buffer.from(JSON.stringify(summary)), { onlyIfAbsent: true });
  if (!first) {
    ctx.log(`job ${jobId}: another delivery wrote the result first; kept theirs`);
    return { ...((await readSummary(ctx.store, jobId)) ?? summary), duplicate: true };
  }
  await ctx.store.delete('checkpoint', jobId);
  ctx.log(`job ${jobId}: done, ${result.iterations} iterations, loss ${result.loss.toPrecision(6)}`);
  return summary;
}

/** Connection loss and recovery, as this process's store connection sees them (BullMQ's own use the same retry strategy). */
function watchConnection(ctx: WorkerContext, worker: Worker): void {
  let lost = 0;
  worker.on('error', () => {});
  ctx.store.redis.on('close', () => {
    if (!lost && !ctx.settings.signal.aborted) {
      lost = Date.now();
      ctx.log('redis: connection lost; retrying');
    }
  });
  ctx.store.redis.on('ready', () => {
    if (lost) {
      ctx.log(`redis: reconnected after ${Date.now() - lost} ms`);
      lost = 0;
    }
  });
}

/** On the settings' signal: running jobs checkpoint and go back to the queue, then every connection closes. */
function stopOnSignal(ctx: WorkerContext, worker: Worker): Promise<void> {
  return new Promise<void>((ok) => {
    const stop = () => {
      ctx.log(`worker ${ctx.id}: stopping; ${ctx.running.size} running job(s) go back to the queue`);
      for (const s of ctx.running.values()) s.stop('shutdown');
      // BullMQ's close waits for Redis; one that went away must not keep the process alive.
      void Promise.race([worker.close(), new Promise((done) => setTimeout(done, CLOSE_TIMEOUT_MS).unref())])
        .catch(() => {})
        .then(() => {
          ctx.store.redis.disconnect();
          void worker.disconnect().catch(() => {});
        })
        .then(() => Promise.allSettled([ctx.pool.release(), ctx.store.close()]))
        .then(() => ok());
    };
    if (ctx.settings.signal.aborted) stop();
    else ctx.settings.signal.addEventListener('abort', stop, { once: true });
  });
}

async function readSummary(store: RedisJobStore, jobId: string): Promise<JobSummary | undefined> {
  const b = await store.get('summary', jobId);
  return b ? (JSON.parse(Buffer.from(b).toString('utf8')) as JobSummary) : undefined;
}

async function previewUrl(img: RgbImage): Promise<string> {
  const s = fitMaxSide(img.width, img.height, PREVIEW_SIDE);
  const small = s.width < img.width ? resize(img, s.width, s.height) : img;
  return `data:image/png;base64,${(await encodeImage(small, 'png')).toString('base64')}`;
}
