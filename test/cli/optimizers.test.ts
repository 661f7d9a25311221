/**
 * Both optimisers, through the CLI with its defaults (noise init, jcjohnson's weights),
 * lower the total loss at least 10× on a small problem (32 px, random VGG19).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cli, type Fixture, makeFixture, small } from './helpers.js';

let f: Fixture;
beforeAll(async () => {
  f = await makeFixture('ns-optim-');
});
afterAll(() => f.cleanup());

for (const [optimizer, iterations] of [
  ['lbfgs', 30],
  ['adam', 60],
] as const) {
  it(`${optimizer}: ${iterations} iterations lower the total loss ≥ 10×`, async () => {
    const r = await cli(small(f, ['-o', join(f.dir, `${optimizer}.png`), '--optimizer', optimizer, '--num-iterations', String(iterations), '--json']));
    expect(r.code).toBe(0);
    const lines = r.json();
    expect(lines).toHaveLength(iterations + 1);
    const first = lines[0]!.loss!;
    const last = lines.at(-1)!.loss!;
    expect(first / last).toBeGreaterThanOrEqual(10);
  });
}
