/**
 * onnxruntime's CPU provider (MLAS kernels), in Node. The forms and settings below were
 * each measured fastest on it (bench/variants.ts, bench/conv-forms.ts; figures in
 * bench/RESULTS.md):
 *  - the conv input-gradient as a Conv with flipped weights (its ConvTranspose kernel is
 *    ~1.6× slower than its blocked-layout Conv), the max-pool gradient from MaxPool
 *    indices + MaxUnpool (2 ops instead of ~11), the ReLU mask as a Mul (its broadcasting
 *    Where is slow);
 *  - full graph optimisation (the blocked-layout NCHWc rewrite is what makes Conv fast);
 *  - no memory pattern: as fast, and 15–30% less peak memory (the pattern allocates one
 *    block for the whole plan on top of the arena the first run grew);
 *  - intra-op threads that sleep instead of spinning between kernels: faster when other
 *    processes compete for the cores, no slower when they do not. The thread count stays
 *    onnxruntime's default (one per physical core).
 */
import { CPU_CONV_FORMS } from '../graph/winograd/table.js';
import type { BackendProfile, SessionOptions } from './types.js';

/** Session options of a CPU-kernel provider ('cpu' in Node, 'wasm' in browsers: the same MLAS kernels). */
export function cpuKernelSessionOptions(executionProvider: string, extra: SessionOptions = {}): SessionOptions {
  return {
    executionProviders: [executionProvider],
    graphOptimizationLevel: 'all',
    enableMemPattern: false,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
    ...extra,
  };
}

export const cpuBackend: BackendProfile = {
  name: 'cpu',
  label: 'CPU',
  executionProvider: 'cpu',
  sessionOptions: (extra) => cpuKernelSessionOptions('cpu', extra),
  gradients: { convGrad: 'Conv', maxPoolGrad: 'indices', reluGrad: 'mul' },
  convForms: { rows: CPU_CONV_FORMS, unmeasured: 'rule' },
  winogradOutput: 'separable',
  probe: async () => ({ available: true }),
  preference: 0,
};
