import type { LinearResizeMethod } from './resize.js';
import { TensorError, type DType, type Shape, type Tensor, type TensorData } from './tensor.js';

export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'sqrt'
  | 'exp'
  | 'log'
  | 'floor'
  | 'ceil'
  /** Half to even, like torch.round. */
  | 'round'
  | 'sign'
  | 'sin'
  | 'cos'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'reciprocal';
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';
export type CompareOp = 'greater' | 'greaterEqual' | 'less' | 'lessEqual' | 'equal' | 'notEqual';
export type ReduceOp = 'sum' | 'mean' | 'max' | 'min';
/** `reflect` mirrors without repeating the edge (torch's reflect); `edge` repeats it (torch's replicate). */
export type PadMode = 'constant' | 'reflect' | 'edge';

/**
 * A separable resampling along one axis: output element `i` is
 * `sum over t < taps of x[indices[i * taps + t]] * weights[i * taps + t]`.
 * Every linear resize (nearest, bilinear, bicubic, area) is one plan per axis; `planResize` builds them.
 */
export interface ResamplePlan {
  readonly size: number;
  readonly taps: number;
  readonly indices: Int32Array;
  readonly weights: Float32Array;
}

export interface Conv2dOptions {
  /** `[vertical, horizontal]`, default `[1, 1]`. */
  stride?: readonly [number, number];
  /** Zero padding `[top, bottom, left, right]`, default none. */
  padding?: readonly [number, number, number, number];
  dilation?: readonly [number, number];
  /** Input and output channels split into this many groups (depthwise: groups = channels). */
  groups?: number;
}

export type ModelFormat = 'onnx' | 'tfjs-layers' | 'tfjs-graph';

/** A model file: a path (an `.onnx` file, or a TensorFlow.js folder or its `model.json`), or bytes. */
export type ModelSource =
  { readonly path: string } | { readonly bytes: Uint8Array; readonly format: ModelFormat };

export interface ModelIO {
  readonly name: string;
  readonly dtype: string;
  /** Dimensions; a string or null for a dimension fixed only at run time. */
  readonly shape: readonly (number | string | null)[];
}

/** A loaded model, ready to run. */
export interface ModelSession {
  readonly format: ModelFormat;
  readonly inputs: readonly ModelIO[];
  readonly outputs: readonly ModelIO[];
  /** Runs the model on named inputs; resolves to the named outputs. */
  run(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>>;
  dispose(): Promise<void>;
}

/** A device a backend computes on, as `/system_stats` reports it. */
export interface BackendDevice {
  /** For example `cpu` or `cuda:0`. */
  readonly name: string;
  readonly type: string;
  readonly index: number | null;
  readonly memoryTotal: number;
  readonly memoryFree: number;
}

export interface BackendDescription {
  /** `onnx`, `tfjs`, ... */
  readonly name: string;
  /** The runtime and its version, for example `onnxruntime-node 1.30.0 (cpu)`. */
  readonly runtime: string;
  readonly devices: readonly BackendDevice[];
}

/**
 * The tensor backend port: tensors that stay in the backend's memory, the operations ComfyUI's
 * weight-free nodes need, and model sessions. Drivers: `@easel/backend-onnx`,
 * `@easel/backend-tfjs`; every driver passes the contract suite in `@easel/core/testing`.
 *
 * Operations never modify their inputs. Number operands broadcast as scalars; tensor operands
 * broadcast by NumPy's rules. Results of arithmetic on `float32` inputs are `float32`.
 */
export interface TensorBackend {
  readonly name: string;
  /** Model formats `loadModel` accepts. */
  readonly modelFormats: readonly ModelFormat[];

  describe(): BackendDescription;
  /** Releases what the backend caches (compiled operations); tensors and sessions stay valid. */
  free(): Promise<void>;

  // tensors and host data
  /** A tensor of host data; dtype defaults to the array's (Uint8Array: uint8; pass `bool` for masks). */
  fromHost(data: TensorData, shape: Shape, dtype?: DType): Tensor;
  full(shape: Shape, value: number, dtype?: DType): Tensor;
  /** Copies a tensor's data to the host. */
  read(tensor: Tensor): Promise<TensorData>;

  // element-wise
  unary(op: UnaryOp, x: Tensor): Promise<Tensor>;
  binary(op: BinaryOp, a: Tensor | number, b: Tensor | number): Promise<Tensor>;
  /** A `bool` tensor. */
  compare(op: CompareOp, a: Tensor | number, b: Tensor | number): Promise<Tensor>;
  clamp(x: Tensor, min: number | null, max: number | null): Promise<Tensor>;
  /** `a` where `condition` is true (non-zero), else `b`. */
  where(condition: Tensor, a: Tensor | number, b: Tensor | number): Promise<Tensor>;
  cast(x: Tensor, dtype: DType): Promise<Tensor>;

  // reductions
  reduce(op: ReduceOp, x: Tensor, axes: readonly number[], keepDims?: boolean): Promise<Tensor>;

  // layout
  reshape(x: Tensor, shape: Shape): Promise<Tensor>;
  transpose(x: Tensor, perm: readonly number[]): Promise<Tensor>;
  /** Elements `begin[i] <= j < end[i]` along each axis. */
  slice(x: Tensor, begin: readonly number[], end: readonly number[]): Promise<Tensor>;
  concat(xs: readonly Tensor[], axis: number): Promise<Tensor>;
  /** `pads[i] = [before, after]` for axis i. */
  pad(
    x: Tensor,
    pads: readonly (readonly [number, number])[],
    mode?: PadMode,
    value?: number,
  ): Promise<Tensor>;
  flip(x: Tensor, axes: readonly number[]): Promise<Tensor>;
  tile(x: Tensor, repeats: readonly number[]): Promise<Tensor>;
  /** Picks `indices` along `axis` (the indices' shape replaces that axis). */
  gather(x: Tensor, indices: Int32Array | Tensor, axis: number): Promise<Tensor>;

  // image and linear algebra
  resample(x: Tensor, axis: number, plan: ResamplePlan): Promise<Tensor>;
  /**
   * Resizes axes `[heightAxis, widthAxis]` with PyTorch's `F.interpolate` semantics (output size
   * given, align_corners=False, no antialias). `resizeByResampling` is a complete implementation;
   * a driver may use native kernels where they give the same numbers (the contract checks).
   */
  resize(
    x: Tensor,
    axes: readonly [number, number],
    height: number,
    width: number,
    method: LinearResizeMethod,
  ): Promise<Tensor>;
  /** `x` is `[N, C, H, W]`, `weight` is `[O, C / groups, kH, kW]`. */
  conv2d(x: Tensor, weight: Tensor, options?: Conv2dOptions): Promise<Tensor>;
  /** Matrix product over the last two axes; leading axes broadcast. */
  matmul(a: Tensor, b: Tensor): Promise<Tensor>;

  // models
  loadModel(source: ModelSource): Promise<ModelSession>;
}

/** Injection token: `constructor(@inject(TensorBackend) private readonly backend: TensorBackend) {}` */
export const TensorBackend: unique symbol = Symbol.for('easel.service.TensorBackend');

/** A model whose format the backend cannot load; names the file. */
export class UnsupportedModelError extends Error {
  override name = 'UnsupportedModelError';
  constructor(
    readonly file: string,
    readonly backend: string,
    readonly supported: readonly ModelFormat[],
  ) {
    super(
      `${file}: the ${backend} backend cannot load this model format (it loads: ${supported.join(', ')})`,
    );
  }
}

/** Throws unless `plan` is well formed for an axis of `inSize` elements. */
export function checkResamplePlan(plan: ResamplePlan, inSize: number): void {
  const { size, taps, indices, weights } = plan;
  if (!Number.isInteger(size) || !Number.isInteger(taps) || size < 1 || taps < 1) {
    throw new TensorError(`invalid resample plan: size ${size}, taps ${taps}`);
  }
  if (indices.length !== size * taps || weights.length !== size * taps) {
    throw new TensorError('resample plan arrays do not hold size * taps entries');
  }
  if (indices.some((i) => i < 0 || i >= inSize)) {
    throw new TensorError(`resample index out of range for an axis of size ${inSize}`);
  }
}
