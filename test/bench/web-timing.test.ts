import { describe, expect, it } from 'vitest';
import { formatTable, iterationTimes, ticksFromJsonLines } from '../../bench/web-timing.js';

describe('bench:web timing helpers', () => {
  it('times each iteration after the warm-up from consecutive reports', () => {
    const ticks = [0, 200, 300, 410, 500].map((elapsedMs, iteration) => ({ iteration, elapsedMs }));
    expect(iterationTimes(ticks, 0)).toEqual([200, 100, 110, 90]);
    expect(iterationTimes(ticks, 2)).toEqual([110, 90]);
  });

  it('ignores repeated and out-of-order reports, and leaves no time for a missing iteration or the one after it', () => {
    const ticks = [
      { iteration: 2, elapsedMs: 30 },
      { iteration: 0, elapsedMs: 0 },
      { iteration: 1, elapsedMs: 10 },
      { iteration: 1, elapsedMs: 999 },
      { iteration: 4, elapsedMs: 70 },
      { iteration: 5, elapsedMs: 75 },
    ];
    expect(iterationTimes(ticks, 0)).toEqual([10, 20, 5]);
  });

  it("reads the CLI's --json lines and skips the rest", () => {
    const out = 'backend: cpu\n{"iteration":0,"loss":3,"elapsedMs":194}\n{"iteration":1,"loss":2,"elapsedMs":368}\nwrote x.png\n';
    expect(ticksFromJsonLines(out)).toEqual([
      { iteration: 0, elapsedMs: 194 },
      { iteration: 1, elapsedMs: 368 },
    ]);
  });

  it('prints one row per size and backend with the ratio, and a dash where a side is missing', () => {
    const t = formatTable(
      [
        { size: 128, backend: 'WASM (2 threads)', tabMs: 400, cliMs: 100 },
        { size: 128, backend: 'WebGPU', tabMs: NaN, cliMs: 100, note: 'no adapter' },
      ],
      'cpu',
    ).split('\n');
    expect(t[0]).toMatch(/^size\s+backend\s+tab ms\/it\s+CLI ms\/it \(cpu\)\s+tab\/CLI$/);
    expect(t[2]).toMatch(/^128 px\s+WASM \(2 threads\)\s+400\s+100\s+4\.00×$/);
    expect(t[3]).toMatch(/^128 px\s+WebGPU\s+—\s+100\s+—\s+no adapter$/);
  });
});
