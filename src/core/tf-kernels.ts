/**
 * The device's TensorFlow.js backend: a KernelBackend of its own, registered with tfjs-core as `cpu`,
 * with only the nine kernels the models dispatch to (tf.ts lists them). It replaces
 * @tensorflow/tfjs-backend-cpu in the worker (issue 24: MathBackendCPU and the kernels' helpers cost
 * about 3.8 KB gzip, for transposes, complex numbers, casts and strings the models never use).
 *
 * Each kernel computes as tfjs-backend-cpu 4.22 does, in the same order and with the same float32
 * rounding: an element-wise op in double, stored in the output's typed array; a sum accumulated in
 * double over the reduced axes in row-major order, stored once; argMax/argMin keep the first index on
 * ties; softmax goes max, subtract, exp, sum, divide, each step stored as float32 (Math.fround). So
 * assign() gives what it gave on tfjs-backend-cpu, and test/unit/core/model.test.ts holds it to the
 * float64 reference; test/unit/core/tf-kernels.test.ts compares every kernel with tfjs-backend-cpu.
 */
import {
  KernelBackend,
  type BackendValues,
  type DataId,
  type DataType,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

type Values = Float32Array | Int32Array | Uint8Array;
type Data = { values: Values; dtype: DataType; refCount: number };

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const strides = (shape: readonly number[]) => {
  const s = shape.map(() => 1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
};
const fail = (message: string): never => {
  throw new Error(`edseg: ${message}`);
};
/** The axes an `axis` attribute names, negative ones counted from the end; none: every axis. */
const axesOf = (axis: number | number[] | null | undefined, rank: number) =>
  axis == null
    ? Array.from({ length: rank }, (_, d) => d)
    : (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a));

/** tfjs-backend-cpu's storage, without strings and complex numbers (the models use float32 and int32). */
export class EdsegBackend extends KernelBackend {
  readonly data = new Map<DataId, Data>();
  #next = 0;

  override write(values: BackendValues, _shape: number[], dtype: DataType): DataId {
    const dataId = { id: this.#next++ };
    this.data.set(dataId, { values: values as Values, dtype, refCount: 1 });
    return dataId;
  }
  override move(dataId: DataId, values: BackendValues, _shape: number[], dtype: DataType, refCount: number) {
    this.data.set(dataId, { values: values as Values, dtype, refCount });
  }
  override readSync(dataId: DataId): BackendValues {
    return this.#get(dataId).values;
  }
  override read(dataId: DataId): Promise<BackendValues> {
    return Promise.resolve(this.readSync(dataId));
  }
  override refCount(dataId: DataId): number {
    return this.data.get(dataId)?.refCount ?? 0;
  }
  override incRef(dataId: DataId): void {
    this.#get(dataId).refCount++;
  }
  override disposeData(dataId: DataId, force = false): boolean {
    const d = this.data.get(dataId);
    if (d && --d.refCount > 0 && !force) return false;
    this.data.delete(dataId);
    return true;
  }
  override numDataIds(): number {
    return this.data.size;
  }
  override memory() {
    return { unreliable: true };
  }
  override timerAvailable() {
    return true;
  }
  override async time(f: () => void) {
    const t0 = performance.now();
    f();
    return { kernelMs: performance.now() - t0 };
  }
  override floatPrecision(): 32 {
    return 32;
  }
  override dispose(): void {}

  #get(dataId: DataId): Data {
    return this.data.get(dataId) ?? fail('a tensor was used after it was disposed');
  }
  /** The values of an input tensor. */
  values(t: TensorInfo): Values {
    return this.#get(t.dataId).values;
  }
  /** A new output tensor. */
  out(values: Values, shape: number[], dtype: DataType): TensorInfo {
    return { dataId: this.write(values, shape, dtype), shape, dtype };
  }
}

type Args = Parameters<KernelFunc>[0];
const parts = (args: Args) => ({
  backend: args.backend as EdsegBackend,
  inputs: args.inputs as Record<string, TensorInfo>,
  attrs: (args.attrs ?? {}) as Record<string, unknown>,
});
const typed = (dtype: DataType, n: number): Values =>
  dtype === 'int32' ? new Int32Array(n) : dtype === 'bool' ? new Uint8Array(n) : new Float32Array(n);
/** tfjs's upcast of two dtypes for a binary op (bool < int32 < float32). */
const upcast = (a: DataType, b: DataType): DataType =>
  a === 'float32' || b === 'float32' ? 'float32' : a === 'int32' || b === 'int32' ? 'int32' : 'bool';

/** An element-wise op of two tensors, with numpy broadcasting (tfjs-backend-cpu's createSimpleBinaryKernelImpl). */
const binary =
  (op: (a: number, b: number) => number): KernelFunc =>
  (args) => {
    const { backend, inputs } = parts(args);
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const rank = Math.max(a.shape.length, b.shape.length);
    const pad = (s: number[]) => [...Array<number>(rank - s.length).fill(1), ...s];
    const [as, bs] = [pad(a.shape), pad(b.shape)];
    const shape = as.map((n, i) => {
      const m = bs[i]!;
      if (n !== m && n !== 1 && m !== 1)
        fail(`operands could not be broadcast together with shapes ${a.shape} and ${b.shape}`);
      return n === 1 ? m : n;
    });
    const dtype = upcast(a.dtype, b.dtype);
    const out = typed(dtype, size(shape));
    const [av, bv] = [backend.values(a), backend.values(b)];
    const [os, ast, bst] = [strides(shape), strides(as), strides(bs)];
    for (let i = 0; i < out.length; i++) {
      let [ai, bi, r] = [0, 0, i];
      for (let d = 0; d < rank; d++) {
        const c = Math.floor(r / os[d]!);
        r -= c * os[d]!;
        if (as[d] !== 1) ai += c * ast[d]!;
        if (bs[d] !== 1) bi += c * bst[d]!;
      }
      out[i] = op(av[ai]!, bv[bi]!);
    }
    return backend.out(out, shape, dtype);
  };

/**
 * Every position of `shape` grouped by its position with `axes` dropped: calls `visit(outIndex,
 * inIndex)` in row-major order of the input, so each output sees its inputs in the reduced axes' order.
 */
function reduce(shape: number[], axes: number[], visit: (o: number, i: number, j: number) => void) {
  const kept = shape.map((_, d) => !axes.includes(d));
  const outShape = shape.filter((_, d) => kept[d]);
  const [is, os] = [strides(shape), strides(outShape)];
  const seen = new Int32Array(size(outShape));
  for (let i = 0; i < size(shape); i++) {
    let [o, r, od] = [0, i, 0];
    for (let d = 0; d < shape.length; d++) {
      const c = Math.floor(r / is[d]!);
      r -= c * is[d]!;
      if (kept[d]) o += c * os[od++]!;
    }
    visit(o, i, seen[o]!++);
  }
  return outShape;
}

const sum: KernelFunc = (args) => {
  const { backend, inputs, attrs } = parts(args);
  const x = inputs.x!;
  const axes = axesOf(attrs.axis as number | number[], x.shape.length);
  const v = backend.values(x);
  const acc: number[] = [];
  const outShape = reduce(x.shape, axes, (o, i) => (acc[o] = (acc[o] ?? 0) + v[i]!));
  const dtype = x.dtype === 'float32' ? 'float32' : 'int32';
  const out = typed(dtype, size(outShape));
  out.set(acc.length === out.length ? acc : Array.from(out, (_, o) => acc[o] ?? 0));
  const shape = attrs.keepDims ? x.shape.map((n, d) => (axes.includes(d) ? 1 : n)) : outShape;
  return backend.out(out, shape, dtype);
};

/** argMax/argMin over one axis: the first index that beats every earlier one (ties to the lowest). */
const arg =
  (better: (a: number, b: number) => boolean): KernelFunc =>
  (args) => {
    const { backend, inputs, attrs } = parts(args);
    const x = inputs.x!;
    const v = backend.values(x);
    const bestValue: number[] = [];
    const out: number[] = [];
    const outShape = reduce(x.shape, axesOf(attrs.axis as number, x.shape.length), (o, i, j) => {
      if (j === 0 || better(v[i]!, bestValue[o]!)) [bestValue[o], out[o]] = [v[i]!, j];
    });
    return backend.out(Int32Array.from(out), outShape, 'int32');
  };

const relu: KernelFunc = (args) => {
  const { backend, inputs } = parts(args);
  const x = inputs.x!;
  const v = backend.values(x);
  const out = typed(x.dtype, v.length);
  v.forEach((xi, i) => (out[i] = Math.max(0, xi)));
  return backend.out(out, x.shape, x.dtype);
};

const reshape: KernelFunc = (args) => {
  const { backend, inputs, attrs } = parts(args);
  const x = inputs.x!;
  const n = size(x.shape);
  const asked = attrs.shape as number[];
  const known = asked.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const shape = asked.map((d) => (d === -1 ? n / known : d));
  if (size(shape) !== n) fail(`cannot reshape [${x.shape}] into [${asked}]`);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape, dtype: x.dtype };
};

/** Softmax over the last axis, as tfjs-backend-cpu's: max, x - max, exp, sum, divide, each step in float32. */
const softmax: KernelFunc = (args) => {
  const { backend, inputs } = parts(args);
  const logits = inputs.logits!;
  const v = backend.values(logits);
  const k = logits.shape.at(-1)!;
  const out = new Float32Array(v.length);
  for (let row = 0; row < v.length; row += k) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, v[row + j]!);
    let total = 0;
    for (let j = 0; j < k; j++) total += out[row + j] = Math.fround(Math.exp(Math.fround(v[row + j]! - max)));
    total = Math.fround(total);
    for (let j = 0; j < k; j++) out[row + j] = out[row + j]! / total;
  }
  return backend.out(out, logits.shape, 'float32');
};

const kernel = (kernelName: string, kernelFunc: KernelFunc): KernelConfig => ({
  kernelName,
  backendName: 'cpu',
  kernelFunc,
});

/** The kernels, by tfjs-core's kernel names. */
export const EDSEG_KERNELS: readonly KernelConfig[] = [
  /* @__PURE__ */ kernel(
    'Add',
    binary((a, b) => a + b),
  ),
  /* @__PURE__ */ kernel(
    'ArgMax',
    arg((a, b) => a > b),
  ),
  /* @__PURE__ */ kernel(
    'ArgMin',
    arg((a, b) => a < b),
  ),
  /* @__PURE__ */ kernel(
    'Multiply',
    binary((a, b) => a * b),
  ),
  /* @__PURE__ */ kernel('Relu', relu),
  /* @__PURE__ */ kernel('Reshape', reshape),
  /* @__PURE__ */ kernel('Softmax', softmax),
  /* @__PURE__ */ kernel(
    'SquaredDifference',
    binary((a, b) => (a - b) * (a - b)),
  ),
  /* @__PURE__ */ kernel('Sum', sum),
];
