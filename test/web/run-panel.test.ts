/**
 * The run panel's buttons after a failure, in Node: the real RunPanel and Messages on a fake
 * DOM (fake-dom.ts), the other panels as stand-ins. Whatever goes wrong before or during a
 * run, the page must be ready to start again — Start enabled, Stop and Pause disabled, the
 * error shown once — with the images and painted masks untouched.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Mask } from '../../src/masks/types.js';
import { Messages } from '../../web/src/panels/messages.js';
import { RunPanel, type RunDeps } from '../../web/src/panels/run.js';
import type { ToWorker } from '../../web/src/protocol.js';
import { fakeDom, type FakeDocument } from './fake-dom.js';

const image = { width: 4, height: 4, data: new Float32Array(4 * 4 * 3) };
const mask = (value: number): Mask => ({ width: 4, height: 4, data: new Float32Array(16).fill(value) });

describe('run panel after an error', () => {
  let doc: FakeDocument;
  let sent: ToWorker[];
  let send: (m: ToWorker) => void;
  let contentMasks: Mask[] | undefined;
  let panel: RunPanel;

  beforeEach(() => {
    doc = fakeDom();
    sent = [];
    send = (m) => void sent.push(m);
    contentMasks = undefined;
    const deps = {
      messages: new Messages(doc.getElementById('messages') as unknown as HTMLElement),
      send: (m: ToWorker) => send(m),
      images: { content: image, styles: [image, image], blendWeights: [100, 100] },
      masks: { get contentMasks() { return contentMasks; } },
      weights: { state: 'ready' },
      settings: { read: () => ({ numIterations: 4 }), presetOptions: {}, backend: 'wasm', focus: () => {}, canApply: () => false },
      onServer: () => false,
    };
    panel = new RunPanel(deps as unknown as RunDeps);
  });

  afterEach(() => vi.unstubAllGlobals());

  const el = (id: string) => doc.getElementById(id);
  const start = () => el('controls').dispatchEvent(new Event('submit', { cancelable: true }));
  const errors = () => el('messages').byClass('error').map((m) => m.children[0]!.textContent);
  /** What a person sees of the controls. */
  const controls = () => ({ start: !el('start').disabled, pause: !el('pause').disabled, stop: !el('stop').disabled, state: doc.body.dataset.state });
  const ready = { start: true, pause: false, stop: false };

  it('a region mask missing for one style: refused, and Start works again once it is painted', () => {
    const painted = mask(1);
    contentMasks = [painted, mask(0)];
    start();
    expect(errors()).toEqual([expect.stringMatching(/^the content mask for style 2 is empty/)]);
    expect(sent).toEqual([]);
    expect(controls()).toMatchObject(ready);
    expect(doc.body.dataset.state).not.toBe('running');
    // Stop has nothing to stop: it stays disabled, and sends nothing.
    el('stop').click();
    expect(sent).toEqual([]);
    // The masks are the page's own: still there, unchanged, for the next try.
    expect(contentMasks[0]).toBe(painted);
    expect(painted.data.every((v) => v === 1)).toBe(true);

    contentMasks = [painted, mask(1)];
    start();
    expect(errors()).toEqual([]);
    expect(sent.map((m) => m.type)).toEqual(['run']);
    expect(controls()).toEqual({ start: false, pause: true, stop: true, state: 'running' });
  });

  it('a run the worker cannot be handed (postMessage throws): the error shown, Start enabled', () => {
    send = () => {
      throw new DOMException('ImageData could not be cloned.', 'DataCloneError');
    };
    start();
    expect(errors()).toEqual([expect.stringContaining('could not be cloned')]);
    expect(controls()).toMatchObject(ready);
  });

  it('an error from the worker during the run: Start enabled, Stop disabled', () => {
    start();
    expect(controls().state).toBe('running');
    panel.onError({ type: 'run-error', kind: 'internal', message: 'Unexpected error: boom' });
    expect(errors()).toEqual(['Unexpected error: boom.']);
    expect(controls()).toEqual({ ...ready, state: 'error' });
  });
});
