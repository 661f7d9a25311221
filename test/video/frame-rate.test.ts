/** Frame rates as people read them: ffprobe's fractions and --frame-rate's numbers. */
import { describe, expect, it } from 'vitest';
import { fpsText } from '../../src/video/frame-rate.js';

describe('fpsText', () => {
  it.each([
    ['6/1', '6'],
    ['25', '25'],
    ['30000/1001', '29.97'],
    ['24000/1001', '23.98'],
    ['12.5', '12.5'],
    ['0/0', '0/0'],
  ])('%s → %s', (rate, text) => {
    expect(fpsText(rate)).toBe(text);
  });
});
