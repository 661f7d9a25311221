/**
 * The variants bench/variants.ts and bench/profile.ts know by name. Each differs from
 * `defaults` (what src/runtime uses now) in one respect, except `original`, which is the
 * state before the performance work (ConvTranspose input-gradient, mask max-pool gradient,
 * generic two-product MatMul rule for the Gram matrix).
 */
import type { InferenceSession } from 'onnxruntime-common';
import type { BackwardFn } from '../src/graph/builder.js';
import { ruleOverrides } from '../src/graph/grads/index.js';
import type { GraphForms } from '../src/graph/passes/index.js';
import { CPU_CONV_FORMS, pickFromTable, type ConvFormPicker } from '../src/graph/winograd/index.js';
import type { Evaluator } from '../src/runtime/objective.js';

export interface Variant {
  /** Extra session options on top of sessionOptionsFor('cpu'). */
  session?: InferenceSession.SessionOptions;
  /** Gradient-graph options (rule forms, passes, conv forms) on top of graphFormsFor('cpu'). */
  grad?: Partial<GraphForms>;
  /** Gradient rules used in place of the table's for this variant's graphs (nothing global is changed). */
  rules?: Record<string, BackwardFn>;
}

/** The MatMul rule before the Gram special case: two products and two transposes. */
const genericMatMul: BackwardFn = ({ g }, node, dY) => {
  const [a, b] = node.inputs as [string, string];
  return [
    () => g.op('MatMul', [dY, g.op('Transpose', [b], { perm: [1, 0] })]),
    () => g.op('MatMul', [g.op('Transpose', [a], { perm: [1, 0] }), dY]),
  ];
};

/** Every eligible conv in one form, or the prototype's guess by channel count. */
const forms = (pick: ConvFormPicker): Variant => ({ grad: { convForm: pick } });
const byChannels: ConvFormPicker = ({ inChannels: c, outChannels: k }) => (Math.min(c, k) >= 256 ? 'F4' : Math.min(c, k) >= 128 ? 'F2' : 'direct');

const spin = (on: boolean) => ({ extra: { session: { intra_op: { allow_spinning: on ? '1' : '0' } } } });

export const VARIANTS: Record<string, Variant> = {
  defaults: {},
  original: {
    session: { enableMemPattern: true, ...spin(true) },
    grad: { convGrad: 'ConvTranspose', maxPoolGrad: 'mask', reluGrad: 'where', convForm: undefined },
    rules: { MatMul: genericMatMul },
  },
  // the CPU provider's gradient forms all at once (for --backend wasm, whose defaults are the portable ones)
  'cpu-grad-forms': { grad: { convGrad: 'Conv', maxPoolGrad: 'indices', reluGrad: 'mul' } },
  'cpu-grad-forms-spin-off': { grad: { convGrad: 'Conv', maxPoolGrad: 'indices', reluGrad: 'mul' }, session: spin(false) },
  // one change at a time from the defaults
  'grad-convtranspose': { grad: { convGrad: 'ConvTranspose' } },
  'grad-conv': { grad: { convGrad: 'Conv' } },
  'pool-mask': { grad: { maxPoolGrad: 'mask' } },
  'pool-indices': { grad: { maxPoolGrad: 'indices' } },
  'relu-where': { grad: { reluGrad: 'where' } },
  'relu-mul': { grad: { reluGrad: 'mul' } },
  'gram-generic': { rules: { MatMul: genericMatMul } },
  // the ReLU mask at full size, after the max-pool gradient's scatter (src/graph/passes/relu-mask-before-unpool.ts off)
  'relu-mask-full-size': { grad: { skipPasses: ['reluMaskBeforeUnpool'] } },
  'threads-1': { session: { intraOpNumThreads: 1 } },
  'threads-2': { session: { intraOpNumThreads: 2 } },
  'threads-3': { session: { intraOpNumThreads: 3 } },
  'threads-4': { session: { intraOpNumThreads: 4 } },
  'parallel-exec': { session: { executionMode: 'parallel', interOpNumThreads: 2 } },
  'opt-disabled': { session: { graphOptimizationLevel: 'disabled' } },
  'opt-basic': { session: { graphOptimizationLevel: 'basic' } },
  'opt-extended': { session: { graphOptimizationLevel: 'extended' } },
  'opt-layout': { session: { graphOptimizationLevel: 'layout' } },
  'opt-all': { session: { graphOptimizationLevel: 'all' } },
  'mem-pattern': { session: { enableMemPattern: true } },
  'no-mem-pattern': { session: { enableMemPattern: false } },
  'no-arena': { session: { enableCpuMemArena: false } },
  'spin-off': { session: spin(false) },
  'denormal-zero': { session: { extra: { session: { intra_op: { allow_spinning: '0' }, set_denormal_as_zero: '1' } } } },
  'spin-on': { session: spin(true) },
  // `defaults` lowers convs as auto picks; these fix every conv's form.
  'conv-direct': { grad: { convForm: undefined } },
  'conv-f2': forms(() => 'F2'),
  'conv-f4': forms(() => 'F4'),
  'conv-f6': forms(() => 'F6'),
  // auto's table with F6 rows taken back to F4 (what auto picked before F6)
  'conv-no-f6': forms((s) => { const f = pickFromTable(CPU_CONV_FORMS)(s); return f === 'F6' ? 'F4' : f; }),
  'conv-by-channels': forms(byChannels),
  // the CPU provider's measured table (with --backend wasm: what WASM ran before WASM_CONV_FORMS)
  'conv-cpu-table': forms(pickFromTable(CPU_CONV_FORMS)),
  // the Winograd output transform as one Aᵀ⊗Aᵀ GEMM + DepthToSpace: the CPU provider's form
  // before the separable one (already WASM's default, so the same as `defaults` there)
  'winograd-depth-to-space': { grad: { winogradOutput: 'depthToSpace' } },
  // the one extra intra-op thread pinned to the second logical processor (1-based ids)
  affinity: { session: { extra: { session: { intra_op: { allow_spinning: '0' }, intra_op_thread_affinities: '2' } } } },
};

/** The graph forms a variant's objective is built with: its options, and its rules as addGradient's lookup. */
export function formsOf(variant: Variant): Partial<GraphForms> {
  return { ...variant.grad, ...(variant.rules ? { rules: ruleOverrides(variant.rules) } : {}) };
}

export type { Evaluator };
