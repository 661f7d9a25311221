/**
 * The part of PyTorch's serialisation shared by the legacy and the zip container: the
 * pickled state dict, in which each tensor is
 *
 *     torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks)
 *
 * and each storage is a persistent id ('storage', torch.FloatStorage, key, location, numel
 * [, view_metadata]) whose bytes live outside the pickle (after it in the legacy file, in
 * `archive/data/<key>` in the zip). This module turns the pickle into a map from tensor
 * name to a TensorRef (where its elements are), and checks a TensorRef describes a dense
 * block of its storage.
 */
import { WeightsError } from '../../errors.js';
import type { Tensor } from '../types.js';
import type { TensorArchive, WeightFormat } from './archive.js';
import { elementCount, toFloat32, type DType } from './dtypes.js';
import { PyGlobal, PyObject, PyOpaque, PyTuple, typeName, unpickle, type PyValue } from './unpickle.js';

/** One storage (a flat typed buffer) as the pickle declares it. */
export interface StorageInfo {
  key: string;
  /** torch storage class name, e.g. FloatStorage. */
  typeName: string;
  /** undefined for types we can size but not convert (complex, quantised). */
  dtype: DType | undefined;
  elementSize: number;
  /** Element count the pickle declares. */
  numel: number;
}

/** A storage as a tensor sees it: legacy files may hand out views into a root storage. */
export interface StorageView {
  root: StorageInfo;
  /** Element offset of the view inside the root. */
  offset: number;
  numel: number;
}

export interface TensorRef {
  storage: StorageView;
  /** storage_offset, in elements of the view. */
  offset: number;
  shape: number[];
  stride: number[];
}

const STORAGE_TYPES: Record<string, { dtype: DType | undefined; size: number }> = {
  FloatStorage: { dtype: 'F32', size: 4 },
  DoubleStorage: { dtype: 'F64', size: 8 },
  HalfStorage: { dtype: 'F16', size: 2 },
  BFloat16Storage: { dtype: 'BF16', size: 2 },
  LongStorage: { dtype: 'I64', size: 8 },
  IntStorage: { dtype: 'I32', size: 4 },
  ShortStorage: { dtype: 'I16', size: 2 },
  CharStorage: { dtype: 'I8', size: 1 },
  ByteStorage: { dtype: 'U8', size: 1 },
  BoolStorage: { dtype: 'BOOL', size: 1 },
  UntypedStorage: { dtype: 'U8', size: 1 },
  ComplexFloatStorage: { dtype: undefined, size: 8 },
  ComplexDoubleStorage: { dtype: undefined, size: 16 },
  QInt8Storage: { dtype: undefined, size: 1 },
  QUInt8Storage: { dtype: undefined, size: 1 },
  QInt32Storage: { dtype: undefined, size: 4 },
  QUInt4x2Storage: { dtype: undefined, size: 1 },
  QUInt2x4Storage: { dtype: undefined, size: 1 },
};

export interface TorchPickle {
  /** Tensor name → where its data is, in the order the state dict lists them. */
  tensors: Map<string, TensorRef>;
  /** Every root storage the pickle references, by key. */
  storages: Map<string, StorageInfo>;
  /** Offset just past the pickle. */
  end: number;
}

function nonNegativeInt(v: PyValue, what: string, description: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw new WeightsError(`${description}: ${what} is ${typeof v === 'bigint' ? String(v) : typeName(v)}, expected a non-negative integer`);
}

function intTuple(v: PyValue, what: string, description: string): number[] {
  if (!(v instanceof PyTuple)) {
    throw new WeightsError(`${description}: ${what} is a ${typeName(v)}, expected a tuple of integers`);
  }
  if (v.items.length > 64) throw new WeightsError(`${description}: ${what} has ${v.items.length} dimensions`);
  return v.items.map((x, i) => nonNegativeInt(x, `${what}[${i}]`, description));
}

/**
 * Parses the state-dict pickle at `start` of `bytes`. `legacy` selects the six-field
 * persistent id of the legacy format (with view metadata) over the zip format's five.
 * Throws PickleTruncatedError when the bytes end inside the pickle.
 */
export function parseTorchPickle(bytes: Uint8Array, start: number, description: string, legacy: boolean): TorchPickle {
  const storages = new Map<string, StorageInfo>();
  const views = new Map<string, StorageView>();

  const persistentLoad = (pid: PyValue): PyValue => {
    const items = pid instanceof PyTuple ? pid.items : undefined;
    if (!items || items[0] !== 'storage' || items.length < 5) {
      throw new WeightsError(`${description}: unexpected persistent id (${typeName(pid)}); expected ('storage', type, key, location, size)`);
    }
    const [, type, key, , numelValue, viewMeta] = items;
    if (!(type instanceof PyGlobal)) throw new WeightsError(`${description}: storage type is a ${typeName(type)}`);
    const known = STORAGE_TYPES[type.name];
    if (!known) throw new WeightsError(`${description}: unknown storage type ${type.qualified}`);
    if (typeof key !== 'string') throw new WeightsError(`${description}: storage key is a ${typeName(key)}`);
    const numel = nonNegativeInt(numelValue ?? null, `size of storage ${key}`, description);
    let root = storages.get(key);
    if (!root) {
      if (storages.size >= 1_000_000) throw new WeightsError(`${description}: more than a million storages`);
      root = { key, typeName: type.name, dtype: known.dtype, elementSize: known.size, numel };
      storages.set(key, root);
    } else if (root.typeName !== type.name) {
      throw new WeightsError(`${description}: storage ${key} is declared as both ${root.typeName} and ${type.name}`);
    }
    if (legacy && viewMeta instanceof PyTuple) {
      // (view_key, offset, view_size): a window onto the root storage (torch < 0.4 files).
      const [viewKey, offset, size] = viewMeta.items;
      if (typeof viewKey !== 'string') throw new WeightsError(`${description}: storage view key is a ${typeName(viewKey)}`);
      const view: StorageView = {
        root,
        offset: nonNegativeInt(offset ?? null, `offset of storage view ${viewKey}`, description),
        numel: nonNegativeInt(size ?? null, `size of storage view ${viewKey}`, description),
      };
      if (view.offset + view.numel > root.numel) {
        throw new WeightsError(`${description}: storage view ${viewKey} (${view.offset}+${view.numel}) exceeds storage ${key} (${root.numel} elements)`);
      }
      if (!views.has(viewKey)) views.set(viewKey, view);
      return new PyOpaque('storage', views.get(viewKey)!);
    }
    return new PyOpaque('storage', { root, offset: 0, numel: root.numel } satisfies StorageView);
  };

  const rebuildTensor = (args: PyValue[]): PyValue => {
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof PyOpaque) || storage.tag !== 'storage') {
      throw new WeightsError(`${description}: tensor storage is a ${typeName(storage)}`);
    }
    const ref: TensorRef = {
      storage: storage.value as StorageView,
      offset: nonNegativeInt(offset ?? null, 'tensor storage_offset', description),
      shape: intTuple(size ?? null, 'tensor size', description),
      stride: intTuple(stride ?? null, 'tensor stride', description),
    };
    if (ref.shape.length !== ref.stride.length) {
      throw new WeightsError(`${description}: tensor size (${ref.shape.join(', ')}) and stride (${ref.stride.join(', ')}) differ in length`);
    }
    return new PyOpaque('tensor', ref);
  };

  const reduce = (fn: PyGlobal, args: PyValue[], depth = 0): PyValue | undefined => {
    switch (fn.qualified) {
      case 'torch._utils._rebuild_tensor':
      case 'torch._utils._rebuild_tensor_v2':
        return rebuildTensor(args);
      // nn.Parameter(data, requires_grad, hooks[, state]): the data is what we want.
      case 'torch._utils._rebuild_parameter':
      case 'torch._utils._rebuild_parameter_with_state':
        return args[0] ?? null;
      // Tensor subclasses: _rebuild_from_type_v2(func, new_type, args, state) → func(*args).
      case 'torch._tensor._rebuild_from_type_v2': {
        const [func, , inner] = args;
        if (depth < 4 && func instanceof PyGlobal && inner instanceof PyTuple) return reduce(func, inner.items, depth + 1);
        return undefined;
      }
      default:
        return undefined;
    }
  };

  const { value, end } = unpickle(bytes, start, { description, persistentLoad, reduce });
  return { tensors: collectTensors(value, description), storages, end };
}

/** The state dict inside what torch.save wrote: the dict itself, or a checkpoint holding one. */
function collectTensors(root: PyValue, description: string): Map<string, TensorRef> {
  const fromDict = (dict: Map<PyValue, PyValue>) => {
    const out = new Map<string, TensorRef>();
    for (const [k, v] of dict) {
      if (typeof k === 'string' && v instanceof PyOpaque && v.tag === 'tensor') out.set(k, v.value as TensorRef);
    }
    return out;
  };
  if (root instanceof Map) {
    const direct = fromDict(root);
    if (direct.size > 0) return direct;
    // Training checkpoints: {'state_dict': {...}, 'epoch': ...} and similar.
    for (const name of ['state_dict', 'model_state_dict', 'model', 'params']) {
      const inner = root.get(name);
      if (inner instanceof Map) {
        const nested = fromDict(inner);
        if (nested.size > 0) return nested;
      }
    }
    return direct;
  }
  if (root instanceof PyObject && root.callable instanceof PyGlobal) {
    throw new WeightsError(
      `${description}: holds a pickled ${root.callable.qualified} object rather than a state dict ` +
        '(it was saved with torch.save(model)); save model.state_dict() instead',
    );
  }
  throw new WeightsError(`${description}: the pickle holds a ${typeName(root)}, expected a state dict (a dict of tensors)`);
}

/**
 * Where a tensor's elements lie in its root storage, after checking that they form one
 * dense row-major block inside it. Returns element offsets.
 */
export function denseRange(ref: TensorRef, key: string, description: string): { start: number; numel: number } {
  const numel = elementCount(ref.shape);
  if (numel === undefined) throw new WeightsError(`${description}: tensor '${key}' has an impossible shape [${ref.shape.join(', ')}]`);
  // Row-major strides; like torch.is_contiguous, size-1 dims may have any stride.
  let expected = 1;
  for (let i = ref.shape.length - 1; i >= 0; i--) {
    if (ref.shape[i] !== 1 && ref.stride[i] !== expected && numel > 0) {
      throw new WeightsError(
        `${description}: tensor '${key}' is not contiguous (shape [${ref.shape.join(', ')}], stride ` +
          `[${ref.stride.join(', ')}]); re-save it with tensor.contiguous()`,
      );
    }
    expected *= ref.shape[i]!;
  }
  if (ref.offset + numel > ref.storage.numel) {
    throw new WeightsError(
      `${description}: tensor '${key}' (offset ${ref.offset}, ${numel} elements) lies outside its storage ` +
        `'${ref.storage.root.key}' of ${ref.storage.numel} elements`,
    );
  }
  return { start: ref.storage.offset + ref.offset, numel };
}

/** The dtype to decode a tensor's storage with, or a WeightsError naming the tensor. */
export function storageDType(ref: TensorRef, key: string, description: string): DType {
  const dtype = ref.storage.root.dtype;
  if (!dtype) throw new WeightsError(`${description}: tensor '${key}' has storage type ${ref.storage.root.typeName}, which cannot be read as float`);
  return dtype;
}

/**
 * A TensorArchive over a parsed torch pickle: what both .pth serialisations share. Only
 * where a storage's bytes live differs (an offset in the legacy stream, an entry in the
 * zip), so each format passes `storageBytes`, which returns elements start…start+numel
 * of the tensor's root storage and checks they exist.
 */
export function torchTensorArchive(
  format: WeightFormat,
  description: string,
  pickle: TorchPickle,
  storageBytes: (ref: TensorRef, key: string, start: number, numel: number) => Promise<Uint8Array>,
): TensorArchive {
  const tensorKeys = [...pickle.tensors.keys()];
  return {
    format,
    description,
    keys: () => tensorKeys,
    shape: (key) => pickle.tensors.get(key)?.shape.slice(),
    async read(key: string): Promise<Tensor> {
      const ref = pickle.tensors.get(key);
      if (!ref) throw new WeightsError(`${description}: no tensor '${key}' in the file`);
      const dtype = storageDType(ref, key, description);
      const { start, numel } = denseRange(ref, key, description);
      const bytes = await storageBytes(ref, key, start, numel);
      return { dims: ref.shape.slice(), data: toFloat32(bytes, dtype, `${description}: tensor '${key}'`) };
    },
  };
}
