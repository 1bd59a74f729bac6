import type { Tensor, TensorBackend } from '@easel/core';

// Helpers shared by the image geometry and batch nodes (image-basic.ts, images.ts,
// image-composite-masked.ts, image-scale-to-total-pixels.ts). Not exported from the pack.

/** Throws unless `tensor` is an IMAGE: a float32 `[batch, height, width, channels]` tensor. */
export function checkImage(input: string, tensor: unknown): asserts tensor is Tensor {
  const shape = (tensor as Partial<Tensor> | null)?.shape;
  if (!Array.isArray(shape) || shape.length !== 4 || shape.some((d) => d < 1)) {
    const got = Array.isArray(shape) ? `[${shape.join(', ')}]` : typeof tensor;
    throw new Error(`${input} must be an IMAGE of shape [batch, height, width, channels], got ${got}`);
  }
}

/** Throws unless `tensor` is a MASK: `[batch, height, width]` or a single `[height, width]`. */
export function checkMask(input: string, tensor: unknown): asserts tensor is Tensor {
  const shape = (tensor as Partial<Tensor> | null)?.shape;
  if (!Array.isArray(shape) || shape.length < 2 || shape.length > 3 || shape.some((d) => d < 1)) {
    const got = Array.isArray(shape) ? `[${shape.join(', ')}]` : typeof tensor;
    throw new Error(`${input} must be a MASK of shape [batch, height, width], got ${got}`);
  }
}

/**
 * Runs `work` with a `track` function for its intermediate tensors; all tracked tensors are
 * disposed afterwards, except what `work` returns (a tensor, or tensors in an array).
 */
export async function withTemporaries<T>(
  work: (track: <U extends Tensor>(tensor: U) => U) => Promise<T>,
): Promise<T> {
  const tracked: Tensor[] = [];
  let result: T | undefined;
  try {
    result = await work((tensor) => {
      tracked.push(tensor);
      return tensor;
    });
    return result;
  } finally {
    const kept = new Set<unknown>(Array.isArray(result) ? result : [result]);
    for (const tensor of tracked) if (!kept.has(tensor) && !tensor.disposed) tensor.dispose();
  }
}

/**
 * ComfyUI's `repeat_to_batch_size` on axis 0: the first `batch` items, repeating the whole batch
 * as often as needed. Returns `x` itself when it already has `batch` items.
 */
export async function repeatToBatch(backend: TensorBackend, x: Tensor, batch: number): Promise<Tensor> {
  const [count, ...rest] = x.shape;
  if (count === batch) return x;
  const zeros = rest.map(() => 0);
  if (count > batch) return backend.slice(x, [0, ...zeros], [batch, ...rest]);
  const tiled = await backend.tile(x, [Math.ceil(batch / count), ...rest.map(() => 1)]);
  if (tiled.shape[0] === batch) return tiled;
  try {
    return await backend.slice(tiled, [0, ...zeros], [batch, ...rest]);
  } finally {
    tiled.dispose();
  }
}

/** Elements `[begin, end)` of one axis, the other axes whole. */
export function sliceAxis(
  backend: TensorBackend,
  x: Tensor,
  axis: number,
  begin: number,
  end: number,
): Promise<Tensor> {
  const starts = x.shape.map(() => 0);
  const ends = [...x.shape];
  starts[axis] = begin;
  ends[axis] = end;
  return backend.slice(x, starts, ends);
}

/**
 * `dest` with `patch` written over it at rows `top..` and columns `left..` of a `[B, H, W, C]`
 * tensor (the patch must fit inside). Built from slices of `dest`, so the values are exact copies.
 */
export async function pasteRegion(
  backend: TensorBackend,
  dest: Tensor,
  patch: Tensor,
  top: number,
  left: number,
): Promise<Tensor> {
  const [, height, width] = dest.shape;
  const [, patchHeight, patchWidth] = patch.shape;
  const bottom = top + patchHeight;
  const right = left + patchWidth;
  return withTemporaries(async (track) => {
    let band = patch;
    if (left > 0 || right < width) {
      const rows = track(await sliceAxis(backend, dest, 1, top, bottom));
      const pieces: Tensor[] = [];
      if (left > 0) pieces.push(track(await sliceAxis(backend, rows, 2, 0, left)));
      pieces.push(patch);
      if (right < width) pieces.push(track(await sliceAxis(backend, rows, 2, right, width)));
      band = track(await backend.concat(pieces, 2));
    }
    if (top === 0 && bottom === height) return band === patch ? backend.concat([patch], 1) : band;
    const parts: Tensor[] = [];
    if (top > 0) parts.push(track(await sliceAxis(backend, dest, 1, 0, top)));
    parts.push(band);
    if (bottom < height) parts.push(track(await sliceAxis(backend, dest, 1, bottom, height)));
    return backend.concat(parts, 1);
  });
}

/** Adds `count` channels of ones after the last channel of a `[B, H, W, C]` tensor. */
export function padChannelsWithOnes(backend: TensorBackend, x: Tensor, count: number): Promise<Tensor> {
  return backend.pad(
    x,
    [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, count],
    ],
    'constant',
    1,
  );
}
