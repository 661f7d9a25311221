/**
 * The memory estimate with tiles: at print size the untiled run is refused with the way
 * out (tiles of a size that fits), `auto` picks the largest tile that fits, and the
 * estimate grows with the tile and shrinks with it. Masked and W2 runs tile too, and their
 * estimate counts the masks at each layer and W2's matrices; `auto` tiles a masked run
 * that does not fit (it used to keep it whole).
 */
import * as ort from 'onnxruntime-node';
import { fullMask } from '../../src/masks/index.js';
import { describe, expect, it } from 'vitest';
import { randomVggModel } from '../../src/models/random-model.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { createStylizer } from '../../src/stylize/stylize.js';
import { pattern } from '../helpers/pattern-image.js';
import { OutOfMemoryError } from '../../src/errors.js';
import { vgg19Table } from '../../src/models/layers.js';
import { DEFAULT_STYLIZE_OPTIONS, type StylizeOptions } from '../../src/options/index.js';
import { checkMemory, chooseTile, runMemory } from '../../src/stylize/preflight.js';

const GiB = 2 ** 30;
const plan = (o: Partial<StylizeOptions>, availableBytes?: number) => ({
  table: vgg19Table,
  options: { ...DEFAULT_STYLIZE_OPTIONS, imageSize: 4096, optimizer: 'adam' as const, ...o },
  content: { width: 4096, height: 3072 },
  styles: [{ width: 1024, height: 768 }],
  availableBytes,
});

function refusal(input: ReturnType<typeof plan>): string {
  try {
    checkMemory(input);
  } catch (e) {
    expect(e).toBeInstanceOf(OutOfMemoryError);
    return (e as OutOfMemoryError).parts.map((p) => (typeof p === 'string' ? p : `<${p.option}>`)).join('');
  }
  return '';
}

describe('memory estimate with tiles', () => {
  it('refuses 4096×3072 untiled in 8 GiB and names the tile size that fits', () => {
    const untiled = runMemory(plan({ tile: 'off' }));
    expect(untiled.total).toBeGreaterThan(30 * GiB);
    const why = refusal(plan({ tile: 'off' }, 8 * GiB));
    const tile = chooseTile(plan({}, 8 * GiB));
    expect(why).toMatch(new RegExp(`^a 4096×3072 run needs about \\d+\\.\\d GB .*try <tile> auto \\(tiles of ${tile} px fit\\)`));
  });

  it('auto tiles only what does not fit, with the largest tile that does', () => {
    expect(chooseTile(plan({}, 100 * GiB))).toBe(0);
    expect(chooseTile(plan({}))).toBe(0); // memory unknown: the whole image, as before tiles
    const tile = chooseTile(plan({}, 8 * GiB));
    expect(tile % 16).toBe(0);
    expect(tile).toBeGreaterThanOrEqual(256);
    expect(runMemory(plan({}), tile).total).toBeLessThanOrEqual(8 * GiB);
    expect(runMemory(plan({}), tile + 16).total).toBeGreaterThan(8 * GiB);
    expect(refusal(plan({}, 8 * GiB))).toBe('');
    expect(chooseTile(plan({ tile: 512 }, 8 * GiB))).toBe(512);
    expect(chooseTile(plan({ tile: 'off' }, 8 * GiB))).toBe(0);
  });

  it('says when the L-BFGS history is what does not fit', () => {
    const why = refusal(plan({ optimizer: 'lbfgs' }, 8 * GiB));
    expect(why).toMatch(/in tiles of \d+ px needs about .*<optimizer> adam.*the L-BFGS history of 100 steps alone takes \d+\.\d GB/);
  });
});

describe('memory estimate of masked and W2 runs', () => {
  // The estimate counts the masks; their pixels do not matter to it (all white here).
  const twoStyles = (o: Partial<StylizeOptions>, masks?: number, availableBytes?: number) => ({
    ...plan(o, availableBytes),
    styles: [{ width: 1024, height: 768 }, { width: 800, height: 800 }],
    contentMasks: masks ? Array.from({ length: masks }, () => fullMask(4, 3)) : undefined,
  });

  it('counts the masks at each style layer (twice when tiled: whole, and cut per tile) and W2 matrices', () => {
    const plain = runMemory(twoStyles({}), 512);
    const masked = runMemory(twoStyles({}, 2), 512);
    // 2 masks × Σ over relu1_1…relu5_1 of (4096·3072 / s²) floats, whole and cut.
    const positions = [1, 2, 4, 8, 16].reduce((a, s) => a + Math.floor(4096 / s) * Math.floor(3072 / s), 0);
    expect(plain.statistics).toBe(0);
    expect(masked.statistics).toBe(2 * 2 * positions * 4);
    expect(runMemory(twoStyles({}, 2)).statistics).toBe(2 * positions * 4);
    expect(masked.features).toBe(plain.features);
    const w2 = runMemory(twoStyles({ styleLoss: 'w2' }), 512);
    expect(w2.statistics).toBeGreaterThan(0);
    expect(w2.statistics).toBeLessThan(2 * GiB);
  });

  it('auto tiles masked runs that do not fit', () => {
    const tile = chooseTile(twoStyles({}, 2, 8 * GiB));
    expect(tile).toBeGreaterThan(0);
    expect(runMemory(twoStyles({}, 2), tile).total).toBeLessThanOrEqual(8 * GiB);
  });

  it('a Stylizer with content masks picks tiles under `auto` when the whole image would not fit', async () => {
    const model = randomVggModel('vgg19', 0, [4, 8, 8, 8, 8]);
    const styles = [pattern(64, 64, (x, _y, c) => ((x >> 3) % 2 ? 0.8 : 0.2) * (c + 1) / 3), pattern(64, 64, (_x, y) => ((y >> 2) % 2 ? 0.9 : 0.1))];
    const content = pattern(1024, 768, (x, y, c) => 0.5 + 0.3 * Math.sin((x + y + c) / 9));
    const half = (left: boolean) => {
      const data = new Float32Array(64 * 48);
      for (let i = 0; i < data.length; i++) data[i] = (i % 64 < 32) === left ? 1 : 0;
      return { width: 64, height: 48, data };
    };
    const contentMasks = [half(true), half(false)];
    const input = { table: model.table, content, styles, contentMasks };
    const options = { imageSize: 1024, optimizer: 'adam' as const };
    const stylizer = await createStylizer({ ort: ort as unknown as OrtModule, model, styles, options, contentMasks, availableBytes: 1 });
    try {
      const whole = runMemory({ ...input, options: stylizer.options });
      // Memory for half the whole run: too little for the whole image, enough for tiles.
      const s = await createStylizer({ ort: ort as unknown as OrtModule, model, styles, options, contentMasks, availableBytes: whole.total / 2 });
      expect(s.tileFor(content, s.options)).toBeGreaterThan(0);
      await s.release();
      expect(stylizer.tileFor(content, { ...stylizer.options, tile: 'off' })).toBe(0);
      expect(stylizer.tileFor(content, { ...stylizer.options, tile: 256 })).toBe(256);
    } finally {
      await stylizer.release();
    }
  });
});
