/** Loads a fixture written by scripts/make-control-fixtures.py and evaluates our objective on it. */
import { colourControl } from '../../src/image/colour/index.js';
import type { RgbImage } from '../../src/image/types.js';
import type { Mask } from '../../src/masks/index.js';
import { caffePreprocessing, toNetworkInput, torchvisionPreprocessing } from '../../src/models/preprocessing.js';
import type { ConvWeights, LayerTable, Tensor } from '../../src/models/types.js';
import { DEFAULT_STYLIZE_OPTIONS, PRESETS, type StylizeOptions } from '../../src/options/index.js';
import type { Preprocessing } from '../../src/models/types.js';
import { FeatureExtractor, type Targets } from '../../src/runtime/features.js';
import { CompiledObjective, type Evaluation } from '../../src/runtime/objective.js';
import { cpuBackend } from '../../src/backends/index.js';
import type { OrtModule } from '../../src/runtime/ort.js';
import { readFixture } from './parity-fixture.js';

export interface ControlFixture {
  spec: Record<string, unknown> & { height: number; width: number; blend: number[] };
  options: StylizeOptions;
  table: LayerTable;
  weights: ConvWeights;
  tensors: Map<string, Tensor>;
  expected: { loss: number; content: number; style: number; tv: number };
  preprocessing: Preprocessing;
  content: RgbImage;
  styles: RgbImage[];
  contentMasks?: Mask[];
  styleMasks?: Mask[];
}

const image = (t: Tensor): RgbImage => ({ height: t.dims[0]!, width: t.dims[1]!, data: t.data });
const mask = (t: Tensor): Mask => ({ height: t.dims[0]!, width: t.dims[1]!, data: t.data });

export function loadControlFixture(name: string): ControlFixture {
  const { manifest, tensors, layers, weights } = readFixture('control', name);
  const s = manifest.spec;
  const n = s.blend.length as number;
  const options = {
    ...DEFAULT_STYLIZE_OPTIONS,
    contentLayers: s.content_layers,
    styleLayers: s.style_layers,
    contentWeight: s.content_weight,
    styleWeight: s.style_weight,
    tvWeight: s.tv_weight,
    styleLoss: s.style_loss,
    styleBlendWeights: s.blend,
    styleLayerWeights: s.style_layer_weights ?? undefined,
    contentLayerWeights: s.content_layer_weights ?? undefined,
    maskMode: s.mask_mode ?? 'simple',
    colorControl: s.color_control ?? 'none',
  } as StylizeOptions;
  // crowsonkb's recipe is checked through the preset record itself, not the spec's numbers.
  const crowson = s.recipe === 'crowsonkb';
  const settings = crowson ? ({ ...DEFAULT_STYLIZE_OPTIONS, ...PRESETS.crowsonkb!.options, styleBlendWeights: s.blend } as StylizeOptions) : options;
  const list = (prefix: string, f: (t: Tensor) => Mask) => (tensors.has(`${prefix}0`) ? Array.from({ length: n }, (_, i) => f(tensors.get(`${prefix}${i}`)!)) : undefined);
  return {
    spec: s,
    options: settings,
    preprocessing: crowson ? torchvisionPreprocessing : caffePreprocessing,
    table: { architecture: 'vgg19', layers },
    weights,
    tensors,
    expected: manifest.expected,
    content: image(tensors.get('content')!),
    styles: Array.from({ length: n }, (_, i) => image(tensors.get(`style${i}`)!)),
    contentMasks: list('content_mask', mask),
    styleMasks: list('style_mask', mask),
  };
}

/** Our whole pipeline on the fixture: colour control, targets (masks included), one evaluation at its x. */
export async function evaluateControlFixture(
  ort: OrtModule,
  fx: ControlFixture,
  overrides: { options?: Partial<StylizeOptions>; contentMasks?: Mask[] | null; styles?: number } = {},
): Promise<{ evaluation: Evaluation; prepared: RgbImage[] }> {
  const options = { ...fx.options, ...overrides.options } as StylizeOptions;
  const styles = fx.styles.slice(0, overrides.styles ?? fx.styles.length);
  const contentMasks = overrides.contentMasks === null ? undefined : (overrides.contentMasks ?? fx.contentMasks);
  const run = { styles: styles.length, masked: contentMasks !== undefined };
  const net = { table: fx.table, weights: fx.weights, preprocessing: fx.preprocessing };
  const prepared = colourControl(options.colorControl).prepare(fx.content, styles);
  const extractor = await FeatureExtractor.create(ort, net, options, { backend: cpuBackend, run });
  const objective = await CompiledObjective.create(ort, net, options, { backend: cpuBackend, run });
  try {
    const c = prepared.content;
    const targets: Targets = { ...(await extractor.extract(toNetworkInput(c, fx.preprocessing), c.width, c.height, 'content')) };
    const perStyle: Targets[] = [];
    for (const [i, s] of prepared.styles.entries()) {
      perStyle.push(await extractor.extract(toNetworkInput(s, fx.preprocessing), s.width, s.height, 'style', fx.styleMasks?.[i]));
    }
    Object.assign(targets, await extractor.styleTargets(perStyle, (options.styleBlendWeights ?? styles.map(() => 1)).slice(0, styles.length)));
    const evaluation = await objective.bind(targets, fx.spec.width, fx.spec.height, {}, contentMasks).evaluate(fx.tensors.get('x')!.data);
    return { evaluation, prepared: prepared.styles };
  } finally {
    await extractor.release();
    await objective.release();
  }
}
