import { describe, expect, it, vi } from 'vitest';
import { warmUp, warmUpImage, WARM_UP_SIZE } from '../../web/src/warm-up.js';
import type { OrtModule } from '../../src/index.js';
import type { Loaded } from '../../web/src/weights.js';

describe('the WASM warm-up run (web/src/warm-up.ts)', () => {
  it('makes a size × size RGB image with values in [0, 1], different per phase', () => {
    const a = warmUpImage(WARM_UP_SIZE, 0);
    const b = warmUpImage(WARM_UP_SIZE, 1);
    expect(a.data).toHaveLength(WARM_UP_SIZE * WARM_UP_SIZE * 3);
    expect(Math.min(...a.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a.data)).toBeLessThanOrEqual(1);
    expect(a.data).not.toEqual(b.data);
  });

  // A run awaits the warm-up: a rejection there would fail the visitor's run for nothing.
  it('never rejects: a failure is only warned about, and not at all once aborted', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const broken = {} as unknown as Loaded['model'];
      await expect(warmUp({} as OrtModule, broken, new AbortController().signal)).resolves.toBeUndefined();
      expect(warn).toHaveBeenCalledTimes(1);
      const aborted = new AbortController();
      aborted.abort();
      await expect(warmUp({} as OrtModule, broken, aborted.signal)).resolves.toBeUndefined();
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });
});
