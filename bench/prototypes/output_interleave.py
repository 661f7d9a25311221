"""
Winograd F(4×4, 3×3)'s last step in onnxruntime ops: the output transform M → Y (16 of the
36 positions per tile) and the interleave of Y's 4×4 tile positions into the feature map.
What src/graph/winograd/conv.ts emits (MatMul by Aᵀ⊗Aᵀ, then DepthToSpace) against every
other op sequence tried, per VGG-19 shape at 512 px, as medians of 11 runs on onnxruntime's
CPU provider with 2 threads. Each variant's result is checked equal to the first.

  node_modules/.cache/torch-venv/bin/python bench/prototypes/output_interleave.py
  (bash bench/setup-torch-venv.sh makes that venv, with onnx and onnxruntime)

A prototype, not part of the program: it only informs the choice of form in conv.ts.
"""
import time

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper as h, numpy_helper as nh

AT = np.array([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]], np.float32)
AA = np.kron(AT, AT)  # [16, 36]: row a·4+b is output pixel (a, b) of a tile
A = np.ascontiguousarray(AT.T)  # [6, 4]


def value(name, shape=None):
    return h.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def i64(values, name):
    return nh.from_array(np.array(values, np.int64), name)


def session(nodes, inputs, inits):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    graph = h.make_graph(nodes, 'g', inputs, [value('z')], inits)
    model = h.make_model(graph, opset_imports=[h.make_opsetid('', 17)], ir_version=8)
    return ort.InferenceSession(model.SerializeToString(), options, providers=['CPUExecutionProvider'])


def median_ms(run, n=11):
    run()
    run()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return sorted(times)[n // 2] * 1000


def variants(K, th):
    """(name, nodes, initializers); the input is M [36, K·th·th], the output z [1, K, 4th, 4th]."""
    out = i64([1, K, 4 * th, 4 * th], 'out')
    aa = nh.from_array(AA, 'aa')
    aat = nh.from_array(np.ascontiguousarray(AA.T), 'aat')
    yield 'MatMul + DepthToSpace DCR (conv.ts)', [
        h.make_node('MatMul', ['aa', 'm'], ['y']), h.make_node('Reshape', ['y', 's'], ['y4']),
        h.make_node('DepthToSpace', ['y4'], ['z'], blocksize=4, mode='DCR')], [aa, i64([1, 16 * K, th, th], 's')]
    yield 'MatMul + one 5-D Transpose', [
        h.make_node('MatMul', ['aa', 'm'], ['y']), h.make_node('Reshape', ['y', 's'], ['y5']),
        h.make_node('Transpose', ['y5'], ['t'], perm=[2, 3, 0, 4, 1]), h.make_node('Reshape', ['t', 'out'], ['z'])], [aa, i64([4, 4, K, th, th], 's'), out]
    yield 'ConvTranspose 36→1, 4×4 stride 4 (transform and interleave in one op)', [
        h.make_node('Reshape', ['m', 's'], ['x']), h.make_node('ConvTranspose', ['x', 'w'], ['y'], kernel_shape=[4, 4], strides=[4, 4]),
        h.make_node('Reshape', ['y', 'out'], ['z'])], [nh.from_array(np.ascontiguousarray(AA.T).reshape(36, 1, 4, 4), 'w'), i64([1, 36, K * th, th], 's'), out]
    yield 'transposed GEMM (tile positions last) + chunk Transpose', [
        h.make_node('Transpose', ['m'], ['mt'], perm=[1, 0]), h.make_node('MatMul', ['mt', 'aat'], ['y']),
        h.make_node('Reshape', ['y', 's'], ['y4']), h.make_node('Transpose', ['y4'], ['y5'], perm=[0, 2, 1, 3]),
        h.make_node('Reshape', ['y5', 'out'], ['z'])], [aat, i64([K * th, th, 4, 4], 's'), out]
    yield 'GEMM batched by channel + DepthToSpace CRD', [
        h.make_node('Reshape', ['m', 's3'], ['m3']), h.make_node('Transpose', ['m3'], ['mk'], perm=[1, 0, 2]),
        h.make_node('MatMul', ['aa', 'mk'], ['y']), h.make_node('Reshape', ['y', 's'], ['y4']),
        h.make_node('DepthToSpace', ['y4'], ['z'], blocksize=4, mode='CRD')], [aa, i64([36, K, th * th], 's3'), i64([1, 16 * K, th, th], 's')]
    yield 'MatMul + identity-MatMul interleave + chunk Transpose', [
        h.make_node('MatMul', ['aa', 'm'], ['y']), h.make_node('Reshape', ['y', 's5'], ['y5']),
        h.make_node('Transpose', ['y5'], ['y5t'], perm=[0, 2, 3, 1]), h.make_node('MatMul', ['y5t', 'eye'], ['zz']),
        h.make_node('Reshape', ['zz', 's3'], ['z3']), h.make_node('Transpose', ['z3'], ['z4'], perm=[1, 0, 2]),
        h.make_node('Reshape', ['z4', 'out'], ['z'])], [aa, i64([4, 4, K * th, th], 's5'), i64([4, K * th, th * 4], 's3'), nh.from_array(np.eye(4, dtype=np.float32), 'eye'), out]
    # Aᵀ along one axis at a time; the second GEMM's operand transposed (onnxruntime folds it
    # as transA), so pixels come out in map rows and the last Transpose moves whole rows.
    yield 'separable: Aᵀ GEMM over rows, transA GEMM by A over columns, row Transpose (output.ts)', [
        h.make_node('Reshape', ['m', 's6'], ['m6']), h.make_node('MatMul', ['at', 'm6'], ['r']),
        h.make_node('Reshape', ['r', 's3'], ['r3']), h.make_node('Transpose', ['r3'], ['rt'], perm=[0, 2, 1]),
        h.make_node('MatMul', ['rt', 'a'], ['y']), h.make_node('Reshape', ['y', 's4'], ['y4']),
        h.make_node('Transpose', ['y4'], ['y5'], perm=[1, 0, 2]), h.make_node('Reshape', ['y5', 'out'], ['z'])], [
        nh.from_array(A, 'a'), nh.from_array(AT, 'at'), i64([6, -1], 's6'), i64([4, 6, K * th * th], 's3'), i64([4, K * th, th * 4], 's4'), out]
    yield 'separable, the other order: transA GEMM by A over columns first, then Aᵀ over rows', [
        h.make_node('Reshape', ['m', 's3'], ['m3']), h.make_node('Transpose', ['m3'], ['m3t'], perm=[0, 2, 1]),
        h.make_node('MatMul', ['m3t', 'a'], ['c']), h.make_node('Reshape', ['c', 's2'], ['c2']),
        h.make_node('MatMul', ['at', 'c2'], ['y']), h.make_node('Reshape', ['y', 's4'], ['y4']),
        h.make_node('Transpose', ['y4'], ['y5'], perm=[1, 0, 2]), h.make_node('Reshape', ['y5', 'out'], ['z'])], [
        nh.from_array(A, 'a'), nh.from_array(AT, 'at'), i64([6, 6, K * th * th], 's3'), i64([6, K * th * th * 4], 's2'), i64([4, K * th, th * 4], 's4'), out]


def main():
    rng = np.random.default_rng(0)
    print('onnxruntime', ort.__version__, '· ms per call, ×: against the first row')
    for K, th, where in [(128, 64, 'conv2_2, 256²'), (256, 32, 'conv3_x, 128²'), (512, 16, 'conv4_x, 64²'), (512, 8, 'conv5_1, 32²')]:
        M = rng.standard_normal((36, K * th * th)).astype(np.float32)
        print(f'\nK = {K}, {4 * th}² map ({where} at 512 px)')
        first = reference = None
        for name, nodes, inits in variants(K, th):
            s = session(nodes, [value('m', [36, K * th * th])], inits)
            result = s.run(None, {'m': M})[0]
            if reference is None:
                reference = result
            assert np.allclose(result, reference, rtol=1e-5, atol=1e-4), name
            ms = median_ms(lambda: s.run(None, {'m': M}))
            first = first or ms
            print(f'  {name:<72} {ms:7.1f} ms  ×{ms / first:.2f}')


if __name__ == '__main__':
    main()
