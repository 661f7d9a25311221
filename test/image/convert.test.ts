import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createImage, fromBytes, toByte, toRgbaBytes, toRgbBytes } from '../../src/image/convert.js';

describe('convert', () => {
  it('toByte clamps, rounds to nearest, maps NaN to 0', () => {
    expect([-1, 0, 0.5 / 255 - 1e-9, 0.5 / 255 + 1e-9, 0.5, 254.6 / 255, 1, 7, NaN, -Infinity, Infinity].map(toByte)).toEqual([
      0, 0, 0, 1, 128, 255, 255, 255, 0, 0, 255,
    ]);
  });

  it('bytes → image → bytes is exact for every value', () => {
    const bytes = Uint8Array.from({ length: 256 * 3 }, (_, i) => i % 256);
    const img = fromBytes(bytes, 256, 1);
    expect(img.data[1]).toBeCloseTo(1 / 255, 7);
    expect(toRgbBytes(img)).toEqual(bytes);
  });

  it('RGBA input is composited onto white; RGBA output is opaque', () => {
    const img = fromBytes([255, 0, 0, 0, 0, 0, 255, 255, 0, 255, 0, 51], 3, 1, 4);
    expect(Array.from(toRgbBytes(img))).toEqual([255, 255, 255, 0, 0, 255, 204, 255, 204]);
    expect(Array.from(toRgbaBytes(img))).toEqual([255, 255, 255, 255, 0, 0, 255, 255, 204, 255, 204, 255]);
  });

  it('checks sizes', () => {
    expect(() => fromBytes(new Uint8Array(5), 2, 1)).toThrow(/expected width×height×3 = 6 bytes/);
    expect(() => createImage(0, 1)).toThrow(RangeError);
    expect(() => toRgbBytes({ width: 1, height: 1, data: new Float32Array(4) })).toThrow(RangeError);
  });
});

describe('src/image platform split', () => {
  it('only *-node.ts files import node: modules or sharp', () => {
    const dir = fileURLToPath(new URL('../../src/image/', import.meta.url));
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('-node.ts'))) {
      const imports = [...readFileSync(dir + f, 'utf8').matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]!);
      for (const i of imports) expect(i.startsWith('.'), `${f} imports ${i}`).toBe(true);
    }
  });
});
