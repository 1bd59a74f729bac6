import { pillowLanczosResize } from './pillow-resize.js';
import type { ResamplePlan, TensorBackend } from './tensor-backend.js';
import { TensorError, type Tensor } from './tensor.js';

/** ComfyUI's `upscale_method` values (`comfy.utils.common_upscale`). */
export type ResizeMethod = 'nearest-exact' | 'bilinear' | 'area' | 'bicubic' | 'lanczos';
export const RESIZE_METHODS: readonly ResizeMethod[] = [
  'nearest-exact',
  'bilinear',
  'area',
  'bicubic',
  'lanczos',
];
export type CropMode = 'disabled' | 'center';
/** The methods that are linear filters (and so run on a backend); lanczos runs on the host. */
export type LinearResizeMethod = Exclude<ResizeMethod, 'lanczos'>;

/** Where the height and width axes are: IMAGE/MASK-like `BHWC`, or LATENT-like `BCHW`. */
export type Layout = 'BHWC' | 'BCHW';

const f32 = Math.fround;

// The plans reproduce PyTorch's CPU kernels as ComfyUI calls them (F.interpolate with an output
// size, align_corners=False, no antialias): float32 scale in/out, source index (dst + 0.5) * scale
// (- 0.5), indices clamped at the borders, bicubic with A = -0.75 and no clamping of values.

/** The resampling of one axis from `inSize` to `outSize` elements with a linear method. */
export function planResize(
  method: Exclude<ResizeMethod, 'lanczos'>,
  inSize: number,
  outSize: number,
): ResamplePlan {
  if (!Number.isInteger(inSize) || !Number.isInteger(outSize) || inSize < 1 || outSize < 1) {
    throw new TensorError(`cannot resize ${inSize} elements to ${outSize}`);
  }
  const scale = f32(inSize / outSize);
  switch (method) {
    case 'nearest-exact':
      return plan(outSize, 1, (i) => {
        const src = Math.min(Math.floor(mul(i + 0.5, scale)), inSize - 1);
        return [[src, 1]];
      });
    case 'bilinear':
      return plan(outSize, 2, (i) => {
        const real = Math.max(add(mul(scale, i + 0.5), -0.5), 0);
        const i0 = Math.min(Math.floor(real), inSize - 1);
        const lambda = Math.min(Math.max(add(real, -i0), 0), 1);
        const i1 = i0 + (i0 < inSize - 1 ? 1 : 0);
        return [
          [i0, add(1, -lambda)],
          [i1, lambda],
        ];
      });
    case 'bicubic':
      return plan(outSize, 4, (i) => {
        const real = add(mul(scale, i + 0.5), -0.5);
        const i0 = Math.min(Math.floor(real), inSize - 1);
        const t = Math.min(Math.max(add(real, -i0), 0), 1);
        const w = cubicCoefficients(t);
        return w.map((weight, k) => [clampIndex(i0 - 1 + k, inSize), weight]);
      });
    case 'area': {
      // adaptive average pooling: window [floor(i*in/out), ceil((i+1)*in/out))
      const taps = Math.max(...Array.from({ length: outSize }, (_, i) => windowOf(i, inSize, outSize)[1]));
      return plan(outSize, taps, (i) => {
        const [start, length] = windowOf(i, inSize, outSize);
        const weight = f32(1 / length);
        return Array.from({ length }, (_, k) => [start + k, weight]);
      });
    }
  }
}

function windowOf(i: number, inSize: number, outSize: number): [number, number] {
  const start = Math.floor((i * inSize) / outSize);
  const end = Math.ceil(((i + 1) * inSize) / outSize);
  return [start, end - start];
}

function clampIndex(index: number, size: number): number {
  return Math.max(Math.min(index, size - 1), 0);
}

// float32 arithmetic, one rounding per operation, as the C++ kernel computes
const mul = (a: number, b: number) => f32(a * b);
const add = (a: number, b: number) => f32(a + b);
const A = -0.75;

/** Keys' cubic convolution weights of the 4 taps around a point at fraction t. */
function cubicCoefficients(t: number): [number, number, number, number] {
  const near = (x: number) => add(mul(mul(add(mul(A + 2, x), -(A + 3)), x), x), 1);
  const far = (x: number) => add(mul(add(mul(add(mul(A, x), -5 * A), x), 8 * A), x), -4 * A);
  const u = add(1, -t);
  return [far(add(t, 1)), near(t), near(u), far(add(u, 1))];
}

/** Builds a plan from per-output lists of `[index, weight]` (padded with zero weights). */
function plan(size: number, taps: number, at: (i: number) => [number, number][]): ResamplePlan {
  const indices = new Int32Array(size * taps);
  const weights = new Float32Array(size * taps);
  for (let i = 0; i < size; i++) {
    const entries = at(i);
    for (let t = 0; t < taps; t++) {
      const [index, weight] = entries[t] ?? [entries[0][0], 0];
      indices[i * taps + t] = index;
      weights[i * taps + t] = weight;
    }
  }
  return { size, taps, indices, weights };
}

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The rows and columns `common_upscale` keeps with crop "center": the largest centred box of the new aspect ratio. */
export function centerCropBox(
  height: number,
  width: number,
  newHeight: number,
  newWidth: number,
): { top: number; left: number; height: number; width: number } {
  const oldAspect = width / height;
  const newAspect = newWidth / newHeight;
  let left = 0;
  let top = 0;
  if (oldAspect > newAspect) left = roundHalfEven((width - width * (newAspect / oldAspect)) / 2);
  else if (oldAspect < newAspect) top = roundHalfEven((height - height * (oldAspect / newAspect)) / 2);
  return { top, left, height: height - 2 * top, width: width - 2 * left };
}

/**
 * ComfyUI's `common_upscale`: resizes the height and width axes of `x` (layout `BHWC` for images
 * and masks with a channel axis, `BCHW` for latents) to `height` x `width`, after an optional
 * centre crop to the new aspect ratio. `lanczos` runs Pillow's 8-bit filter on the host, as
 * ComfyUI does; the other methods run on the backend.
 */
export async function resize(
  backend: TensorBackend,
  x: Tensor,
  layout: Layout,
  height: number,
  width: number,
  method: ResizeMethod,
  crop: CropMode = 'disabled',
): Promise<Tensor> {
  if (x.shape.length !== 4)
    throw new TensorError(`resize needs a 4-D tensor, got shape ${JSON.stringify(x.shape)}`);
  if (!RESIZE_METHODS.includes(method))
    throw new TensorError(`unknown resize method ${JSON.stringify(method)}`);
  const [hAxis, wAxis] = layout === 'BHWC' ? [1, 2] : [2, 3];
  let input = x;
  if (crop === 'center') {
    const box = centerCropBox(x.shape[hAxis], x.shape[wAxis], height, width);
    const begin = [0, 0, 0, 0];
    const end = [...x.shape];
    begin[hAxis] = box.top;
    end[hAxis] = box.top + box.height;
    begin[wAxis] = box.left;
    end[wAxis] = box.left + box.width;
    input = await backend.slice(x, begin, end);
  }
  try {
    if (method === 'lanczos') return await lanczos(backend, input, layout, height, width);
    return await backend.resize(input, [hAxis, wAxis], height, width, method);
  } finally {
    if (input !== x) input.dispose();
  }
}

/**
 * A linear resize through `TensorBackend.resample` with `planResize`'s plans: PyTorch's results
 * on any backend. Drivers implement `TensorBackend.resize` with it where they have no faster
 * native kernel that gives the same numbers.
 */
export async function resizeByResampling(
  backend: TensorBackend,
  x: Tensor,
  [hAxis, wAxis]: readonly [number, number],
  height: number,
  width: number,
  method: LinearResizeMethod,
): Promise<Tensor> {
  // width first, then height: the order PyTorch's separable kernels accumulate in
  const across = await backend.resample(x, wAxis, planResize(method, x.shape[wAxis], width));
  try {
    return await backend.resample(across, hAxis, planResize(method, x.shape[hAxis], height));
  } finally {
    across.dispose();
  }
}

/** Pillow's LANCZOS on `trunc(clip(255 * v))` per image, back to float32 `k / 255`, like ComfyUI. */
async function lanczos(
  backend: TensorBackend,
  x: Tensor,
  layout: Layout,
  height: number,
  width: number,
): Promise<Tensor> {
  const hwc = layout === 'BHWC' ? x : await backend.transpose(x, [0, 2, 3, 1]);
  const [batch, inH, inW, channels] = hwc.shape;
  if (channels < 1 || channels > 4) throw new TensorError(`lanczos resizes 1 to 4 channels, got ${channels}`);
  const data = (await backend.read(hwc)) as Float32Array;
  if (hwc !== x) hwc.dispose();
  const plane = inH * inW * channels;
  const outPlane = height * width * channels;
  const out = new Float32Array(batch * outPlane);
  const bytes = new Uint8Array(plane);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < plane; i++) {
      const v = f32(255 * data[b * plane + i]);
      bytes[i] = v <= 0 || Number.isNaN(v) ? 0 : v >= 255 ? 255 : Math.trunc(v);
    }
    const resized = pillowLanczosResize(bytes, inW, inH, channels as 1 | 2 | 3 | 4, width, height);
    for (let i = 0; i < outPlane; i++) out[b * outPlane + i] = f32(resized[i] / 255);
  }
  const result = backend.fromHost(out, [batch, height, width, channels]);
  if (layout === 'BHWC') return result;
  try {
    return await backend.transpose(result, [0, 3, 1, 2]);
  } finally {
    result.dispose();
  }
}
