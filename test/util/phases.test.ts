import { afterEach, describe, expect, it } from 'vitest';
import { formatPhases, timingWanted } from '../../src/cli/timing.js';
import { clearPhases, recordedPhases, timePhase, timePhaseSync } from '../../src/util/phases.js';

afterEach(() => clearPhases());

describe('start-up phases', () => {
  it('records each timed phase, also one that throws, in the order they started', async () => {
    await timePhase('weights', () => new Promise((r) => setTimeout(r, 20)));
    timePhaseSync('graph', () => 1);
    await expect(timePhase('session', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    const phases = recordedPhases();
    expect(phases.map((p) => p.phase)).toEqual(['weights', 'graph', 'session']);
    expect(phases[0]!.duration).toBeGreaterThanOrEqual(15);
  });

  it('sums a phase that ran more than once, and what no phase covers is "other"', () => {
    timePhaseSync('graph', () => 1);
    timePhaseSync('graph', () => 1);
    const now = performance.now();
    const text = formatPhases(now);
    expect(text).toMatch(/graph\s+\d+ ms \(2×\)/);
    const ms = (name: string) => Number(new RegExp(`  ${name}\\s+(-?\\d+) ms`).exec(text)![1]);
    // The rows add up to the total (each is rounded).
    expect(Math.abs(ms('graph') + ms('other') - ms('total'))).toBeLessThanOrEqual(1);
    expect(ms('total')).toBe(Math.round(now));
  });

  it('prints only when NEURAL_STYLE_TIMING is set to something other than 0', () => {
    expect(timingWanted({})).toBe(false);
    expect(timingWanted({ NEURAL_STYLE_TIMING: '0' })).toBe(false);
    expect(timingWanted({ NEURAL_STYLE_TIMING: '1' })).toBe(true);
  });
});
