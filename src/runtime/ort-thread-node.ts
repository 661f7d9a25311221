/**
 * onnxruntime-node on a thread of its own: an OrtModule whose sessions are created and
 * run in a worker thread, so the calling thread's event loop stays free while they work.
 *
 * Why: onnxruntime-node builds a session and runs it synchronously on the thread that
 * calls it (its `run` is a native call inside setImmediate). A process that must answer
 * the world while it computes — the job worker renewing its BullMQ lock, polling for a
 * client's cancel, heeding SIGTERM — is deaf for as long as a session takes to build (2 s
 * for VGG-19 on 2 idle cores, several times that under load) or an evaluation at print
 * size takes; a lock that expires meanwhile hands the job to a second worker.
 *
 * Each `threadedOrt()` has one thread, started with its first session and ended with its
 * last. Inputs are copied to the thread once per new tensor object: a bound objective's
 * targets cross once, each evaluation's image every time; outputs come back transferred.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import type { OrtModule } from './ort.js';

type Wire = { type: Tensor.Type; dims: readonly number[]; data: ArrayBufferView };

/** The thread: sessions by id; feeds remembered per session, so unchanged inputs are not sent again. */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
const sessions = new Map();
const fed = new Map();
const tensor = (w) => new ort.Tensor(w.type, w.data, w.dims);
parentPort.on('message', async (m) => {
  try {
    if (m.op === 'create') {
      const s = await ort.InferenceSession.create(m.bytes, m.options);
      sessions.set(m.id, s);
      fed.set(m.id, {});
      parentPort.postMessage({ call: m.call, ok: true, inputNames: s.inputNames, outputNames: s.outputNames });
    } else if (m.op === 'run') {
      const feeds = fed.get(m.id);
      for (const [name, w] of Object.entries(m.feeds)) feeds[name] = tensor(w);
      for (const name of m.drop) delete feeds[name];
      const out = await sessions.get(m.id).run(feeds, m.fetches);
      const outputs = {};
      const transfer = [];
      for (const [name, t] of Object.entries(out)) {
        const data = t.data.byteOffset === 0 && t.data.byteLength === t.data.buffer.byteLength ? t.data : t.data.slice();
        outputs[name] = { type: t.type, dims: t.dims, data };
        transfer.push(data.buffer);
      }
      parentPort.postMessage({ call: m.call, ok: true, outputs }, transfer);
    } else if (m.op === 'release') {
      await sessions.get(m.id)?.release();
      sessions.delete(m.id);
      fed.delete(m.id);
      parentPort.postMessage({ call: m.call, ok: true });
    }
  } catch (e) {
    parentPort.postMessage({ call: m.call, ok: false, message: String(e && e.message || e), name: e && e.name });
  }
});
`;

export interface ThreadedOrt extends OrtModule {
  /** Sessions alive on the thread (the thread ends when the last is released). */
  readonly sessions: number;
}

export function threadedOrt(): ThreadedOrt {
  // The addon is loaded by path: an eval'd thread has no module context to resolve from.
  const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
  // The main thread's Tensor class: onnxruntime-common's, pure JS.
  const { Tensor } = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');
  let worker: Worker | undefined;
  let live = 0;
  let nextId = 0;
  let nextCall = 0;
  const pending = new Map<number, { ok: (m: Record<string, unknown>) => void; fail: (e: Error) => void }>();

  const thread = () => {
    if (worker) return worker;
    const w = new Worker(THREAD, { eval: true, workerData: { ortPath } });
    w.on('message', (m: { call: number; ok: boolean; message?: string; name?: string }) => {
      const p = pending.get(m.call);
      pending.delete(m.call);
      if (!p) return;
      // An idle thread keeps no process alive; one with work in flight does.
      if (pending.size === 0) w.unref();
      if (m.ok) p.ok(m as unknown as Record<string, unknown>);
      else p.fail(Object.assign(new Error(m.message), { name: m.name ?? 'Error' }));
    });
    const fail = (err: Error) => {
      for (const p of pending.values()) p.fail(err);
      pending.clear();
      if (worker === w) worker = undefined;
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the onnxruntime thread ended (exit code ${code})`)));
    return (worker = w);
  };
  const call = (message: Record<string, unknown>, transfer: ArrayBuffer[] = []) =>
    new Promise<Record<string, unknown>>((ok, fail) => {
      const id = nextCall++;
      pending.set(id, { ok, fail });
      const w = thread();
      w.ref();
      w.postMessage({ ...message, call: id }, transfer);
    });

  class ThreadSession {
    private readonly sent = new Map<string, Tensor>();
    private released = false;

    constructor(
      private readonly id: number,
      readonly inputNames: readonly string[],
      readonly outputNames: readonly string[],
    ) {}

    async run(feeds: Record<string, Tensor>, fetches?: readonly string[]): Promise<Record<string, Tensor>> {
      const wire: Record<string, Wire> = {};
      const transfer: ArrayBuffer[] = [];
      for (const [name, t] of Object.entries(feeds)) {
        if (this.sent.get(name) === t) continue;
        // A copy of exactly the tensor's values (a view's whole buffer would travel otherwise).
        const data = (t.data as Float32Array).slice();
        wire[name] = { type: t.type, dims: t.dims, data };
        transfer.push(data.buffer as ArrayBuffer);
        this.sent.set(name, t);
      }
      const drop = [...this.sent.keys()].filter((name) => !(name in feeds));
      for (const name of drop) this.sent.delete(name);
      const reply = await call({ op: 'run', id: this.id, feeds: wire, drop, fetches: fetches ?? this.outputNames }, transfer);
      const out: Record<string, Tensor> = {};
      for (const [name, w] of Object.entries(reply.outputs as Record<string, Wire>)) {
        out[name] = new Tensor(w.type as 'float32', w.data as Float32Array, w.dims);
      }
      return out;
    }

    async release(): Promise<void> {
      if (this.released) return;
      this.released = true;
      await call({ op: 'release', id: this.id });
      if (--live === 0 && worker) {
        const w = worker;
        worker = undefined;
        await w.terminate();
      }
    }
  }

  const InferenceSession = {
    async create(bytes: Uint8Array, options?: InferenceSession.SessionOptions) {
      const id = nextId++;
      const copy = bytes.slice();
      live++;
      try {
        const reply = await call({ op: 'create', id, bytes: copy, options }, [copy.buffer as ArrayBuffer]);
        return new ThreadSession(id, reply.inputNames as string[], reply.outputNames as string[]);
      } catch (err) {
        live--;
        throw err;
      }
    },
  };

  return {
    Tensor,
    InferenceSession: InferenceSession as unknown as OrtModule['InferenceSession'],
    get sessions() {
      return live;
    },
  };
}
