import type { PadMode } from './tensor-backend.js';
import {
  TensorError,
  broadcastShapes,
  checkShape,
  normalizeAxis,
  sizeOf,
  type Shape,
  type Tensor,
} from './tensor.js';

// Argument checks shared by every TensorBackend driver, so all of them refuse the same inputs
// with the same messages (the contract suite relies on it). Each returns the normalised values.

export function checkReshape(x: Tensor, shape: Shape): void {
  checkShape(shape);
  if (sizeOf(shape) !== x.size) {
    throw new TensorError(`cannot reshape ${JSON.stringify(x.shape)} to ${JSON.stringify(shape)}`);
  }
}

/** The permutation with axes normalised. */
export function checkTranspose(x: Tensor, perm: readonly number[]): number[] {
  const rank = x.shape.length;
  const normalized = perm.map((a) => normalizeAxis(a, rank));
  if (normalized.length !== rank || new Set(normalized).size !== rank) {
    throw new TensorError(`invalid permutation ${JSON.stringify(perm)} for rank ${rank}`);
  }
  return normalized;
}

export function checkSlice(x: Tensor, begin: readonly number[], end: readonly number[]): void {
  const rank = x.shape.length;
  if (begin.length !== rank || end.length !== rank) {
    throw new TensorError(`slice needs ${rank} begin and end values, got ${begin.length} and ${end.length}`);
  }
  for (let i = 0; i < rank; i++) {
    if (!(0 <= begin[i] && begin[i] <= end[i] && end[i] <= x.shape[i])) {
      throw new TensorError(`slice [${begin[i]}, ${end[i]}) is outside axis ${i} of size ${x.shape[i]}`);
    }
  }
}

/** The concat axis, normalised. */
export function checkConcat(xs: readonly Tensor[], axis: number): number {
  if (xs.length === 0) throw new TensorError('concat needs at least one tensor');
  const [first] = xs;
  const rank = first.shape.length;
  const a = normalizeAxis(axis, rank);
  for (const t of xs) {
    const mismatch = t.shape.length !== rank || t.shape.some((d, i) => i !== a && d !== first.shape[i]);
    if (mismatch || t.dtype !== first.dtype) {
      const shapes = xs.map((s) => `${JSON.stringify(s.shape)} ${s.dtype}`).join(', ');
      throw new TensorError(`concat along axis ${a}: ${shapes} do not match`);
    }
  }
  return a;
}

export function checkPad(x: Tensor, pads: readonly (readonly [number, number])[], mode: PadMode): void {
  const rank = x.shape.length;
  const valid = (n: number) => Number.isInteger(n) && n >= 0;
  if (pads.length !== rank || pads.some(([b, e]) => !valid(b) || !valid(e))) {
    throw new TensorError(`pad needs ${rank} [before, after] pairs of non-negative integers`);
  }
  if (mode === 'reflect' && pads.some(([b, e], i) => b >= x.shape[i] || e >= x.shape[i])) {
    throw new TensorError(
      `reflect padding must be smaller than the padded axis (shape ${JSON.stringify(x.shape)})`,
    );
  }
}

/** The flip axes, normalised and without repeats. */
export function checkFlip(x: Tensor, axes: readonly number[]): number[] {
  return [...new Set(axes.map((a) => normalizeAxis(a, x.shape.length)))];
}

export function checkTile(x: Tensor, repeats: readonly number[]): void {
  if (repeats.length !== x.shape.length || repeats.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new TensorError(`tile needs one non-negative repeat count per axis of ${JSON.stringify(x.shape)}`);
  }
}

/** The gather axis, normalised, after checking every index is inside it. */
export function checkGather(x: Tensor, indices: ArrayLike<number>, axis: number): number {
  const a = normalizeAxis(axis, x.shape.length);
  for (let i = 0; i < indices.length; i++) {
    if (indices[i] < 0 || indices[i] >= x.shape[a]) {
      throw new TensorError(`gather index ${indices[i]} is out of range for axis ${a} of size ${x.shape[a]}`);
    }
  }
  return a;
}

/** The height and width axes, normalised. */
export function checkResize(
  x: Tensor,
  axes: readonly [number, number],
  height: number,
  width: number,
): [number, number] {
  const rank = x.shape.length;
  const [hAxis, wAxis] = axes.map((a) => normalizeAxis(a, rank));
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new TensorError(`cannot resize to ${height} x ${width}`);
  }
  return [hAxis, wAxis];
}

export function checkConv2d(x: Tensor, weight: Tensor, groups: number): void {
  if (x.shape.length !== 4 || weight.shape.length !== 4) {
    throw new TensorError('conv2d needs [N, C, H, W] input and [O, C/groups, kH, kW] weights');
  }
  const [outChannels, perGroup] = weight.shape;
  if (
    !Number.isInteger(groups) ||
    groups < 1 ||
    x.shape[1] !== perGroup * groups ||
    outChannels % groups !== 0
  ) {
    throw new TensorError(
      `conv2d: ${x.shape[1]} input channels do not match weights ${JSON.stringify(weight.shape)} with ${groups} groups`,
    );
  }
}

/** The broadcast batch shape of a matrix product. */
export function checkMatmul(a: Tensor, b: Tensor): number[] {
  if (a.shape.length < 2 || b.shape.length < 2 || a.shape.at(-1) !== b.shape.at(-2)) {
    throw new TensorError(
      `matmul: shapes ${JSON.stringify(a.shape)} and ${JSON.stringify(b.shape)} do not multiply`,
    );
  }
  return broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
}

/** The reduce axes, normalised, sorted and without repeats. */
export function checkReduce(x: Tensor, axes: readonly number[]): number[] {
  const rank = x.shape.length;
  return [...new Set(axes.map((a) => normalizeAxis(a, rank)))].sort((p, q) => p - q);
}
