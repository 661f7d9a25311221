/**
 * The memory estimate with tiles: at print size the untiled run is refused with the way
 * out (tiles of a size that fits), `auto` picks the largest tile that fits, and the
 * estimate grows with the tile and shrinks with it.
 */
import { describe, expect, it } from 'vitest';
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
