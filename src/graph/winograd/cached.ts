import type { GraphBuilder } from '../builder.js';

/** A constant the Winograd forms share across a graph's convs: made once, under `name`. */
export function cached(g: GraphBuilder, name: string, make: () => Float32Array, dims: number[]): string {
  return g.has(name) ? name : g.addInitializer(name, make(), dims);
}
