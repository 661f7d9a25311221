/**
 * `neural-style worker`: takes jobs from the queue and runs them, on any machine that
 * reaches the Redis.
 *
 * One job, top to bottom:
 *   1. a result already in the store (an earlier delivery finished it): report it, done
 *   2. the inputs from the store; a warm Stylizer for these settings, or a new one
 *   3. the job's last checkpoint, if a delivery before this one saved one: continue from it
 *   4. run, sending progress (and a preview every previewEvery iterations) as BullMQ
 *      progress events and a checkpoint to the store every checkpointEvery iterations
 *   5. the result into the store, written once however many deliveries finish
 *
 * A worker that dies (SIGKILL, a lost machine) stops renewing its lock; BullMQ's stalled
 * check hands the job to another worker after about `lockMs`, which resumes at step 3.
 * SIGTERM stops cleanly: each running job saves its checkpoint and goes back to the queue.
 */
import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { hostname } from 'node:os';
import { chooseBackend } from '../cli/backend.js';
import { decodeCheckpoint, encodeCheckpoint, fingerprintDifference, type SavedRun } from '../cli/checkpoint.js';
import type { CliBackend } from '../cli/options.js';
import { flagOf } from '../cli/options.js';
import { InputError, NeuralStyleError, NumericalError, WeightsError } from '../errors.js';
import { decodeImage } from '../image/decode-node.js';
import { encodeImage } from '../image/encode-node.js';
import { fitMaxSide, resize } from '../image/resize.js';
import type { RgbImage } from '../image/types.js';
import { getModelEntry } from '../models/registry.js';
import type { LoadedModel } from '../models/types.js';
import type { BackendName, OrtModule } from '../runtime/ort.js';
import { progressData, type Checkpoint } from '../stylize/types.js';
import { createStylizer } from '../stylize/stylizer.js';
import { optimizerRecord } from '../optim/index.js';
import { cancelKey, ensureReachable } from './client.js';
import { bullConnection, parseRedisUrl, QUEUE_NAME } from './connection.js';
import { RedisJobStore } from './redis-store.js';
import { JOB_SPEC_VERSION, type JobProgress, type JobSpec, type JobSummary, type StoredImage } from './spec.js';
import { DEFAULT_STORE_LIMITS, type StoreLimits } from './store.js';
import { StylizerPool } from './warm.js';

export interface WorkerSettings {
  redis: string;
  /** Jobs run at once by this process (each on its own Stylizer). */
  concurrency?: number;
  backend?: CliBackend;
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

/** Why a run's signal was aborted. */
type StopReason = 'shutdown' | 'cancel';

/** Largest side of a progress preview, px: a few KB per event. */
const PREVIEW_SIDE = 128;

/** How often a running job checks whether a client cancelled it. */
const CANCEL_POLL_MS = 500;

/**
 * Loaded weights by cache directory and name, for every worker of this process: a model
 * is read (or generated) once however many workers a process starts.
 */
const models = new Map<string, Promise<LoadedModel>>();

export async function runWorker(settings: WorkerSettings): Promise<void> {
  const log = settings.log ?? (() => {});
  const id = settings.id ?? `${hostname()}:${process.pid}`;
  const target = parseRedisUrl(settings.redis);
  for (const name of settings.preload ?? []) getModelEntry(name);
  const store = new RedisJobStore(target, settings.limits ?? DEFAULT_STORE_LIMITS);
  // A Redis that cannot be reached at start is a one-line error, as for submit and jobs.
  await ensureReachable(store, target);
  const ort = (await import('onnxruntime-node')) as unknown as OrtModule;
  const choice = await chooseBackend(ort, settings.backend ?? 'auto');
  const backend: BackendName = choice.backend;
  const concurrency = settings.concurrency ?? 1;
  const pool = new StylizerPool(concurrency);
  const running = new Map<string, AbortController>();

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

  const processJob = async (job: Job<JobSpec, JobSummary>, token?: string): Promise<JobSummary> => {
    const jobId = job.id!;
    const spec = job.data;
    if (spec?.version !== JOB_SPEC_VERSION) throw new UnrecoverableError(`job ${jobId}: job data version ${String(spec?.version)}; this worker reads version ${JOB_SPEC_VERSION}`);

    // 1. Finished by an earlier delivery (its worker died before BullMQ heard of it).
    const earlier = await readSummary(store, jobId);
    if (earlier) {
      log(`job ${jobId}: already finished by ${earlier.worker}; not run again`);
      return { ...earlier, duplicate: true };
    }

    // 2. Inputs, model, a warm Stylizer.
    const image = async (s: StoredImage) => {
      const bytes = await store.get('input', s.key);
      if (!bytes) throw new UnrecoverableError(`the input image ${s.name} is no longer in the store (it expired); submit the job again`);
      return decodeImage(Buffer.from(bytes), s.name);
    };
    const content = await image(spec.inputs.content);
    const styles: RgbImage[] = [];
    for (const s of spec.inputs.styles) styles.push(await image(s));
    const initImage = spec.inputs.initImage ? await image(spec.inputs.initImage) : undefined;
    const options = { ...spec.options, backend };
    const model = await loadModel(spec.model);
    const key = JSON.stringify([spec.model, options, spec.inputs.styles.map((s) => s.key)]);
    const { stylizer, warm } = await pool.take(key, () => createStylizer({ ort, model, styles, options }));

    try {
      // 3. Continue from the last checkpoint, when it is this job's.
      const notes: string[] = [];
      let resume: Checkpoint | undefined;
      const saved = await store.get('checkpoint', jobId);
      if (saved) {
        const run: SavedRun = decodeCheckpoint(saved, `job ${jobId}'s checkpoint`);
        const diff = fingerprintDifference(run.fingerprint, spec.fingerprint);
        if (diff) notes.push(`a checkpoint from another run was ignored (${diff})`);
        else resume = run.checkpoint;
      }
      const resumedFrom = resume?.iteration;
      log(`job ${jobId}: ${resume ? `resumed from iteration ${resumedFrom}` : 'started'} (attempt ${job.attemptsStarted ?? job.attemptsMade + 1}, ${warm ? 'warm stylizer' : 'new stylizer'})`);

      // 4. Run: progress, previews, checkpoints, cancellation.
      const controller = new AbortController();
      running.set(jobId, controller);
      let lastCancelCheck = Date.now();
      let stateDropped = false;
      const result = await stylizer.run({
        content,
        initImage,
        signal: controller.signal,
        resume,
        checkpointEvery: spec.checkpointEvery,
        onCheckpoint: async (c) => {
          let bytes = encodeCheckpoint({ fingerprint: spec.fingerprint, checkpoint: c });
          const full = bytes.length;
          if (bytes.length > store.limits.maxBytes.checkpoint) {
            // The optimiser's history (L-BFGS: 2 × corrections × the image) does not fit: keep
            // the image and start the optimiser afresh from it if this job is resumed.
            bytes = encodeCheckpoint({ fingerprint: spec.fingerprint, checkpoint: { ...c, optimizer: optimizerRecord(options.optimizer).freshState(options) } });
            if (!stateDropped) {
              stateDropped = true;
              notes.push(
                `the ${options.optimizer} state (${(full / 2 ** 20).toFixed(1)} MiB) is over the store's checkpoint limit: ` +
                  'checkpoints hold the image only, so a resumed run restarts the optimiser from the last image',
              );
            }
          }
          if (bytes.length > store.limits.maxBytes.checkpoint) {
            if (!notes.some((n) => n.startsWith('no checkpoint'))) notes.push('no checkpoint fits the store\'s limit: a resumed run starts over');
            return;
          }
          await store.put('checkpoint', jobId, bytes);
        },
        onProgress: async (p) => {
          const progress: JobProgress = {
            ...progressData(p),
            worker: id,
            ...(resumedFrom !== undefined ? { resumedFrom } : {}),
            ...(spec.previewEvery > 0 && p.iteration % spec.previewEvery === 0 ? { preview: await previewUrl(p.image()) } : {}),
          };
          await job.updateProgress(progress as unknown as object);
          if (Date.now() - lastCancelCheck >= CANCEL_POLL_MS) {
            lastCancelCheck = Date.now();
            if (await store.redis.exists(cancelKey(jobId))) controller.abort('cancel' satisfies StopReason);
          }
        },
      }).finally(() => running.delete(jobId));

      if (result.interrupted) {
        if (controller.signal.reason === 'cancel') {
          await store.delete('checkpoint', jobId);
          log(`job ${jobId}: cancelled at iteration ${result.iterations}`);
          throw new UnrecoverableError('cancelled by a client');
        }
        // Shutdown: the checkpoint is saved (the Stylizer's last one); back to the queue.
        await job.moveToWait(token);
        log(`job ${jobId}: back to the queue at iteration ${result.iterations} (worker stopping)`);
        throw new WaitingError();
      }

      // 5. The result, once.
      const bytes = await encodeImage(result.image, spec.format);
      const summary: JobSummary = {
        width: result.image.width,
        height: result.image.height,
        iterations: result.iterations,
        loss: result.loss,
        parts: result.parts,
        format: spec.format,
        bytes: bytes.length,
        worker: id,
        elapsedMs: result.elapsedMs,
        ...(resumedFrom !== undefined ? { resumedFrom } : {}),
        notes,
      };
      const first = await store.put('result', jobId, bytes, { onlyIfAbsent: true });
      await store.put('summary', jobId, Buffer.from(JSON.stringify(summary)), { onlyIfAbsent: true });
      if (!first) {
        log(`job ${jobId}: another delivery wrote the result first; kept theirs`);
        return { ...((await readSummary(store, jobId)) ?? summary), duplicate: true };
      }
      await store.delete('checkpoint', jobId);
      log(`job ${jobId}: done, ${result.iterations} iterations, loss ${result.loss.toPrecision(6)}`);
      return summary;
    } finally {
      await pool.give(key, stylizer);
    }
  };

  try {
    for (const name of settings.preload ?? []) {
      await loadModel(name);
      log(`model ${name}: loaded`);
    }
  } catch (err) {
    await store.close();
    throw err;
  }

  const worker = new Worker<JobSpec, JobSummary>(
    QUEUE_NAME,
    async (job, token) => {
      try {
        return await processJob(job, token);
      } catch (err) {
        // Mistakes in the job itself fail it at once; anything else is retried (attempts).
        if (err instanceof NeuralStyleError && (err.exitCode === 2 || err instanceof InputError || err instanceof WeightsError || err instanceof NumericalError)) {
          log(`job ${job.id}: failed: ${err.render(flagOf)}`);
          throw new UnrecoverableError(err.render(flagOf));
        }
        if (!(err instanceof WaitingError) && !(err instanceof UnrecoverableError)) log(`job ${job.id}: error: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
    },
    {
      connection: bullConnection(target),
      concurrency,
      lockDuration: settings.lockMs ?? 30_000,
      // Looking for dead workers' jobs is one cheap script: do it often, so a job waits
      // about one lock duration after its worker died, not two.
      stalledInterval: Math.max(1000, Math.round((settings.lockMs ?? 30_000) / 4)),
      // A job may outlive a few dead workers before BullMQ gives up on it.
      maxStalledCount: 5,
      autorun: false,
    },
  );
  // Connection loss and recovery, as this process's store connection sees them (BullMQ's
  // own connections use the same retry strategy, connection.ts).
  let lost = 0;
  worker.on('error', () => {});
  store.redis.on('close', () => {
    if (!lost && !settings.signal.aborted) {
      lost = Date.now();
      log('redis: connection lost; retrying');
    }
  });
  store.redis.on('ready', () => {
    if (lost) {
      log(`redis: reconnected after ${Date.now() - lost} ms`);
      lost = 0;
    }
  });

  const stopped = new Promise<void>((ok) => {
    const stop = () => {
      log(`worker ${id}: stopping; ${running.size} running job(s) go back to the queue`);
      for (const c of running.values()) c.abort('shutdown' satisfies StopReason);
      // BullMQ's close waits for Redis; one that went away must not keep the process alive.
      void Promise.race([worker.close(), new Promise((ok) => setTimeout(ok, CLOSE_TIMEOUT_MS).unref())])
        .catch(() => {})
        .then(() => {
          store.redis.disconnect();
          void worker.disconnect().catch(() => {});
        })
        .then(() => Promise.allSettled([pool.release(), store.close()]))
        .then(() => ok());
    };
    if (settings.signal.aborted) stop();
    else settings.signal.addEventListener('abort', stop, { once: true });
  });
  void worker.run().catch((err: unknown) => log(`worker: ${(err as Error).message}`));
  await worker.waitUntilReady();
  log(`worker ${id}: ready (${target.url}, concurrency ${concurrency}, ${choice.reason})`);
  await stopped;
  log(`worker ${id}: stopped`);
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
