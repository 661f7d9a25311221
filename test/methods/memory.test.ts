/**
 * The pre-flight memory estimate for the methods with their own memory (src/methods: a
 * method's `memory`): it counts NNST's hypercolumns, style set and search chunk and
 * STROTSS's maps, samples and covariances on top of the objective, grows with the image and
 * the style rotations, never chooses tiles for them, and refuses a run that cannot fit with
 * an image size that does.
 */
import { describe, expect, it } from 'vitest';
import { OutOfMemoryError } from '../../src/errors.js';
import { vgg16Table } from '../../src/models/layers.js';
import { resolveOptions, type StylizeOptions } from '../../src/options/index.js';
import { checkMemory, chooseTile, runMemory } from '../../src/stylize/preflight.js';

const GiB = 2 ** 30;
const plan = (o: Partial<StylizeOptions>, side = 512, availableBytes?: number) => ({
  table: vgg16Table,
  options: resolveOptions({ backend: 'cpu', ...o, imageSize: side }),
  content: { width: 1024, height: 768 },
  styles: [{ width: 800, height: 1000 }],
  availableBytes,
});

describe.each(['nnst', 'strotss'] as const)('%s memory estimate', (method) => {
  it('counts the method’s own memory, which grows with the image', () => {
    const small = runMemory(plan({ method }, 256));
    const large = runMemory(plan({ method }, 512));
    expect(small.method).toBeGreaterThan(0);
    expect(large.method).toBeGreaterThan(small.method);
    expect(large.total).toBeGreaterThan(large.evaluation + large.method);
  });

  it('never tiles, and refuses a run that does not fit with a size that does', () => {
    expect(chooseTile(plan({ method }, 2048, 1 * GiB))).toBe(0);
    let caught: unknown;
    try {
      checkMemory(plan({ method }, 2048, 1 * GiB));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(OutOfMemoryError);
    const suggested = (caught as OutOfMemoryError).suggestion?.value as number;
    expect(suggested).toBeGreaterThan(0);
    expect(runMemory(plan({ method }, suggested, 1 * GiB)).total).toBeLessThanOrEqual(GiB);
    expect((caught as OutOfMemoryError).message).not.toMatch(/tile/);
  });
});

it('NNST: the style rotations quadruple the style set the search holds', () => {
  const withTurns = runMemory(plan({ method: 'nnst' })).method;
  const without = runMemory(plan({ method: 'nnst', styleRotations: false })).method;
  expect(withTurns).toBeGreaterThan(without);
});
