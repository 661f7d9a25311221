import { describe, expect, it } from 'vitest';
import { layerTableFor } from '../../src/models/layers.js';
import { layoutTiles, tileGeometry } from '../../src/tiles/layout.js';

const table = layerTableFor('vgg19');

describe('tile layout', () => {
  it('grid and margin follow the deepest layer read', () => {
    // relu5_1: four poolings (grid 16); receptive radius 1·2 +1 +2·2 +2 +4·4 +4 +8·4 +8 +16 = 85 px → 96.
    expect(tileGeometry(table, ['relu1_1', 'relu5_1'])).toMatchObject({ grid: 16, margin: 96 });
    // relu2_1: 1+1 +1 +2 = 5 px → 6 on a grid of 2.
    expect(tileGeometry(table, ['relu2_1'])).toMatchObject({ grid: 2, margin: 6 });
  });

  it('interiors partition the image on the pooling grid; crops add the margin inside the image', () => {
    const geometry = tileGeometry(table, ['relu5_1']);
    for (const [w, h, tile] of [[384, 288, 192], [1000, 750, 256], [4096, 3072, 1024], [100, 70, 512]] as const) {
      const tiles = layoutTiles(w, h, tile, geometry);
      const covered = new Uint8Array(w * h);
      for (const { interior: i, crop: c } of tiles) {
        for (const v of [i.x0, i.y0, c.x0, c.y0]) expect(v % 16).toBe(0);
        expect(i.x1 === w || i.x1 % 16 === 0).toBe(true);
        expect(i.x1 - i.x0).toBeLessThanOrEqual(tile + 16);
        expect(c.x0).toBe(Math.max(0, i.x0 - 96));
        expect(c.x1).toBe(Math.min(w, i.x1 + 96));
        expect(c.y1).toBe(Math.min(h, i.y1 + 96));
        for (let y = i.y0; y < i.y1; y++) for (let x = i.x0; x < i.x1; x++) covered[y * w + x]!++;
      }
      expect(covered.every((v) => v === 1), `${w}×${h}`).toBe(true);
    }
    expect(layoutTiles(384, 288, 192, geometry)).toHaveLength(4);
    expect(layoutTiles(100, 70, 512, geometry)).toEqual([{ interior: { x0: 0, y0: 0, x1: 100, y1: 70 }, crop: { x0: 0, y0: 0, x1: 100, y1: 70 } }]);
  });
});

describe('which runs can be tiled', () => {
  it('every built-in term says how it decomposes; normalised gradients and terms without a tiling are refused', async () => {
    const { checkTileable } = await import('../../src/tiles/tiled-objective.js');
    const { lossTerms, tilingOf, UNMASKED_RUN } = await import('../../src/losses/index.js');
    const { DEFAULT_STYLIZE_OPTIONS } = await import('../../src/options/index.js');
    // The video-only temporal term has per-run whole-frame inputs: it is never tiled (a video with tiles is refused).
    const kinds = (o: object, run = UNMASKED_RUN) => lossTerms().map((t) => [t.name, tilingOf(t, { ...DEFAULT_STYLIZE_OPTIONS, ...o }, run)?.kind]);
    const expected = [['content', 'positions'], ['style', 'statistic'], ['tv', 'rows'], ['temporal', undefined]];
    expect(kinds({})).toEqual(expected);
    // The style term's other forms tile as statistics too: masked regions and W2.
    expect(kinds({}, { styles: 2, masked: true })).toEqual(expected);
    expect(kinds({ styleLoss: 'w2' })).toEqual(expected);
    expect(() => checkTileable(lossTerms(), DEFAULT_STYLIZE_OPTIONS, { styles: 2, masked: true })).not.toThrow();
    expect(() => checkTileable(lossTerms(), { ...DEFAULT_STYLIZE_OPTIONS, styleLoss: 'w2', styleLayerWeights: [256, 64, 16, 4, 1] })).not.toThrow();
    expect(() => checkTileable(lossTerms(), DEFAULT_STYLIZE_OPTIONS)).not.toThrow();
    expect(() => checkTileable(lossTerms(), { ...DEFAULT_STYLIZE_OPTIONS, normalizeGradients: true })).toThrow(/cannot be combined with tiling/);
    const untileable = { ...lossTerms()[2]!, name: 'mine', tiling: undefined, omitWhenOff: false };
    expect(() => checkTileable([untileable], DEFAULT_STYLIZE_OPTIONS)).toThrow(/the loss term 'mine' does not say how it decomposes over tiles/);
  });
});

describe('options the tiled evaluator does not implement refuse tiling (records marked untiled)', () => {
  it('the nine-point TV, RGB space, replicate padding and a pyramid each refuse, naming the option', async () => {
    const { checkTileable } = await import('../../src/tiles/tiled-objective.js');
    const { lossTerms } = await import('../../src/losses/index.js');
    const { DEFAULT_STYLIZE_OPTIONS, stylizeOptionSpecs } = await import('../../src/options/index.js');
    const untiled = stylizeOptionSpecs().filter((s) => s.untiled).map((s) => s.key);
    expect(untiled.sort()).toEqual(['firstPadding', 'optimizeSpace', 'parameterization', 'tvStencil']);
    const cases: Array<[string, unknown]> = [
      ['tvStencil', 'crowsonkb'],
      ['optimizeSpace', 'rgb'],
      ['firstPadding', 'replicate'],
      ['parameterization', 'pyramid'],
    ];
    for (const [key, value] of cases) {
      expect(() => checkTileable(lossTerms(), { ...DEFAULT_STYLIZE_OPTIONS, [key]: value }), key).toThrow(new RegExp(`^${key} .* cannot be combined with tiles yet`));
    }
  });
});
