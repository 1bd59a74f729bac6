import { freemem, totalmem } from 'node:os';
import type * as TF from '@tensorflow/tfjs';
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
import { TfjsModelSession, modelIOHandler, modelIOHandlerFromBytes } from './tfjs-model.js';
import { loadTfjs, type LoadedTfjs, type TfjsRuntime } from './tfjs-runtime.js';

type TfTensor = TF.Tensor;

export interface TfjsBackendOptions {
  /** `cpu` (default: tfjs-node, else wasm, else plain JS), `gpu` / `cuda[:n]`, `wasm` or `js`. */
  device?: string;
}

/** A tensor held by TensorFlow.js. uint8 data is kept as int32 (tfjs has no uint8). */
class TfjsTensor implements Tensor {
  readonly backend = 'tfjs';
  readonly shape: Shape;
  readonly size: number;
  private value: TfTensor | null;

  constructor(
    value: TfTensor,
    readonly dtype: DType,
  ) {
    this.value = value;
    this.shape = value.shape;
    this.size = value.size;
  }

  get disposed(): boolean {
    return this.value === null;
  }

  get tf(): TfTensor {
    if (this.value === null) throw new TensorError('this tensor was disposed');
    return this.value;
  }

  dispose(): void {
    this.value?.dispose();
    this.value = null;
    for (const t of this.derived.values()) t.dispose();
    this.derived.clear();
  }

  private readonly derived = new Map<string, TfTensor>();

  /**
   * A tensor computed from this one and kept as long as it lives: conv2d keeps its filter in
   * tfjs' layout, so the wasm kernels (which cache packed weights per filter tensor) reuse it.
   */
  derive(key: string, make: (value: TfTensor) => TfTensor): TfTensor {
    let t = this.derived.get(key);
    if (!t) {
      t = make(this.tf);
      this.derived.set(key, t);
    }
    return t;
  }
}

/**
 * The TensorBackend on TensorFlow.js: native TensorFlow through tfjs-node(-gpu) when installed,
 * else the wasm backend that ships in the npm package, else plain JavaScript. Create it with
 * `await TfjsBackend.create(options)`.
 */
export class TfjsBackend implements TensorBackend {
  readonly name = 'tfjs';
  readonly modelFormats: readonly ModelFormat[] = ['tfjs-layers', 'tfjs-graph'];
  private readonly tf: typeof TF;

  private constructor(
    private readonly loaded: LoadedTfjs,
    private readonly device: string,
  ) {
    this.tf = loaded.tf;
  }

  static async create(options: TfjsBackendOptions = {}): Promise<TfjsBackend> {
    const device = options.device ?? 'cpu';
    return new TfjsBackend(await loadTfjs(device), device);
  }

  /** The kernel backend in use: `tensorflow-gpu`, `tensorflow`, `wasm` or `cpu`. */
  get runtime(): TfjsRuntime {
    return this.loaded.runtime;
  }

  describe(): BackendDescription {
    const gpu = this.loaded.runtime === 'tensorflow-gpu';
    const detail =
      this.loaded.runtime === 'wasm'
        ? `wasm${this.tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? ', SIMD' : ''}`
        : this.loaded.runtime;
    const [type, index] = gpu ? ['cuda', this.device.split(':')[1] ?? '0'] : ['cpu', undefined];
    return {
      name: this.name,
      runtime: `tfjs ${this.tf.version.tfjs} (${detail})`,
      devices: [
        {
          name: index === undefined ? type : `${type}:${index}`,
          type,
          index: index === undefined ? null : Number(index),
          // tfjs does not report device memory; on the CPU (and wasm) it is the host's
          memoryTotal: totalmem(),
          memoryFree: freemem(),
        },
      ],
    };
  }

  free(): Promise<void> {
    // compiled kernels are cached per backend by tfjs itself; nothing of ours to release
    return Promise.resolve();
  }

  fromHost(data: TensorData, shape: Shape, dtype?: DType): Tensor {
    checkShape(shape);
    const type = dtypeOfData(data, dtype);
    if (data.length !== sizeOf(shape))
      throw new TensorError(`${data.length} values do not fill shape ${JSON.stringify(shape)}`);
    const value =
      type === 'float32'
        ? this.tf.tensor(data, [...shape], 'float32')
        : type === 'bool'
          ? this.tf.tensor(
              Uint8Array.from(data, (v) => (v ? 1 : 0)),
              [...shape],
              'bool',
            )
          : this.tf.tensor(Int32Array.from(data), [...shape], 'int32');
    return new TfjsTensor(value, type);
  }

  full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
    checkShape(shape);
    const tfType = dtype === 'float32' ? 'float32' : dtype === 'bool' ? 'bool' : 'int32';
    return new TfjsTensor(
      this.tf.fill([...shape], dtype === 'bool' ? (value ? 1 : 0) : value, tfType),
      dtype,
    );
  }

  async read(tensor: Tensor): Promise<TensorData> {
    const t = this.own(tensor);
    const data = await t.tf.data();
    switch (t.dtype) {
      case 'float32':
        return Float32Array.from(data as Float32Array);
      case 'int32':
        return Int32Array.from(data as Int32Array);
      case 'uint8':
      case 'bool':
        return Uint8Array.from(data as ArrayLike<number>);
    }
  }

  unary(op: UnaryOp, x: Tensor): Promise<Tensor> {
    const integerOk = op === 'neg' || op === 'abs' || op === 'sign' || op === 'relu';
    return this.op(() => {
      const input = integerOk && this.own(x).dtype === 'int32' ? this.own(x).tf : this.floatOf(x);
      const tf = this.tf;
      const fn: Record<UnaryOp, (t: TfTensor) => TfTensor> = {
        neg: tf.neg,
        abs: tf.abs,
        sqrt: tf.sqrt,
        exp: tf.exp,
        log: tf.log,
        floor: tf.floor,
        ceil: tf.ceil,
        round: tf.round,
        sign: tf.sign,
        sin: tf.sin,
        cos: tf.cos,
        tanh: tf.tanh,
        sigmoid: tf.sigmoid,
        relu: tf.relu,
        reciprocal: tf.reciprocal,
      };
      return fn[op](input);
    });
  }

  binary(op: BinaryOp, a: Tensor | number, b: Tensor | number): Promise<Tensor> {
    return this.op(() => {
      const [x, y] = this.operands(a, b, op === 'div' || op === 'pow');
      broadcastShapes(x.shape, y.shape);
      const tf = this.tf;
      const fn: Record<BinaryOp, (p: TfTensor, q: TfTensor) => TfTensor> = {
        add: tf.add,
        sub: tf.sub,
        mul: tf.mul,
        div: tf.div,
        pow: tf.pow,
        maximum: tf.maximum,
        minimum: tf.minimum,
      };
      return fn[op](x, y);
    });
  }

  compare(op: CompareOp, a: Tensor | number, b: Tensor | number): Promise<Tensor> {
    return this.op(() => {
      const [x, y] = this.operands(a, b, false);
      broadcastShapes(x.shape, y.shape);
      const tf = this.tf;
      const fn: Record<CompareOp, (p: TfTensor, q: TfTensor) => TfTensor> = {
        greater: tf.greater,
        greaterEqual: tf.greaterEqual,
        less: tf.less,
        lessEqual: tf.lessEqual,
        equal: tf.equal,
        notEqual: tf.notEqual,
      };
      return fn[op](x, y);
    }, 'bool');
  }

  clamp(x: Tensor, min: number | null, max: number | null): Promise<Tensor> {
    return this.op(() => {
      const own = this.own(x);
      let t = own.dtype === 'int32' ? own.tf : this.floatOf(x);
      if (min !== null && max !== null && t.dtype === 'float32') return this.tf.clipByValue(t, min, max);
      if (min !== null) t = this.tf.maximum(t, this.tf.scalar(min, t.dtype));
      if (max !== null) t = this.tf.minimum(t, this.tf.scalar(max, t.dtype));
      return min === null && max === null ? t.clone() : t;
    });
  }

  where(condition: Tensor, a: Tensor | number, b: Tensor | number): Promise<Tensor> {
    return this.op(() => {
      const cond = this.boolOf(condition);
      const [x, y] = this.operands(a, b, false);
      const shape = broadcastShapes(broadcastShapes(cond.shape, x.shape), y.shape);
      const expand = (t: TfTensor) => (sameShape(t.shape, shape) ? t : this.tf.broadcastTo(t, shape));
      return this.tf.where(expand(cond), expand(x), expand(y));
    });
  }

  cast(x: Tensor, dtype: DType): Promise<Tensor> {
    return this.op(() => {
      const t = this.own(x).tf;
      if (dtype === 'bool') return this.boolOf(x);
      if (dtype === 'float32') return this.tf.cast(t, 'float32');
      // float to integer truncates toward zero, like ONNX Cast and torch's .to(int)
      const truncated =
        t.dtype === 'float32'
          ? this.tf.cast(this.tf.sign(t).mul(this.tf.floor(this.tf.abs(t))), 'int32')
          : this.tf.cast(t, 'int32');
      return dtype === 'uint8' ? this.tf.cast(this.tf.clipByValue(truncated, 0, 255), 'int32') : truncated;
    }, dtype);
  }

  async reduce(op: ReduceOp, x: Tensor, axes: readonly number[], keepDims = false): Promise<Tensor> {
    const normalized = checkReduce(x, axes);
    return await this.op(() => {
      const own = this.own(x);
      const t = own.dtype === 'int32' ? own.tf : this.floatOf(x);
      if (normalized.length === 0) return t.clone();
      const tf = this.tf;
      const fn = { sum: tf.sum, mean: tf.mean, max: tf.max, min: tf.min }[op];
      return fn(t, normalized, keepDims);
    });
  }

  async reshape(x: Tensor, shape: Shape): Promise<Tensor> {
    checkReshape(x, shape);
    return await this.op(() => this.tf.reshape(this.own(x).tf, [...shape]), x.dtype);
  }

  async transpose(x: Tensor, perm: readonly number[]): Promise<Tensor> {
    const normalized = checkTranspose(x, perm);
    return await this.op(() => this.tf.transpose(this.own(x).tf, normalized), x.dtype);
  }

  async slice(x: Tensor, begin: readonly number[], end: readonly number[]): Promise<Tensor> {
    checkSlice(x, begin, end);
    const size = end.map((e, i) => e - begin[i]);
    return await this.op(() => this.tf.slice(this.own(x).tf, [...begin], size), x.dtype);
  }

  async concat(xs: readonly Tensor[], axis: number): Promise<Tensor> {
    const a = checkConcat(xs, axis);
    const parts = xs.map((t) => this.own(t).tf);
    return await this.op(
      () => (parts.length === 1 ? parts[0].clone() : this.tf.concat(parts, a)),
      xs[0].dtype,
    );
  }

  async pad(
    x: Tensor,
    pads: readonly (readonly [number, number])[],
    mode: PadMode = 'constant',
    value = 0,
  ): Promise<Tensor> {
    checkPad(x, pads, mode);
    const paddings = pads.map(([b, e]) => [b, e] as [number, number]);
    return await this.op(() => {
      const t = this.own(x).tf;
      if (mode === 'constant') return this.tf.pad(t, paddings, value);
      if (mode === 'reflect') return this.tf.mirrorPad(t, paddings, 'reflect');
      // edge: gather clamped indices axis by axis
      let out = t;
      pads.forEach(([before, after], axis) => {
        if (before === 0 && after === 0) return;
        const size = t.shape[axis];
        const index = Int32Array.from({ length: size + before + after }, (_, i) =>
          Math.min(Math.max(i - before, 0), size - 1),
        );
        out = this.tf.gather(out, this.tf.tensor1d(index, 'int32'), axis);
      });
      return out;
    }, x.dtype);
  }

  async flip(x: Tensor, axes: readonly number[]): Promise<Tensor> {
    const normalized = checkFlip(x, axes);
    return await this.op(
      () => (normalized.length === 0 ? this.own(x).tf.clone() : this.tf.reverse(this.own(x).tf, normalized)),
      x.dtype,
    );
  }

  async tile(x: Tensor, repeats: readonly number[]): Promise<Tensor> {
    checkTile(x, repeats);
    return await this.op(() => this.tf.tile(this.own(x).tf, [...repeats]), x.dtype);
  }

  async gather(x: Tensor, indices: Int32Array | Tensor, axis: number): Promise<Tensor> {
    if (!(indices instanceof Int32Array) && indices.dtype !== 'int32') {
      throw new TensorError('gather indices must be int32');
    }
    const host = indices instanceof Int32Array ? indices : ((await this.read(indices)) as Int32Array);
    const a = checkGather(x, host, axis);
    const shape = indices instanceof Int32Array ? [indices.length] : [...indices.shape];
    return await this.op(
      () => this.tf.gather(this.own(x).tf, this.tf.tensor(host, shape, 'int32'), a),
      x.dtype,
    );
  }

  async resample(x: Tensor, axis: number, plan: ResamplePlan): Promise<Tensor> {
    const rank = x.shape.length;
    const a = normalizeAxis(axis, rank);
    checkResamplePlan(plan, x.shape[a]);
    const { size, taps } = plan;
    return await this.op(() => {
      const input = this.floatOf(x);
      const weightShape = [size, ...Array<number>(rank - a - 1).fill(1)];
      let acc: TfTensor | null = null;
      for (let t = 0; t < taps; t++) {
        const index = Int32Array.from({ length: size }, (_, i) => plan.indices[i * taps + t]);
        const weight = Float32Array.from({ length: size }, (_, i) => plan.weights[i * taps + t]);
        const term = this.tf.mul(
          this.tf.gather(input, this.tf.tensor1d(index, 'int32'), a),
          this.tf.tensor(weight, weightShape),
        );
        acc = acc === null ? term : this.tf.add(acc, term);
      }
      return acc as TfTensor;
    });
  }

  async resize(
    x: Tensor,
    axes: readonly [number, number],
    height: number,
    width: number,
    method: LinearResizeMethod,
  ): Promise<Tensor> {
    const [hAxis, wAxis] = checkResize(x, axes, height, width);
    const rank = x.shape.length;
    if ((method !== 'nearest-exact' && method !== 'bilinear') || rank !== 4 || wAxis !== hAxis + 1) {
      return resizeByResampling(this, x, [hAxis, wAxis], height, width, method);
    }
    // tf.image's half-pixel-centre kernels give PyTorch's nearest-exact and bilinear numbers;
    // they work on [N, H, W, C], so channels-first tensors are transposed around them
    return await this.op(() => {
      const tf = this.tf;
      const channelsFirst = hAxis === 2;
      const input = this.floatOf(x) as TF.Tensor4D;
      const nhwc = channelsFirst ? tf.transpose(input, [0, 2, 3, 1]) : input;
      const out =
        method === 'bilinear'
          ? tf.image.resizeBilinear(nhwc, [height, width], false, true)
          : tf.image.resizeNearestNeighbor(nhwc, [height, width], false, true);
      return channelsFirst ? tf.transpose(out, [0, 3, 1, 2]) : out;
    });
  }

  async conv2d(x: Tensor, weight: Tensor, options: Conv2dOptions = {}): Promise<Tensor> {
    const groups = options.groups ?? 1;
    checkConv2d(x, weight, groups);
    const [, channels] = x.shape;
    const [outChannels] = weight.shape;
    const [top, bottom, left, right] = options.padding ?? [0, 0, 0, 0];
    const strides = [...(options.stride ?? [1, 1])] as [number, number];
    const dilations = [...(options.dilation ?? [1, 1])] as [number, number];
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ];
    return await this.op(() => {
      const tf = this.tf;
      // tfjs convolves NHWC with [kH, kW, in, out] filters
      const input = tf.transpose(this.floatOf(x), [0, 2, 3, 1]) as TF.Tensor4D;
      const w = this.floatOf(weight);
      const filterOf = (key: string, make: () => TfTensor) =>
        this.own(weight).derive(key, () => tf.keep(tf.tidy(make))) as TF.Tensor4D;
      let out: TF.Tensor4D;
      if (groups === 1) {
        out = tf.conv2d(
          input,
          filterOf('conv', () => tf.transpose(w, [2, 3, 1, 0])),
          strides,
          pad,
          'NHWC',
          dilations,
        );
      } else if (groups === channels) {
        const multiplier = outChannels / channels;
        const filter = filterOf('depthwise', () =>
          tf.transpose(tf.reshape(w, [channels, multiplier, weight.shape[2], weight.shape[3]]), [2, 3, 0, 1]),
        );
        out = tf.depthwiseConv2d(input, filter, strides, pad, 'NHWC', dilations);
      } else {
        const inputs = tf.split(input, groups, 3);
        const filters = tf.split(tf.transpose(w, [2, 3, 1, 0]), groups, 3);
        out = tf.concat(
          inputs.map((part, g) =>
            tf.conv2d(part as TF.Tensor4D, filters[g] as TF.Tensor4D, strides, pad, 'NHWC', dilations),
          ),
          3,
        );
      }
      return tf.transpose(out, [0, 3, 1, 2]);
    });
  }

  async matmul(a: Tensor, b: Tensor): Promise<Tensor> {
    const batch = checkMatmul(a, b);
    return await this.op(() => {
      const tf = this.tf;
      const expand = (t: TfTensor) => {
        const shape = [...batch, ...t.shape.slice(-2)];
        return sameShape(t.shape, shape) ? t : tf.broadcastTo(t, shape);
      };
      return tf.matMul(expand(this.floatOf(a)), expand(this.floatOf(b)));
    });
  }

  async loadModel(source: ModelSource): Promise<ModelSession> {
    let format: ModelFormat;
    let handler: TF.io.IOHandler;
    if ('path' in source) {
      const location = await detectModelFormat(source.path);
      if (!location || location.format === 'onnx')
        throw new UnsupportedModelError(source.path, this.name, this.modelFormats);
      format = location.format;
      handler = modelIOHandler(location.file);
    } else {
      if (source.format === 'onnx')
        throw new UnsupportedModelError('(model bytes)', this.name, this.modelFormats);
      format = source.format;
      handler = modelIOHandlerFromBytes(source.bytes);
    }
    const label = 'path' in source ? source.path : '(model bytes)';
    try {
      const model =
        format === 'tfjs-layers'
          ? await this.tf.loadLayersModel(handler)
          : await this.tf.loadGraphModel(handler);
      return new TfjsModelSession(
        this.tf,
        format,
        model,
        (t) => this.own(t).tf,
        (v) => new TfjsTensor(v, dtypeOfTf(v.dtype)),
      );
    } catch (error) {
      throw new Error(
        `${label}: TensorFlow.js cannot load this model: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }

  // -- helpers

  private own(t: Tensor): TfjsTensor {
    if (!(t instanceof TfjsTensor))
      throw new TensorError(`a ${t.backend} tensor cannot be used on the tfjs backend`);
    return t;
  }

  /** Runs `fn` in tf.tidy (intermediates freed), wrapping its result as `dtype` (default: its own). */
  private op(fn: () => TfTensor, dtype?: DType): Promise<Tensor> {
    try {
      const value = this.tf.tidy(fn);
      return Promise.resolve(new TfjsTensor(value, dtype ?? dtypeOfTf(value.dtype)));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private floatOf(t: Tensor): TfTensor {
    const value = this.own(t).tf;
    return value.dtype === 'float32' ? value : this.tf.cast(value, 'float32');
  }

  private boolOf(t: Tensor): TfTensor {
    const value = this.own(t).tf;
    return value.dtype === 'bool' ? value : this.tf.notEqual(value, this.tf.scalar(0, value.dtype));
  }

  /** Same rule as the onnx backend: int32 with int32 stays int32 (except div and pow); everything else is float32. */
  private operands(a: Tensor | number, b: Tensor | number, forceFloat: boolean): [TfTensor, TfTensor] {
    if (typeof a === 'number' && typeof b === 'number')
      throw new TensorError('an operation needs at least one tensor');
    const dtypes = [a, b].map((v) =>
      typeof v === 'number' ? (Number.isInteger(v) ? 'int32' : 'float32') : v.dtype,
    );
    const tensorsInt = [a, b].every((v) => typeof v === 'number' || v.dtype === 'int32');
    const integer = !forceFloat && tensorsInt && dtypes.every((d) => d === 'int32');
    const convert = (v: Tensor | number): TfTensor =>
      typeof v === 'number'
        ? this.tf.scalar(v, integer ? 'int32' : 'float32')
        : integer
          ? this.own(v).tf
          : this.floatOf(v);
    return [convert(a), convert(b)];
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function dtypeOfTf(dtype: string): DType {
  if (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return dtype;
  throw new TensorError(`TensorFlow.js produced a ${dtype} tensor, which Easel does not support`);
}
