import { freemem, totalmem } from 'node:os';
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import {
  TensorError,
  UnsupportedModelError,
  broadcastShapes,
  checkResamplePlan,
  checkConcat,
  checkConv2d,
  checkFlip,
  checkGather,
  checkMatmul,
  checkPad,
  checkReduce,
  checkReshape,
  checkResize,
  checkSlice,
  checkTile,
  checkTranspose,
  checkShape,
  resizeByResampling,
  dtypeOfData,
  detectModelFormat,
  normalizeAxis,
  sizeOf,
  type BackendDescription,
  type BinaryOp,
  type CompareOp,
  type Conv2dOptions,
  type DType,
  type LinearResizeMethod,
  type ModelFormat,
  type ModelIO,
  type ModelSession,
  type ModelSource,
  type PadMode,
  type ReduceOp,
  type ResamplePlan,
  type Shape,
  type Tensor,
  type TensorBackend,
  type TensorData,
  type UnaryOp,
} from '@easel/core';
import { convertKerasModel } from './keras-to-onnx.js';
import {
  buildModel,
  type GraphNode,
  type GraphSpec,
  type GraphValue,
  type OnnxElementType,
} from './onnx-graph.js';

export interface OnnxBackendOptions {
  /** `cpu` (default), `cuda`, `cuda:<n>`, or another execution provider of the installed build (`webgpu`, ...). */
  device?: string;
  /** Threads one operation may use; default: ONNX Runtime's choice (all cores). */
  intraOpThreads?: number;
}

const UNARY: Record<UnaryOp, string> = {
  neg: 'Neg',
  abs: 'Abs',
  sqrt: 'Sqrt',
  exp: 'Exp',
  log: 'Log',
  floor: 'Floor',
  ceil: 'Ceil',
  round: 'Round',
  sign: 'Sign',
  sin: 'Sin',
  cos: 'Cos',
  tanh: 'Tanh',
  sigmoid: 'Sigmoid',
  relu: 'Relu',
  reciprocal: 'Reciprocal',
};
const BINARY: Record<BinaryOp, string> = {
  add: 'Add',
  sub: 'Sub',
  mul: 'Mul',
  div: 'Div',
  pow: 'Pow',
  maximum: 'Max',
  minimum: 'Min',
};
const COMPARE: Record<Exclude<CompareOp, 'notEqual'>, string> = {
  greater: 'Greater',
  greaterEqual: 'GreaterOrEqual',
  less: 'Less',
  lessEqual: 'LessOrEqual',
  equal: 'Equal',
};
const REDUCE: Record<ReduceOp, string> = {
  sum: 'ReduceSum',
  mean: 'ReduceMean',
  max: 'ReduceMax',
  min: 'ReduceMin',
};
const FLOAT_ONLY_UNARY = new Set<UnaryOp>([
  'sqrt',
  'exp',
  'log',
  'floor',
  'ceil',
  'round',
  'sin',
  'cos',
  'tanh',
  'sigmoid',
  'reciprocal',
]);

/** A tensor held by ONNX Runtime. */
class OnnxTensor implements Tensor {
  readonly backend = 'onnx';
  readonly size: number;
  private value: ort.Tensor | null;

  constructor(
    value: ort.Tensor,
    readonly dtype: DType,
  ) {
    this.value = value;
    this.size = value.size;
  }

  get shape(): Shape {
    return this.ort.dims;
  }

  get disposed(): boolean {
    return this.value === null;
  }

  get ort(): ort.Tensor {
    if (this.value === null) throw new TensorError('this tensor was disposed');
    return this.value;
  }

  dispose(): void {
    this.value?.dispose();
    this.value = null;
  }
}

/**
 * The TensorBackend on ONNX Runtime (onnxruntime-node). Each operation is a small ONNX graph built
 * in code the first time it is needed and cached by its signature (operation, attributes, dtypes
 * and ranks), so a running server reuses a handful of compiled sessions.
 */
export class OnnxBackend implements TensorBackend {
  readonly name = 'onnx';
  /** `.onnx` files, and TensorFlow.js layers models of common convolutional layers (converted on load). */
  readonly modelFormats: readonly ModelFormat[] = ['onnx', 'tfjs-layers'];
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();
  private readonly sessionOptions: ort.InferenceSession.SessionOptions;

  constructor(private readonly options: OnnxBackendOptions = {}) {
    this.sessionOptions = {
      executionProviders: executionProviders(options.device ?? 'cpu'),
      graphOptimizationLevel: 'all',
      ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
      // Every cached operation is a session with its own thread pool; spinning idle pools would
      // steal the cores the running one needs.
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    };
  }

  describe(): BackendDescription {
    const device = this.options.device ?? 'cpu';
    const [type, index] = device.split(':');
    return {
      name: this.name,
      runtime: `onnxruntime-node ${ort.env.versions.node ?? ''} (${device})`.replace('  ', ' '),
      devices: [
        {
          name: device,
          type,
          index: index === undefined ? null : Number(index),
          // ONNX Runtime does not report device memory; on the CPU it is the host's
          memoryTotal: totalmem(),
          memoryFree: freemem(),
        },
      ],
    };
  }

  async free(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(sessions.map(async (s) => (await s).release()));
  }

  fromHost(data: TensorData, shape: Shape, dtype?: DType): Tensor {
    checkShape(shape);
    const type = dtypeOfData(data, dtype);
    if (data.length !== sizeOf(shape)) {
      throw new TensorError(`${data.length} values do not fill shape ${JSON.stringify(shape)}`);
    }
    return wrap(new ort.Tensor(type, data, [...shape]), type);
  }

  full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
    checkShape(shape);
    const data = hostArray(dtype, sizeOf(shape));
    data.fill(dtype === 'bool' ? (value ? 1 : 0) : value);
    return this.fromHost(data, shape, dtype);
  }

  async read(tensor: Tensor): Promise<TensorData> {
    const value = this.own(tensor).ort;
    const data = (await value.getData()) as TensorData;
    // hand out a copy: the caller may modify it, the tensor must not change
    return data.slice();
  }

  async unary(op: UnaryOp, x: Tensor): Promise<Tensor> {
    const input =
      FLOAT_ONLY_UNARY.has(op) || x.dtype === 'uint8' || x.dtype === 'bool'
        ? await this.cast(x, 'float32')
        : x;
    return this.run1(`unary:${op}`, [input], (v) => [{ op: UNARY[op], inputs: [v[0]], outputs: ['y'] }]);
  }

  async binary(op: BinaryOp, a: Tensor | number, b: Tensor | number): Promise<Tensor> {
    const floatResult = op === 'div' || op === 'pow';
    const [x, y] = await this.operands(a, b, floatResult);
    broadcastShapes(x.shape, y.shape);
    return this.run1(`binary:${op}`, [x, y], (v) => [{ op: BINARY[op], inputs: v, outputs: ['y'] }]);
  }

  async compare(op: CompareOp, a: Tensor | number, b: Tensor | number): Promise<Tensor> {
    const [x, y] = await this.operands(a, b, false);
    broadcastShapes(x.shape, y.shape);
    if (op === 'notEqual') {
      return this.run1('compare:notEqual', [x, y], (v) => [
        { op: 'Equal', inputs: v, outputs: ['eq'] },
        { op: 'Not', inputs: ['eq'], outputs: ['y'] },
      ]);
    }
    return this.run1(`compare:${op}`, [x, y], (v) => [{ op: COMPARE[op], inputs: v, outputs: ['y'] }]);
  }

  async clamp(x: Tensor, min: number | null, max: number | null): Promise<Tensor> {
    const input = x.dtype === 'float32' || x.dtype === 'int32' ? x : await this.cast(x, 'float32');
    const bounds = [min, max].map((v) => (v === null ? null : this.scalar(v, input.dtype)));
    const feeds = [input, ...bounds.filter((b): b is Tensor => b !== null)];
    const key = `clamp:${min === null ? '-' : 'min'}:${max === null ? '-' : 'max'}`;
    return this.run1(key, feeds, (v) => [
      {
        op: 'Clip',
        inputs: [v[0], min === null ? '' : v[1], max === null ? '' : v[min === null ? 1 : 2]],
        outputs: ['y'],
      },
    ]);
  }

  async where(condition: Tensor, a: Tensor | number, b: Tensor | number): Promise<Tensor> {
    const cond = condition.dtype === 'bool' ? condition : await this.cast(condition, 'bool');
    const [x, y] = await this.operands(a, b, false);
    broadcastShapes(broadcastShapes(cond.shape, x.shape), y.shape);
    return this.run1('where', [cond, x, y], (v) => [{ op: 'Where', inputs: v, outputs: ['y'] }]);
  }

  async cast(x: Tensor, dtype: DType): Promise<Tensor> {
    if (x.dtype === dtype) return this.copy(x);
    return this.run1(`cast:${dtype}`, [x], (v) => [
      { op: 'Cast', inputs: v, outputs: ['y'], attributes: { to: elementType(dtype) } },
    ]);
  }

  async reduce(op: ReduceOp, x: Tensor, axes: readonly number[], keepDims = false): Promise<Tensor> {
    const normalized = checkReduce(x, axes);
    if (normalized.length === 0) return this.copy(x);
    const input = x.dtype === 'float32' || x.dtype === 'int32' ? x : await this.cast(x, 'float32');
    return this.run1(`reduce:${op}:${keepDims ? 1 : 0}`, [input, int64Tensor(normalized)], (v) => [
      { op: REDUCE[op], inputs: v, outputs: ['y'], attributes: { keepdims: keepDims ? 1 : 0 } },
    ]);
  }

  async reshape(x: Tensor, shape: Shape): Promise<Tensor> {
    checkReshape(x, shape);
    return Promise.resolve(wrap(this.own(x).ort.reshape([...shape]), x.dtype));
  }

  async transpose(x: Tensor, perm: readonly number[]): Promise<Tensor> {
    const normalized = checkTranspose(x, perm);
    return this.run1(`transpose:${normalized.join(',')}`, [x], (v) => [
      { op: 'Transpose', inputs: v, outputs: ['y'], attributes: { perm: normalized } },
    ]);
  }

  async slice(x: Tensor, begin: readonly number[], end: readonly number[]): Promise<Tensor> {
    checkSlice(x, begin, end);
    const axes = x.shape.map((_, i) => i);
    return this.run1('slice', [x, int64Tensor(begin), int64Tensor(end), int64Tensor(axes)], (v) => [
      { op: 'Slice', inputs: v, outputs: ['y'] },
    ]);
  }

  async concat(xs: readonly Tensor[], axis: number): Promise<Tensor> {
    const a = checkConcat(xs, axis);
    if (xs.length === 1) return this.copy(xs[0]);
    return this.run1(`concat:${xs.length}:${a}`, xs, (v) => [
      { op: 'Concat', inputs: v, outputs: ['y'], attributes: { axis: a } },
    ]);
  }

  async pad(
    x: Tensor,
    pads: readonly (readonly [number, number])[],
    mode: PadMode = 'constant',
    value = 0,
  ): Promise<Tensor> {
    checkPad(x, pads, mode);
    const flat = [...pads.map(([b]) => b), ...pads.map(([, e]) => e)];
    const feeds = [x, int64Tensor(flat), this.scalar(value, x.dtype)];
    return this.run1(`pad:${mode}`, feeds, (v) => [
      { op: 'Pad', inputs: v, outputs: ['y'], attributes: { mode } },
    ]);
  }

  async flip(x: Tensor, axes: readonly number[]): Promise<Tensor> {
    const normalized = checkFlip(x, axes);
    if (normalized.length === 0) return this.copy(x);
    // ONNX has no Flip: a Slice with step -1 walks each axis backwards
    const starts = normalized.map(() => -1);
    const ends = normalized.map(() => Number.MIN_SAFE_INTEGER);
    const steps = normalized.map(() => -1);
    const feeds = [x, int64Tensor(starts), int64Tensor(ends), int64Tensor(normalized), int64Tensor(steps)];
    return this.run1('flip', feeds, (v) => [{ op: 'Slice', inputs: v, outputs: ['y'] }]);
  }

  async tile(x: Tensor, repeats: readonly number[]): Promise<Tensor> {
    checkTile(x, repeats);
    return this.run1('tile', [x, int64Tensor(repeats)], (v) => [{ op: 'Tile', inputs: v, outputs: ['y'] }]);
  }

  async gather(x: Tensor, indices: Int32Array | Tensor, axis: number): Promise<Tensor> {
    const index = indices instanceof Int32Array ? this.fromHost(indices, [indices.length], 'int32') : indices;
    if (index.dtype !== 'int32') throw new TensorError('gather indices must be int32');
    const a = checkGather(x, await this.read(index), axis);
    return this.run1(`gather:${a}`, [x, index], (v) => [
      { op: 'Gather', inputs: v, outputs: ['y'], attributes: { axis: a } },
    ]);
  }

  async resample(x: Tensor, axis: number, plan: ResamplePlan): Promise<Tensor> {
    const rank = x.shape.length;
    const a = normalizeAxis(axis, rank);
    checkResamplePlan(plan, x.shape[a]);
    const input = x.dtype === 'float32' ? x : await this.cast(x, 'float32');
    const { taps, size } = plan;
    // indices and weights tap-major: [taps, size] and [taps, size, 1, ...] so each tap is one Gather + Mul
    const indices = new Int32Array(taps * size);
    const weights = new Float32Array(taps * size);
    for (let i = 0; i < size; i++) {
      for (let t = 0; t < taps; t++) {
        indices[t * size + i] = plan.indices[i * taps + t];
        weights[t * size + i] = plan.weights[i * taps + t];
      }
    }
    const trailing = rank - a - 1;
    const feeds = [
      input,
      this.fromHost(indices, [taps, size], 'int32'),
      this.fromHost(weights, [taps, size, ...Array<number>(trailing).fill(1)]),
    ];
    const tapIndex = (t: number) => `t${t}`;
    return this.run1(
      `resample:${a}:${taps}`,
      feeds,
      ([xs, idx, w]) => {
        const nodes: GraphNode[] = [];
        for (let t = 0; t < taps; t++) {
          nodes.push(
            { op: 'Gather', inputs: [idx, tapIndex(t)], outputs: [`i${t}`], attributes: { axis: 0 } },
            { op: 'Gather', inputs: [w, tapIndex(t)], outputs: [`w${t}`], attributes: { axis: 0 } },
            { op: 'Gather', inputs: [xs, `i${t}`], outputs: [`g${t}`], attributes: { axis: a } },
            { op: 'Mul', inputs: [`g${t}`, `w${t}`], outputs: [taps === 1 ? 'y' : `m${t}`] },
          );
          // accumulate tap by tap, in order, like the reference kernels
          if (t > 0)
            nodes.push({
              op: 'Add',
              inputs: [t === 1 ? 'm0' : `s${t - 1}`, `m${t}`],
              outputs: [t === taps - 1 ? 'y' : `s${t}`],
            });
        }
        return nodes;
      },
      Array.from({ length: taps }, (_, t) => ({
        name: tapIndex(t),
        dtype: 'int64' as const,
        dims: [],
        values: [t],
      })),
    );
  }

  async resize(
    x: Tensor,
    axes: readonly [number, number],
    height: number,
    width: number,
    method: LinearResizeMethod,
  ): Promise<Tensor> {
    const [hAxis, wAxis] = checkResize(x, axes, height, width);
    if (method !== 'nearest-exact' && method !== 'bilinear') {
      return resizeByResampling(this, x, [hAxis, wAxis], height, width, method);
    }
    // ONNX Runtime's Resize with half-pixel coordinates gives PyTorch's nearest-exact and
    // bilinear (align_corners=False) numbers; the contract's ComfyUI goldens check it
    const sizes = [...x.shape];
    sizes[hAxis] = height;
    sizes[wAxis] = width;
    const input = await this.asFloat(x);
    const attributes: Record<string, string> =
      method === 'bilinear'
        ? { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }
        : {
            mode: 'nearest',
            coordinate_transformation_mode: 'half_pixel',
            nearest_mode: 'round_prefer_ceil',
          };
    return this.run1(`resize:${method}`, [input, int64Tensor(sizes)], ([xs, s]) => [
      { op: 'Resize', inputs: [xs, '', '', s], outputs: ['y'], attributes },
    ]);
  }

  async conv2d(x: Tensor, weight: Tensor, options: Conv2dOptions = {}): Promise<Tensor> {
    const groups = options.groups ?? 1;
    checkConv2d(x, weight, groups);
    const [top, bottom, left, right] = options.padding ?? [0, 0, 0, 0];
    const attributes = {
      strides: [...(options.stride ?? [1, 1])],
      dilations: [...(options.dilation ?? [1, 1])],
      pads: [top, left, bottom, right],
      group: groups,
    };
    const key = `conv2d:${JSON.stringify(attributes)}`;
    const [input, w] = await Promise.all([this.asFloat(x), this.asFloat(weight)]);
    return this.run1(key, [input, w], (v) => [{ op: 'Conv', inputs: v, outputs: ['y'], attributes }]);
  }

  async matmul(a: Tensor, b: Tensor): Promise<Tensor> {
    checkMatmul(a, b);
    const [x, y] = await Promise.all([this.asFloat(a), this.asFloat(b)]);
    return this.run1('matmul', [x, y], (v) => [{ op: 'MatMul', inputs: v, outputs: ['y'] }]);
  }

  async loadModel(source: ModelSource): Promise<ModelSession> {
    let bytes: Uint8Array;
    let label: string;
    if ('path' in source) {
      label = source.path;
      const location = await detectModelFormat(source.path);
      if (location?.format === 'onnx') bytes = await readFile(location.file);
      else if (location?.format === 'tfjs-layers') bytes = await convertKerasModel(location.file);
      else throw new UnsupportedModelError(source.path, this.name, this.modelFormats);
    } else {
      label = '(model bytes)';
      if (source.format !== 'onnx') throw new UnsupportedModelError(label, this.name, this.modelFormats);
      bytes = source.bytes;
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, this.sessionOptions);
    } catch (error) {
      throw new Error(
        `${label}: ONNX Runtime cannot load this model: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    return new OnnxModelSession(
      session,
      (t) => this.own(t),
      (v, d) => wrap(v, d),
    );
  }

  // -- helpers

  private own(t: Tensor): OnnxTensor {
    if (!(t instanceof OnnxTensor))
      throw new TensorError(`a ${t.backend} tensor cannot be used on the onnx backend`);
    return t;
  }

  private scalar(value: number, dtype: DType): Tensor {
    return this.fromHost(hostArray(dtype, 1).fill(value), [], dtype);
  }

  private copy(x: Tensor): Promise<Tensor> {
    const value = this.own(x).ort;
    return Promise.resolve(wrap(value.reshape([...value.dims]), x.dtype));
  }

  private asFloat(x: Tensor): Promise<Tensor> {
    return x.dtype === 'float32' ? Promise.resolve(x) : this.cast(x, 'float32');
  }

  /** Two operands of one dtype: numbers become scalars; mixed or non-numeric dtypes become float32. */
  private async operands(
    a: Tensor | number,
    b: Tensor | number,
    forceFloat: boolean,
  ): Promise<[Tensor, Tensor]> {
    if (typeof a === 'number' && typeof b === 'number')
      throw new TensorError('an operation needs at least one tensor');
    const tensorDtype = (typeof a === 'number' ? (b as Tensor) : a).dtype;
    const other = typeof a === 'number' || typeof b === 'number' ? tensorDtype : b.dtype;
    const integer = tensorDtype === 'int32' && other === 'int32' && !forceFloat;
    const numberIsInt = [a, b].every((v) => typeof v !== 'number' || Number.isInteger(v));
    const dtype: DType = integer && numberIsInt ? 'int32' : 'float32';
    const convert = async (v: Tensor | number) =>
      typeof v === 'number' ? this.scalar(v, dtype) : v.dtype === dtype ? v : this.cast(v, dtype);
    return [await convert(a), await convert(b)];
  }

  /**
   * Runs a one-output graph on `feeds`. `nodes` gets the graph's input names; the graph is built
   * and compiled once per key + input dtypes and ranks.
   */
  private async run1(
    op: string,
    feeds: readonly Tensor[],
    nodes: (inputs: string[]) => GraphNode[],
    initializers: GraphSpec['initializers'] = [],
  ): Promise<Tensor> {
    const values = feeds.map((f) => this.own(f));
    const names = values.map((_, i) => `x${i}`);
    // int64 inputs are short vectors of attributes (axes, pads, sizes) whose length ONNX must know
    const inputs: GraphValue[] = values.map((v, i) => ({
      name: names[i],
      dtype: v.dtype,
      rank: v.shape.length,
      ...((v.dtype as string) === 'int64' && { dims: [...v.shape] }),
    }));
    const signature = (i: GraphValue) => `${i.dtype}/${i.dims ? `[${i.dims.join(',')}]` : i.rank}`;
    const key = `${op}|${inputs.map(signature).join(',')}`;
    let session = this.sessions.get(key);
    if (!session) {
      const spec: GraphSpec = { inputs, outputs: [{ name: 'y' }], nodes: nodes(names), initializers };
      session = ort.InferenceSession.create(buildModel(spec, op), this.sessionOptions);
      this.sessions.set(key, session);
      session.catch(() => this.sessions.delete(key));
    }
    const feedMap: Record<string, ort.Tensor> = {};
    values.forEach((v, i) => (feedMap[names[i]] = v.ort));
    const result = await (await session).run(feedMap);
    const y = result.y;
    return wrap(y, dtypeOfOrt(y.type));
  }
}

class OnnxModelSession implements ModelSession {
  readonly format = 'onnx';
  readonly inputs: ModelIO[];
  readonly outputs: ModelIO[];

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly own: (t: Tensor) => OnnxTensor,
    private readonly wrapValue: (v: ort.Tensor, dtype: DType) => Tensor,
  ) {
    const io = (names: readonly string[], metadata: readonly ort.InferenceSession.ValueMetadata[]) =>
      names.map((name, i) => {
        const meta = metadata[i] as
          { isTensor?: boolean; type?: string; shape?: readonly (number | string)[] } | undefined;
        return { name, dtype: meta?.type ?? 'unknown', shape: meta?.shape ? [...meta.shape] : [] };
      });
    this.inputs = io(session.inputNames, session.inputMetadata);
    this.outputs = io(session.outputNames, session.outputMetadata);
  }

  async run(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
    const missing = this.inputs.filter((i) => !(i.name in feeds)).map((i) => i.name);
    if (missing.length > 0) throw new TensorError(`model inputs missing: ${missing.join(', ')}`);
    const map: Record<string, ort.Tensor> = {};
    for (const [name, tensor] of Object.entries(feeds)) map[name] = this.own(tensor).ort;
    const result = await this.session.run(map);
    const out: Record<string, Tensor> = {};
    for (const [name, value] of Object.entries(result))
      out[name] = this.wrapValue(value, dtypeOfOrt(value.type));
    return out;
  }

  dispose(): Promise<void> {
    return this.session.release();
  }
}

function wrap(value: ort.Tensor, dtype: DType): OnnxTensor {
  return new OnnxTensor(value, dtype);
}

function executionProviders(device: string): ort.InferenceSession.ExecutionProviderConfig[] {
  const [name, index] = device.split(':');
  if (name === 'cpu') return ['cpu'];
  const available = ort
    .listSupportedBackends()
    .filter((b) => b.bundled)
    .map((b) => b.name);
  if (!available.includes(name)) {
    throw new Error(
      `The onnx backend cannot use device "${device}": this onnxruntime-node build has ${available.join(', ')}`,
    );
  }
  const provider =
    index === undefined
      ? name
      : ({ name, deviceId: Number(index) } as ort.InferenceSession.ExecutionProviderConfig);
  return [provider, 'cpu'];
}

function int64Tensor(values: readonly number[]): Tensor {
  return wrapInt64(
    new ort.Tensor('int64', BigInt64Array.from(values.map((v) => BigInt(v))), [values.length]),
  );
}

// int64 tensors only ever feed ONNX attributes-as-inputs; they are not a public dtype
function wrapInt64(value: ort.Tensor): Tensor {
  return new OnnxTensor(value, 'int64' as DType);
}

function elementType(dtype: DType): number {
  return { float32: 1, uint8: 2, int32: 6, bool: 9 }[dtype];
}

function dtypeOfOrt(type: string): DType {
  if (type === 'float32' || type === 'int32' || type === 'uint8' || type === 'bool') return type;
  throw new TensorError(`ONNX Runtime produced a ${type} tensor, which Easel does not support`);
}

function hostArray(dtype: DType, size: number): TensorData {
  return dtype === 'float32'
    ? new Float32Array(size)
    : dtype === 'int32'
      ? new Int32Array(size)
      : new Uint8Array(size);
}

export type { OnnxElementType };
