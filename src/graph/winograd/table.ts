/**
 * Which form each convolution takes, per backend: measured, not guessed. Each row is one
 * VGG-19 conv shape (forward C→K, or its input gradient K→C) on a feature map of a width
 * and height, with the form that was fastest there (bench/conv-forms.ts; figures in
 * bench/RESULTS.md). A conv not in the table takes the row of the same channel counts
 * nearest its map (nearest in width and in height, on a log scale), or, for channel counts
 * never measured, a conservative rule (byRule).
 *
 * WebGPU stays direct: its Conv is a GPU kernel of its own, nothing here was measured on
 * a GPU.
 */
import type { ConvForm, ConvFormPicker, ConvShape } from './lower.js';
import { DEFAULT_WINOGRAD_OUTPUT, type WinogradOutputName } from './output.js';

export type ConvAlgorithm = 'auto' | 'direct' | 'winograd';

export interface ConvFormRow {
  inChannels: number;
  outChannels: number;
  /** The feature map it was measured on. */
  width: number;
  height: number;
  form: ConvForm;
}

/** A row measured on a square map. */
export const row = (inChannels: number, outChannels: number, side: number, form: ConvForm): ConvFormRow => ({ inChannels, outChannels, width: side, height: side, form });
/** A row measured on a width × height map (a landscape or portrait image's). */
export const rowWH = (inChannels: number, outChannels: number, width: number, height: number, form: ConvForm): ConvFormRow => ({ inChannels, outChannels, width, height, form });

/**
 * onnxruntime 1.30's CPU provider, 2 threads (MLAS; the WASM build runs the same kernels),
 * from `npx tsx bench/conv-forms.ts --size 256|512|1024`: where F4 and direct were within
 * 5% for the conv and its input gradient together, direct (less memory); F6 only where it
 * beat F4 by more than 5% over both (its tiles of 6 waste more padding on small maps:
 * at 32² it lost to direct by 1.4–1.6×).
 */
export const CPU_CONV_FORMS: readonly ConvFormRow[] = [
  // --size 512
  row(64, 64, 512, 'direct'),
  row(64, 128, 256, 'direct'), row(128, 64, 256, 'direct'),
  row(128, 128, 256, 'F6'), // 2026-12-01, 11 reps: F6 0.72×/0.88× of direct, F4 0.78×/0.96× (forward/input gradient)
  row(128, 256, 128, 'F4'), row(256, 128, 128, 'F4'),
  row(256, 256, 128, 'F4'),
  row(256, 512, 64, 'F4'), row(512, 256, 64, 'F4'),
  row(512, 512, 64, 'F4'),
  row(512, 512, 32, 'F4'),
  // --size 256
  row(64, 64, 256, 'direct'),
  row(64, 128, 128, 'direct'), row(128, 64, 128, 'direct'),
  row(128, 128, 128, 'F4'),
  row(128, 256, 64, 'F4'), row(256, 128, 64, 'F4'),
  row(256, 256, 64, 'F4'),
  row(256, 512, 32, 'F4'), row(512, 256, 32, 'F4'),
  row(512, 512, 16, 'direct'),
  // --size 1024
  row(64, 64, 1024, 'direct'),
  row(64, 128, 512, 'direct'), row(128, 64, 512, 'direct'),
  row(128, 128, 512, 'F4'),
  row(128, 256, 256, 'F4'), row(256, 128, 256, 'F4'),
  row(256, 256, 256, 'F6'), // F6 0.56×/0.59×, F4 0.63×/0.64×
  row(256, 512, 128, 'F4'), row(512, 256, 128, 'F4'),
  row(512, 512, 128, 'F6'), // F6 0.47×/0.45×, F4 0.50×/0.51×
  // --size 512x384 and 384x512 (2026-12-06 06:27, 7 reps, load 1.7–1.9): the same picks as the
  // 512 rows but at conv3_x, whose 128×96 maps take tiles of 6 without padding (128² pads
  // to 132²): F6 beat F4 by 6–14% over forward and input gradient together, both ways round.
  rowWH(128, 256, 128, 96, 'F6'), rowWH(256, 128, 128, 96, 'F6'), rowWH(256, 256, 128, 96, 'F6'), // F6 0.82/0.69 and 0.53/0.62×, F4 0.89/0.72 and 0.60/0.69×
  rowWH(128, 256, 96, 128, 'F6'), rowWH(256, 128, 96, 128, 'F6'), rowWH(256, 256, 96, 128, 'F6'), // F6 0.86/0.59 and 0.58/0.61×, F4 0.94/0.75 and 0.65/0.63×
];

/**
 * onnxruntime-web 1.30's WASM build, 2 threads, in Node's V8 (Chromium's engine), from
 * `npx tsx bench/conv-forms.ts --backend wasm --size 128|256 --warmup 3` (2026-12-06,
 * bench/RESULTS.md "Conv forms in WASM"). WASM's direct Conv is im2col + a 128-bit SIMD
 * GEMM without MLAS's NCHWc kernels, so Winograd's fewer multiplies pay off far more widely
 * than on the CPU provider: F4 won every VGG shape (0.4–0.9× of direct, forward and
 * input gradient alike) except 512→512 on an 8² map, where its tiles are mostly padding
 * (F4 1.9–2.0× of direct). F6 was within noise of F4 at best and lost on small maps.
 */
export const WASM_CONV_FORMS: readonly ConvFormRow[] = [
  // --size 128
  row(64, 64, 128, 'F4'), // 0.91× forward, 0.50× input gradient
  row(64, 128, 64, 'F4'), row(128, 64, 64, 'F4'),
  row(128, 128, 64, 'F4'),
  row(128, 256, 32, 'F4'), row(256, 128, 32, 'F4'),
  row(256, 256, 32, 'F4'),
  row(256, 512, 16, 'F4'), row(512, 256, 16, 'F4'),
  row(512, 512, 16, 'F4'), // 0.44×/0.62× (the CPU provider: direct)
  row(512, 512, 8, 'direct'), // F4 1.87×/2.01×
  // --size 256
  row(64, 64, 256, 'F4'), // 0.72×/0.74×
  row(64, 128, 128, 'F4'), row(128, 64, 128, 'F4'),
  row(128, 128, 128, 'F4'),
  row(128, 256, 64, 'F4'), row(256, 128, 64, 'F4'),
  row(256, 256, 64, 'F4'),
  row(256, 512, 32, 'F4'), row(512, 256, 32, 'F4'),
  row(512, 512, 32, 'F4'),
];

/**
 * For channel counts never measured: F4 once both reach 128, on maps at most 128 a side.
 * Conservative — the measured rows also take F4 on larger maps (up to 512² at 128
 * channels) — since an unmeasured shape that loses costs more than one that could win.
 */
function byRule(s: ConvShape): ConvForm {
  return Math.min(s.inChannels, s.outChannels) >= 128 && (s.side ?? 0) <= 128 ? 'F4' : 'direct';
}

/**
 * How far a measured map is from a conv's: the log-ratio of the widths plus that of the
 * heights (a square query against square rows ranks them as the nearest side did), then,
 * between rows equally far (a long thin map between two square rows), the one nearer in area.
 */
function distance(r: ConvFormRow, width: number, height: number): [number, number] {
  const log = (a: number, b: number) => Math.abs(Math.log(a / b));
  return [log(r.width, width) + log(r.height, height), log(r.width * r.height, width * height)];
}

export function pickFromTable(rows: readonly ConvFormRow[]): ConvFormPicker {
  return (s) => {
    const same = rows.filter((r) => r.inChannels === s.inChannels && r.outChannels === s.outChannels);
    if (same.length === 0 || s.side === undefined) return byRule(s);
    // Only the longer side known (a caller of the old picker): taken as a square. A map
    // pooled to nothing (a memory query's edge case) counts as one pixel.
    const width = Math.max(1, s.width ?? s.side);
    const height = Math.max(1, s.height ?? s.side);
    const closer = (a: [number, number], b: [number, number]) => a[0] < b[0] - 1e-9 || (Math.abs(a[0] - b[0]) <= 1e-9 && a[1] < b[1]);
    return same.reduce((best, r) => (closer(distance(r, width, height), distance(best, width, height)) ? r : best)).form;
  };
}

