import type { GraphBuilder, LazyData } from '../builder.js';

/** A constant the Winograd forms share across a graph's convs: made once, under `name` (lazily when `make` is LazyData). */
export function cached(g: GraphBuilder, name: string, make: (() => Float32Array) | LazyData, dims: number[]): string {
  return g.has(name) ? name : g.addInitializer(name, typeof make === 'function' ? make() : make, dims);
}
