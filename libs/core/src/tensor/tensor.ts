/**
 * Tensors as node packs see them. The data lives in the backend that made the tensor (a wasm
 * heap, ONNX Runtime's memory, a GPU) and stays there between nodes; `TensorBackend.read` copies
 * it to the host when a node really needs the numbers.
 *
 * ComfyUI's conventions hold: IMAGE is float32 `[B, H, W, C]` in 0..1, MASK float32 `[B, H, W]`,
 * LATENT is `{ samples: [B, C, h, w], ... }`.
 */
export type DType = 'float32' | 'int32' | 'uint8' | 'bool';

/** Host data of each dtype (`bool` as 0/1 bytes). */
export interface HostData {
  float32: Float32Array;
  int32: Int32Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}
export type TensorData = HostData[DType];

export type Shape = readonly number[];

export interface Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  /** The backend that owns the data (`TensorBackend.name`). */
  readonly backend: string;
  /** Releases the data now instead of when it is garbage collected. Using it afterwards throws. */
  dispose(): void;
  readonly disposed: boolean;
}

/** An IMAGE: float32 `[B, H, W, C]`, values 0..1. */
export type Image = Tensor;
/** A MASK: float32 `[B, H, W]`, values 0..1. */
export type Mask = Tensor;
/** A LATENT: the samples `[B, C, h, w]` plus optional keys ComfyUI nodes pass along. */
export interface Latent {
  samples: Tensor;
  batch_index?: number[];
  noise_mask?: Tensor;
  [key: string]: unknown;
}

export function sizeOf(shape: Shape): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** Throws unless `shape` is a list of non-negative integers. */
export function checkShape(shape: Shape): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new TensorError(`invalid shape ${JSON.stringify(shape)}: dimensions must be non-negative integers`);
  }
}

/** A tensor operation was given inputs it cannot work on; the message says which and why. */
export class TensorError extends Error {
  override name = 'TensorError';
}

/** The shape two shapes broadcast to (NumPy rules), or a TensorError. */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new TensorError(`shapes ${JSON.stringify(a)} and ${JSON.stringify(b)} do not broadcast`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Normalises a possibly negative axis against a rank. */
export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new TensorError(`axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return a;
}

export function newHostData(dtype: DType, size: number): TensorData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'uint8':
    case 'bool':
      return new Uint8Array(size);
  }
}

/**
 * The dtype for host data: the array's own (Float32Array, Int32Array, Uint8Array as uint8), or
 * `requested` when the array can hold it (a Uint8Array holds `bool` too).
 */
export function dtypeOfData(data: TensorData, requested?: DType): DType {
  const own =
    data instanceof Float32Array
      ? 'float32'
      : data instanceof Int32Array
        ? 'int32'
        : data instanceof Uint8Array
          ? 'uint8'
          : null;
  if (own === null) throw new TensorError('tensor data must be a Float32Array, Int32Array or Uint8Array');
  if (requested === undefined || requested === own || (requested === 'bool' && own === 'uint8'))
    return requested ?? own;
  throw new TensorError(`a ${data.constructor.name} cannot hold ${requested} data`);
}
