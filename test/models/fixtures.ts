/** Shared helpers for the model tests: fixture paths, expected values, hashing. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { bytesSource, type ByteSource } from '../../src/models/formats/byte-source.js';
import type { ConvWeights } from '../../src/models/types.js';

export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/weights/', import.meta.url));

export const FIXTURES = {
  legacy: 'mini-vgg19-legacy.pth',
  zip: 'mini-vgg19-zip.pth',
  safetensors: 'mini-vgg19.safetensors',
  f16: 'mini-vgg19-f16.pth',
  noncontig: 'mini-vgg19-noncontig.pth',
  npz: 'mini-vgg16.npz',
} as const;

export function fixturePath(name: string): string {
  return FIXTURE_DIR + name;
}

const cache = new Map<string, Uint8Array>();
/** The fixture's bytes (cached; copy before mutating). */
export function fixtureBytes(name: string): Uint8Array {
  let b = cache.get(name);
  if (!b) {
    b = new Uint8Array(readFileSync(fixturePath(name)));
    cache.set(name, b);
  }
  return b;
}

export function fixtureSource(name: string): ByteSource {
  return bytesSource(fixtureBytes(name), name);
}

export interface ExpectedConv {
  weightShape: number[];
  weightSha256: string;
  biasShape: number[];
  biasSha256: string;
  weightFirst?: number[];
  biasFirst?: number[];
}

export interface Expected {
  vgg19: Record<string, ExpectedConv>;
  vgg19f16: Record<string, ExpectedConv>;
  vgg16: Record<string, ExpectedConv>;
  vgg19Keys: Record<string, string>;
}

export const expected: Expected = JSON.parse(readFileSync(FIXTURE_DIR + 'expected.json', 'utf8')) as Expected;

export function sha256(data: Float32Array): string {
  return createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
}

/** Checks every conv against expected.json: same names, shapes, and bit-identical values. */
export function expectMatches(weights: ConvWeights, reference: Record<string, ExpectedConv>): void {
  expect([...weights.keys()]).toEqual(Object.keys(reference));
  for (const [name, ref] of Object.entries(reference)) {
    const p = weights.get(name)!;
    expect(p.weight.dims, `${name} weight dims`).toEqual(ref.weightShape);
    expect(p.bias.dims, `${name} bias dims`).toEqual(ref.biasShape);
    if (ref.weightFirst) expect(Array.from(p.weight.data.subarray(0, 3))).toEqual(ref.weightFirst.map(Math.fround));
    if (ref.biasFirst) expect(Array.from(p.bias.data.subarray(0, 3))).toEqual(ref.biasFirst.map(Math.fround));
    expect(sha256(p.weight.data), `${name} weight`).toBe(ref.weightSha256);
    expect(sha256(p.bias.data), `${name} bias`).toBe(ref.biasSha256);
  }
}

/** Resolves to the error a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the promise to reject');
}
