/**
 * The lowering pass: once the forward and gradient graphs are built, each 3×3 stride-1
 * pad-1 convolution with constant weights may be replaced by its Winograd form. Gradient
 * rules never see Winograd ops — the backward pass is built on plain Convs (the input
 * gradient of such a conv is itself one, with flipped weights) and both are lowered here,
 * with what src/graph/passes/conv-facts.ts finds out about each.
 */
import type { GraphBuilder, GraphNode } from '../builder.js';
import { convFacts } from '../passes/conv-facts.js';
import { addWinogradConv } from './conv.js';
import { DEFAULT_WINOGRAD_OUTPUT, WINOGRAD_OUTPUT_FORMS, type WinogradOutputName } from './output.js';
import { F2, F4, F6, type WinogradTransform } from './transforms.js';

/** direct: onnxruntime's Conv; F2 / F4 / F6: Winograd F(m×m, 3×3) with m = 2, 4, 6. */
export type ConvForm = 'direct' | 'F2' | 'F4' | 'F6';

export interface ConvShape {
  inChannels: number;
  outChannels: number;
  /** The feature map's longer side at the run's nominal image size; undefined when unknown. */
  side: number | undefined;
  /**
   * The feature map's width and height at the run's nominal image shape, when known: a
   * landscape or portrait photo's maps are not squares, and the forms' costs differ there
   * (a Winograd form pays for whole tiles in each direction).
   */
  width?: number;
  height?: number;
  role: 'forward' | 'inputGrad';
}

/** An image's width and height in pixels. */
export interface ImageShape {
  width: number;
  height: number;
}

export type ConvFormPicker = (shape: ConvShape) => ConvForm;

/** The lowering's settings: which form each conv takes, for which image size, with which output transform. */
export interface ConvLowering {
  /**
   * Which form each 3×3 convolution (forward and input gradient) takes once the graph is
   * built: direct, or a Winograd form. None: all direct.
   */
  convForm?: ConvFormPicker;
  /** The nominal shape of the images the graph will see, for `convForm`'s per-layer choice (other shapes still run). */
  convShape?: ImageShape;
  /** The Winograd forms' output transform (output.ts); default 'separable'. */
  winogradOutput?: WinogradOutputName;
}

const TRANSFORMS: Record<Exclude<ConvForm, 'direct'>, WinogradTransform> = { F2, F4, F6 };

/** Whether a node is a convolution a Winograd form can replace (and its K, C when it is). */
export function winogradCandidate(g: GraphBuilder, node: GraphNode): { K: number; C: number } | undefined {
  if (node.opType !== 'Conv') return undefined;
  const same = (v: unknown, want: number[]) => v === undefined || JSON.stringify(v) === JSON.stringify(want);
  const a = node.attrs;
  if (JSON.stringify(a.kernel_shape) !== '[3,3]' || !same(a.strides, [1, 1]) || !same(a.dilations, [1, 1])) return undefined;
  if (a.group !== undefined && a.group !== 1) return undefined;
  if (JSON.stringify(a.pads) !== '[1,1,1,1]') return undefined;
  const w = g.initializers.get(node.inputs[1]!);
  const b = node.inputs[2];
  if (!w || w.elemType !== 'float32' || w.dims.length !== 4) return undefined;
  if (b !== undefined && b !== '' && !g.isInitializer(b)) return undefined;
  return { K: w.dims[0]!, C: w.dims[1]! };
}

/** A feature map's width, height and longer side at `scale` (a conv's feature scale) of an image shape. */
export function featureMapShape(image: ImageShape | undefined, scale: number | undefined): Pick<ConvShape, 'side' | 'width' | 'height'> {
  if (!image || scale === undefined) return { side: undefined };
  const width = Math.max(1, Math.round(image.width / scale));
  const height = Math.max(1, Math.round(image.height / scale));
  return { side: Math.max(width, height), width, height };
}

/**
 * Replace convolutions by the forms `pick` chooses. `image` is the nominal shape of the
 * images the graph will see (feature-map shapes follow from each conv's feature scale).
 * `output` is the output transform's op sequence (output.ts). Returns how many of each
 * form were emitted.
 */
export function lowerConvolutions(g: GraphBuilder, pick: ConvFormPicker, image?: ImageShape, output: WinogradOutputName = DEFAULT_WINOGRAD_OUTPUT): Record<ConvForm, number> {
  const counts: Record<ConvForm, number> = { direct: 0, F2: 0, F4: 0, F6: 0 };
  const transformed = new Set<string>();
  const facts = convFacts(g);
  g.rewrite((node) => {
    const shape = winogradCandidate(g, node);
    if (!shape) return undefined;
    const hint = facts.get(node)!;
    const form = pick({ inChannels: shape.C, outChannels: shape.K, ...featureMapShape(image, hint.featureScale), role: hint.role });
    counts[form]++;
    if (form === 'direct') return undefined;
    const bias = node.inputs[2] ? node.inputs[2] : undefined;
    // An input gradient reads its forward conv's weights when it knows them (one copy in the model for both).
    const source = hint.role === 'inputGrad' && hint.forwardWeights && g.isInitializer(hint.forwardWeights) ? hint.forwardWeights : undefined;
    transformed.add(node.inputs[1]!);
    if (source) transformed.add(source);
    if (bias) transformed.add(bias);
    return () => {
      addWinogradConv(g, TRANSFORMS[form], {
        x: node.inputs[0]!,
        weights: source ?? node.inputs[1]!,
        inputGradient: source !== undefined,
        bias,
        output: node.outputs[0]!,
      }, output);
    };
  });
  g.dropUnusedInitializers(transformed);
  return counts;
}

/**
 * Bytes a conv in `form` allocates beyond a direct conv while it runs, at h × w: the
 * transformed input (P per tile and input channel), the channel product (P per tile and
 * output channel), the output transform's intermediates, and the kernels U.
 */
export function transientBytes(
  form: ConvForm,
  inChannels: number,
  outChannels: number,
  h: number,
  w: number,
  output: WinogradOutputName = DEFAULT_WINOGRAD_OUTPUT,
): number {
  if (form === 'direct') return 0;
  const { m } = TRANSFORMS[form];
  const P = (m + 2) ** 2;
  const tiles = Math.ceil(h / m) * Math.ceil(w / m);
  const outputTransform = WINOGRAD_OUTPUT_FORMS[output].transientPerTile(m) * tiles * outChannels;
  return 4 * (P * tiles * (inChannels + outChannels) + P * inChannels * outChannels + outputTransform);
}
