/**
 * The page's message list on a fake DOM (fake-dom.ts): a message's text, its fix button and
 * its dismiss button read as separate sentences (copied, or read out), not run together.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Messages } from '../../web/src/panels/messages.js';
import { fakeDom, type FakeDocument, type FakeElement } from './fake-dom.js';

describe('page messages', () => {
  let doc: FakeDocument;
  let box: FakeElement;
  let messages: Messages;

  beforeEach(() => {
    doc = fakeDom();
    box = doc.getElementById('messages');
    messages = new Messages(box as unknown as HTMLElement);
  });

  afterEach(() => vi.unstubAllGlobals());

  it('the memory refusal and its fix read as two sentences', () => {
    // The core's pre-flight text for 30000 px on WASM (ends without a full stop), and its advice.
    const refusal = 'a 30000×20000 run needs about 1606.8 GB of memory but 4.0 GB is available; try Size 1232; the L-BFGS history of 100 steps alone takes 1341.1 GB';
    let applied = false;
    messages.say('error', refusal, { label: 'Use Size 1232', run: () => (applied = true) });
    expect(box.textContent).toBe(`${refusal}. Use Size 1232 ×`);
    box.byClass('fix')[0]!.click();
    expect(applied).toBe(true);
    expect(box.children).toHaveLength(0);
  });

  it('a message that ends a sentence already gets no second full stop', () => {
    messages.say('error', 'Choose a content image first.');
    messages.say('warn', 'WebGPU is not available (no adapter): using WASM on the CPU instead (slower).');
    expect(box.children.map((m) => m.textContent)).toEqual([
      'Choose a content image first. ×',
      'WebGPU is not available (no adapter): using WASM on the CPU instead (slower). ×',
    ]);
  });
});
