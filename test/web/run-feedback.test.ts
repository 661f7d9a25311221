/**
 * What a run tells the page, without a browser: progress lines and the loss chart's
 * series follow the parts the run reports (a new loss term appears by itself), the
 * worker's memory budget per backend, and the core's pre-flight refusals rendered in the
 * form's words with the suggested size kept as data.
 */
import { describe, expect, it } from 'vitest';
import { OptionError, OutOfMemoryError } from '../../src/errors.js';
import { vgg19Table } from '../../src/models/layers.js';
import { resolveOptions } from '../../src/options/index.js';
import { preflight } from '../../src/stylize/preflight.js';
import { lossSeries } from '../../src/util/loss-series.js';
import { describeError } from '../../web/src/describe-error.js';
import { browserWebgpuBackend } from '../../src/backends/register-browser.js';
import { GPU_BUFFER_FACTOR, wasmBackend, WASM_BYTES } from '../../src/backends/index.js';

const wasmBudget = () => wasmBackend.memoryBudget!({ available: true })!;
import { doneLine, partsText, progressLine } from '../../web/src/progress-text.js';

const GiB = 2 ** 30;

describe('progress text', () => {
  it('lists every part the run has, in its order, whatever the parts are', () => {
    expect(partsText({ loss: 6, parts: { content: 1, style: 2, tv: 3 } })).toBe('content 1.000e+0, style 2.000e+0, tv 3.000e+0');
    expect(partsText({ loss: 1, parts: { content: 1, style: 2, tv: 3, mrf: 0.5 } })).toMatch(/, mrf 5\.000e-1$/);
    expect(partsText({ loss: 1, parts: {} })).toBe('');
  });

  it('reads like before for the built-in terms', () => {
    const line = progressLine({ iteration: 10, numIterations: 200, loss: 1234, parts: { content: 1, style: 2, tv: 3 }, elapsedMs: 5000, etaMs: 95_000, size: 128 });
    expect(line).toBe('iteration 10/200 · loss 1.234e+3 (content 1.000e+0, style 2.000e+0, tv 3.000e+0) · 0.5 s/iteration · 1 min 35 s left');
    expect(doneLine({ iterations: 8, loss: 2, interrupted: false, elapsedMs: 1500 })).toBe('Finished 8 iterations in 1.5 s · final loss 2.000e+0');
  });

  it('names the scale of a run in stages (a method’s scales, coarse-to-fine sizes)', () => {
    const p = { iteration: 250, numIterations: 800, loss: 2, parts: { hypercolumn: 2 }, elapsedMs: 10_000, etaMs: 22_000, size: 128 };
    expect(progressLine({ ...p, stage: { index: 2, count: 4, size: 128 } })).toBe(
      'scale 2/4 (128 px) · iteration 250/800 · loss 2.000e+0 (hypercolumn 2.000e+0) · 0.0 s/iteration · 22.0 s left',
    );
    expect(progressLine(p)).toMatch(/^iteration 250\/800 /);
  });

  it('the chart draws the CLI plot’s series: one per part, then the total', () => {
    expect(lossSeries(['content', 'style', 'tv', 'mrf']).map((s) => s.key)).toEqual(['content', 'style', 'tv', 'mrf', 'loss']);
  });
});

describe('memory budget', () => {
  it('is wasm32’s 4 GiB on WASM, a multiple of the largest GPU buffer on WebGPU', () => {
    expect(wasmBudget()).toBe(4 * GiB);
    expect(browserWebgpuBackend.memoryBudget!({ available: true, maxBufferSize: 2 * GiB })).toBe(GPU_BUFFER_FACTOR * 2 * GiB);
    expect(browserWebgpuBackend.memoryBudget!({ available: true })).toBe(WASM_BYTES);
  });
});

describe('pre-flight refusals on the page', () => {
  const image = (width: number, height: number) => ({ width, height });
  const input = (o: Parameters<typeof resolveOptions>[0], availableBytes?: number) => ({
    table: vgg19Table,
    options: resolveOptions(o, 1),
    content: image(3000, 2000),
    styles: [image(1024, 768)],
    availableBytes,
  });

  it('a size too large for WASM is refused with a size that fits, named as the form names it', () => {
    let err: unknown;
    try {
      preflight(input({ imageSize: 4096 }, wasmBudget()));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OutOfMemoryError);
    const d = describeError(err, { imageSize: 4096, backend: 'wasm' });
    expect(d.kind).toBe('memory');
    expect(d.message).toMatch(/needs about [\d.]+ GB of memory but 4\.0 GB is available; try Size \d+/);
    expect(d.message).not.toMatch(/--|imageSize/);
    expect(d.suggestion?.option).toBe('imageSize');
    const fit = d.suggestion!.value as number;
    expect(fit).toBeLessThan(4096);
    expect(() => preflight(input({ imageSize: fit }, wasmBudget()))).not.toThrow();
  });

  it('a size too small for the network says to raise Size', () => {
    let err: unknown;
    try {
      preflight(input({ imageSize: 8 }, wasmBudget()));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OptionError);
    const d = describeError(err);
    expect(d.kind).toBe('usage');
    expect(d.message).toMatch(/^Size 8 makes the content image .* raise Size$/);
  });

  it('renders option errors with labels, never flags', () => {
    expect(describeError(new OptionError('contentWeight', -1, 'a number ≥ 0')).message).toBe('Content weight must be a number ≥ 0, got -1');
  });
});
