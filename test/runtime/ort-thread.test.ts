/**
 * onnxruntime on a thread of its own (src/runtime/ort-thread-node.ts): the same numbers
 * as on the calling thread, bit for bit, and the calling thread's event loop free while a
 * session is built and run — what lets the job worker keep its lock (test/jobs/cluster).
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { cpuBackend } from '../../src/backends/index.js';
import { CompiledObjective } from '../../src/runtime/objective.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { threadedOrt } from '../../src/runtime/ort-thread-node.js';
import { loadParityFixture, parityTargets } from '../helpers/parity-fixture.js';

/** How many event-loop turns (setImmediate steps) pass while `work` is pending. */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let done = false;
  const spin = () => {
    if (done) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  const value = await work();
  done = true;
  return { value, turns };
}

describe('onnxruntime on its own thread', () => {
  it('evaluates the parity objective to the same bits as on this thread', async () => {
    const fx = loadParityFixture('max-two-styles');
    const net = { table: fx.table, weights: fx.weights };
    const evaluate = async (o: OrtModule) => {
      const targets = await parityTargets(o, fx, cpuBackend);
      const objective = await CompiledObjective.create(o, net, fx.spec, { backend: cpuBackend });
      const evaluator = objective.bind(targets, fx.spec.width, fx.spec.height);
      // Twice: the second run sends only the image (the targets are already there).
      await evaluator.evaluate(fx.tensors.get('x')!.data);
      const r = await evaluator.evaluate(fx.tensors.get('x')!.data);
      await objective.release();
      return r;
    };
    const here = await evaluate(ort as unknown as OrtModule);
    const threaded = threadedOrt();
    const there = await evaluate(threaded);
    expect(there.loss).toBe(here.loss);
    expect(there.parts).toEqual(here.parts);
    expect(Array.from(there.grad)).toEqual(Array.from(here.grad));
    expect(threaded.sessions).toBe(0);
  });

  it('leaves this thread’s event loop free while a session is built', async () => {
    const fx = loadParityFixture('max-two-styles');
    const net = { table: fx.table, weights: fx.weights };
    const build = (o: OrtModule) => turnsDuring(() => CompiledObjective.create(o, net, fx.spec, { backend: cpuBackend }));
    const blocking = await build(ort as unknown as OrtModule);
    const threaded = await build(threadedOrt());
    await Promise.all([blocking.value.release(), threaded.value.release()]);
    // On this thread the build runs in one native call: the loop turns a handful of times.
    // On its own thread the loop keeps turning, hundreds of times over the same build.
    console.log(`event-loop turns while building: ${blocking.turns} on this thread, ${threaded.turns} threaded`);
    expect(threaded.turns).toBeGreaterThan(10 * Math.max(10, blocking.turns));
  });

  it('reports a session that cannot be built as an error, and keeps working after it', async () => {
    const o = threadedOrt();
    await expect(o.InferenceSession.create(new Uint8Array([1, 2, 3]))).rejects.toThrow();
    expect(o.sessions).toBe(0);
  });
});
