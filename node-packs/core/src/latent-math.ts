import {
  Input,
  Node,
  resize,
  type Latent,
  type NodeContext,
  type NodeInputs,
  type NodeReturn,
  type Shape,
  type Tensor,
  type TensorBackend,
} from '@easel/core';
import { repeatToBatch, sliceAxis, withTemporaries } from './image-geometry.js';

// ComfyUI's latent arithmetic and batch nodes of comfy_extras/nodes_latent.py, with
// LatentCompositeMasked (comfy_extras/nodes_mask.py) and SetLatentNoiseMask (nodes.py). A LATENT
// is a dict: `samples` plus keys that travel with it (`batch_index`, `noise_mask`, ...). Each node
// returns a copy of its first input's dict with `samples` replaced, as Python's `dict.copy()`
// followed by an assignment does: keys keep their order, unknown keys pass through, and the
// other keys are not adjusted to the new samples (ComfyUI does not adjust them either).
// Samples may have any rank ComfyUI accepts (image latents [B, C, H, W], video latents
// [B, C, T, H, W]); the axes x, y and t count from the end.

const LATENT_MATH = {
  category: 'model/latent/advanced',
  pythonModule: 'comfy_extras.nodes_latent',
  schema: 'v3',
} as const;
/** ComfyUI's MAX_RESOLUTION. */
const MAX_RESOLUTION = 16384;
/** Image pixels per latent pixel for the offsets of LatentCompositeMasked. */
const LATENT_SCALE = 8;
/** The largest finite float32, which `torch.nan_to_num` puts in place of infinity. */
const FLOAT32_MAX = 3.4028234663852886e38;

type Track = <T extends Tensor>(tensor: T) => T;

const describeShape = (shape: Shape): string => `[${shape.join(', ')}]`;
const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** The `samples` tensor of a LATENT input. */
function samplesOf(latent: Latent, input: string): Tensor {
  const samples = (latent as Partial<Latent> | null | undefined)?.samples;
  if (samples === undefined || samples === null || !Array.isArray(samples.shape)) {
    throw new Error(`${input} is not a LATENT: it has no samples tensor`);
  }
  return samples;
}

/** `latent` with `samples` replaced and every other key where it was (`dict.copy()`, then assignment). */
const withSamples = (latent: Latent, samples: Tensor): Latent => ({ ...latent, samples });

/**
 * `comfy.utils.common_upscale(x, width, height, "bilinear", "center")`: the last two axes of a
 * latent of rank 4 or more resized to `height` x `width` after a centre crop to the new aspect
 * ratio; every plane (each batch item, channel and frame) on its own.
 */
async function upscaleBilinearCenter(
  backend: TensorBackend,
  x: Tensor,
  height: number,
  width: number,
  track: Track,
): Promise<Tensor> {
  const rank = x.shape.length;
  if (rank < 4) {
    throw new Error(
      `cannot resize latent samples of shape ${describeShape(x.shape)}: ComfyUI resizes samples with at least 4 dimensions`,
    );
  }
  const [rows, columns] = x.shape.slice(-2);
  const planes = x.shape.slice(1, -2).reduce((a, b) => a * b, 1);
  const flat = rank === 4 ? x : track(await backend.reshape(x, [x.shape[0], planes, rows, columns]));
  const out = await resize(backend, flat, 'BCHW', height, width, 'bilinear', 'center');
  if (rank === 4) return out;
  track(out);
  return backend.reshape(out, [...x.shape.slice(0, -2), height, width]);
}

/**
 * ComfyUI's `reshape_latent_to`: `latent` resized (bilinear, centre crop) to the last two sizes
 * of `target` unless all its sizes after the batch already match, then repeated or cut to the
 * target's batch size when `repeatBatch`.
 */
async function reshapeLatentTo(
  backend: TensorBackend,
  target: Shape,
  latent: Tensor,
  repeatBatch: boolean,
  track: Track,
): Promise<Tensor> {
  let out = latent;
  if (!sameShape(latent.shape.slice(1), target.slice(1))) {
    if (target.length < 2) {
      throw new Error(`cannot resize latent samples to the shape ${describeShape(target)}`);
    }
    out = track(
      await upscaleBilinearCenter(backend, out, target[target.length - 2], target[target.length - 1], track),
    );
  }
  if (repeatBatch) {
    const repeated = await repeatToBatch(backend, out, target[0]);
    if (repeated !== out) out = track(repeated);
  }
  return out;
}

/** `torch.linalg.vector_norm(x, dim=1)`: the length of each channel vector, the channel axis removed. */
async function channelNorm(backend: TensorBackend, x: Tensor, track: Track): Promise<Tensor> {
  const squares = track(await backend.binary('mul', x, x));
  const sums = track(await backend.reduce('sum', squares, [1], false));
  return track(await backend.unary('sqrt', sums));
}

/** `torch.nan_to_num(x)`: NaN to 0, infinities to the largest finite float32 of their sign. */
async function nanToNum(backend: TensorBackend, x: Tensor, track: Track): Promise<Tensor> {
  const numbers = track(await backend.compare('equal', x, x));
  const finite = track(await backend.where(numbers, x, 0));
  return track(await backend.clamp(finite, -FLOAT32_MAX, FLOAT32_MAX));
}

/**
 * `a / b` with NaN and infinity replaced; `b` broadcasts by NumPy's rules, so a norm without its
 * channel axis lines up with the samples' trailing axes exactly as in ComfyUI.
 */
async function normalized(backend: TensorBackend, a: Tensor, b: Tensor, track: Track): Promise<Tensor> {
  return nanToNum(backend, track(await backend.binary('div', a, b)), track);
}

/** The axis a `dim` choice (`x`, `y` or `t`, maybe with a sign) names: the last, second last or third last. */
function letterOf(dim: string): 'x' | 'y' | 't' {
  if (typeof dim === 'string') {
    if (dim.includes('x')) return 'x';
    if (dim.includes('y')) return 'y';
    if (dim.includes('t')) return 't';
  }
  throw new Error(`unknown dim ${JSON.stringify(dim)}: expected x, y or t`);
}
const FROM_END = { x: 1, y: 2, t: 3 } as const;

/** ComfyUI's `s.ndim - k` for the dim letter, wrapped as torch wraps a negative dimension. */
function axisOf(dim: string, samples: Tensor): number {
  const rank = samples.shape.length;
  const axis = rank - FROM_END[letterOf(dim)];
  const wrapped = axis < 0 ? axis + rank : axis;
  if (wrapped < 0) {
    throw new Error(`dim ${dim} does not exist in latent samples of shape ${describeShape(samples.shape)}`);
  }
  return wrapped;
}

@Node({
  ...LATENT_MATH,
  classType: 'LatentAdd',
  outputs: ['LATENT'],
  searchAliases: ['combine latents', 'sum latents'],
})
export class LatentAdd {
  @Input('LATENT', {}) samples1!: Latent;
  /** Resized to samples1 (bilinear, centre crop) and repeated to its batch size where they differ. */
  @Input('LATENT', {}) samples2!: Latent;

  async execute(
    { samples1, samples2 }: NodeInputs<LatentAdd>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const s1 = samplesOf(samples1, 'samples1');
    const s2 = samplesOf(samples2, 'samples2');
    const out = await withTemporaries(async (track) =>
      backend.binary('add', s1, await reshapeLatentTo(backend, s1.shape, s2, true, track)),
    );
    return [withSamples(samples1, out)];
  }
}

@Node({
  ...LATENT_MATH,
  classType: 'LatentSubtract',
  outputs: ['LATENT'],
  searchAliases: ['difference latent', 'remove features'],
})
export class LatentSubtract {
  @Input('LATENT', {}) samples1!: Latent;
  /** Resized to samples1 (bilinear, centre crop) and repeated to its batch size where they differ. */
  @Input('LATENT', {}) samples2!: Latent;

  async execute(
    { samples1, samples2 }: NodeInputs<LatentSubtract>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const s1 = samplesOf(samples1, 'samples1');
    const s2 = samplesOf(samples2, 'samples2');
    const out = await withTemporaries(async (track) =>
      backend.binary('sub', s1, await reshapeLatentTo(backend, s1.shape, s2, true, track)),
    );
    return [withSamples(samples1, out)];
  }
}

@Node({
  ...LATENT_MATH,
  classType: 'LatentMultiply',
  outputs: ['LATENT'],
  searchAliases: ['scale latent', 'amplify latent', 'latent gain'],
})
export class LatentMultiply {
  @Input('LATENT', {}) samples!: Latent;
  @Input.float({ default: 1, min: -10, max: 10, step: 0.01 }) multiplier!: number;

  async execute(
    { samples, multiplier }: NodeInputs<LatentMultiply>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const s = samplesOf(samples, 'samples');
    return [withSamples(samples, await backend.binary('mul', s, multiplier))];
  }
}

/**
 * Interpolates direction and length separately: the unit channel vectors are blended and
 * renormalised, then scaled by the blended lengths (ratio 1 gives samples1, 0 gives samples2).
 */
@Node({
  ...LATENT_MATH,
  classType: 'LatentInterpolate',
  outputs: ['LATENT'],
  searchAliases: ['blend latent', 'mix latent', 'lerp latent', 'transition'],
})
export class LatentInterpolate {
  @Input('LATENT', {}) samples1!: Latent;
  @Input('LATENT', {}) samples2!: Latent;
  @Input.float({ default: 1, min: 0, max: 1, step: 0.01 }) ratio!: number;

  async execute(
    { samples1, samples2, ratio }: NodeInputs<LatentInterpolate>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const a = samplesOf(samples1, 'samples1');
    const b = samplesOf(samples2, 'samples2');
    // ComfyUI divides the samples by norms that lost their channel axis, so the norms broadcast
    // against the trailing axes; with one latent per batch that is the per-pixel norm. Larger
    // batches give what PyTorch gives (an error unless the batch size equals the channel count).
    const out = await withTemporaries(async (track) => {
      const s2 = await reshapeLatentTo(backend, a.shape, b, true, track);
      const m1 = await channelNorm(backend, a, track);
      const m2 = await channelNorm(backend, s2, track);
      const u1 = await normalized(backend, a, m1, track);
      const u2 = await normalized(backend, s2, m2, track);
      const t = track(
        await backend.binary(
          'add',
          track(await backend.binary('mul', u1, ratio)),
          track(await backend.binary('mul', u2, 1 - ratio)),
        ),
      );
      const direction = await normalized(backend, t, await channelNorm(backend, t, track), track);
      const length = track(
        await backend.binary(
          'add',
          track(await backend.binary('mul', m1, ratio)),
          track(await backend.binary('mul', m2, 1 - ratio)),
        ),
      );
      return backend.binary('mul', direction, length);
    });
    return [withSamples(samples1, out)];
  }
}

@Node({
  ...LATENT_MATH,
  classType: 'LatentBatch',
  category: 'model/latent/batch',
  deprecated: true,
  outputs: ['LATENT'],
  searchAliases: ['combine latents', 'merge latents', 'join latents'],
})
export class LatentBatch {
  @Input('LATENT', {}) samples1!: Latent;
  /** Resized to samples1's size (bilinear, centre crop) where it differs, then appended. */
  @Input('LATENT', {}) samples2!: Latent;

  async execute(
    { samples1, samples2 }: NodeInputs<LatentBatch>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const s1 = samplesOf(samples1, 'samples1');
    const s2 = samplesOf(samples2, 'samples2');
    const out = await withTemporaries(async (track) =>
      backend.concat([s1, await reshapeLatentTo(backend, s1.shape, s2, false, track)], 0),
    );
    const indices = (latent: Latent, count: number): number[] =>
      latent.batch_index ?? Array.from({ length: count }, (_, i) => i);
    // the noise masks are not joined: samples1's (if any) stays, as in ComfyUI
    return [
      {
        ...samples1,
        samples: out,
        batch_index: [...indices(samples1, s1.shape[0]), ...indices(samples2, s2.shape[0])],
      },
    ];
  }
}

const CONCAT_DIMS = ['x', '-x', 'y', '-y', 't', '-t'] as const;

@Node({
  ...LATENT_MATH,
  classType: 'LatentConcat',
  outputs: ['LATENT'],
  searchAliases: ['join latents', 'stitch latents'],
})
export class LatentConcat {
  @Input('LATENT', {}) samples1!: Latent;
  /** Repeated or cut to samples1's batch size; its other sizes must match samples1's. */
  @Input('LATENT', {}) samples2!: Latent;
  /** x: width, y: height, t: frames (the third axis from the end); a minus puts samples2 first. */
  @Input.combo(CONCAT_DIMS) dim!: (typeof CONCAT_DIMS)[number];

  async execute(
    { samples1, samples2, dim }: NodeInputs<LatentConcat>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const s1 = samplesOf(samples1, 'samples1');
    const s2 = samplesOf(samples2, 'samples2');
    const rank = s1.shape.length;
    const axis = rank - FROM_END[letterOf(dim)];
    if (axis < 0) {
      throw new Error(`dim ${dim} does not exist in latent samples of shape ${describeShape(s1.shape)}`);
    }
    const out = await withTemporaries(async (track) => {
      let other = s2;
      const repeated = await repeatToBatch(backend, s2, s1.shape[0]);
      if (repeated !== s2) other = track(repeated);
      if (other.shape.length !== rank || other.shape.some((d, i) => i !== axis && d !== s1.shape[i])) {
        throw new Error(
          `cannot concatenate latent samples of shapes ${describeShape(s1.shape)} and ${describeShape(s2.shape)} along ${dim}`,
        );
      }
      return backend.concat(dim.startsWith('-') ? [other, s1] : [s1, other], axis);
    });
    return [withSamples(samples1, out)];
  }
}

const CUT_DIMS = ['x', 'y', 't'] as const;

@Node({
  ...LATENT_MATH,
  classType: 'LatentCut',
  outputs: ['LATENT'],
  searchAliases: ['crop latent', 'slice latent', 'extract region'],
})
export class LatentCut {
  @Input('LATENT', {}) samples!: Latent;
  /** x: width, y: height, t: the third axis from the end (frames of a video latent). */
  @Input.combo(CUT_DIMS) dim!: (typeof CUT_DIMS)[number];
  /** First index kept; negative counts from the end. Clamped into the axis. */
  @Input.int({ default: 0, min: -MAX_RESOLUTION, max: MAX_RESOLUTION, step: 1 }) index!: number;
  @Input.int({ default: 1, min: 1, max: MAX_RESOLUTION, step: 1 }) amount!: number;

  async execute(
    { samples, dim, index, amount }: NodeInputs<LatentCut>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const s = samplesOf(samples, 'samples');
    const axis = axisOf(dim, s);
    const size = s.shape[axis];
    if (size === 0) throw new Error(`cannot cut the empty ${dim} axis of ${describeShape(s.shape)}`);
    let start: number;
    let count: number;
    if (index >= 0) {
      start = Math.min(index, size - 1);
      count = Math.min(size - start, amount);
    } else {
      start = Math.max(index, -size);
      count = Math.min(-start, amount);
      start += size;
    }
    if (count < 0) throw new Error(`amount must not be negative, got ${amount}`);
    return [withSamples(samples, await sliceAxis(backend, s, axis, start, start + count))];
  }
}

const CUT_TO_BATCH_DIMS = ['t', 'x', 'y'] as const;

/**
 * Cuts an axis into slices of `slice_size` (dropping the rest) and stacks them along the batch:
 * item b's slice j becomes item b * slices + j. Axes before the third (the batch and, for
 * 4-D samples, "t", which names the channels) leave the latent as it is.
 */
@Node({
  ...LATENT_MATH,
  classType: 'LatentCutToBatch',
  outputs: ['LATENT'],
  searchAliases: ['slice to batch', 'split latent', 'tile latent'],
})
export class LatentCutToBatch {
  @Input('LATENT', {}) samples!: Latent;
  @Input.combo(CUT_TO_BATCH_DIMS) dim!: (typeof CUT_TO_BATCH_DIMS)[number];
  @Input.int({ default: 1, min: 1, max: MAX_RESOLUTION, step: 1 }) slice_size!: number;

  async execute(
    { samples, dim, slice_size }: NodeInputs<LatentCutToBatch>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const s = samplesOf(samples, 'samples');
    const rank = s.shape.length;
    const axis = rank - FROM_END[letterOf(dim)];
    if (axis < 2) return [samples];
    const length = s.shape[axis];
    let size = slice_size;
    if (length < size) size = length;
    if (size < 1) throw new Error(`cannot cut the ${dim} axis of ${describeShape(s.shape)} into slices`);
    const kept = Math.floor(length / size) * size;
    const out = await withTemporaries(async (track) => {
      // movedim(axis, 1), keep whole slices, fold them into the batch, movedim(1, axis)
      const others = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== 0 && i !== axis);
      let moved = track(await backend.transpose(s, [0, axis, ...others]));
      if (kept !== length) moved = track(await sliceAxis(backend, moved, 1, 0, kept));
      const rest = moved.shape.slice(2);
      const folded = track(await backend.reshape(moved, [moved.shape[0] * (kept / size), size, ...rest]));
      const back = Array.from({ length: rank - 1 }, (_, i) => i + 1).filter((i) => i !== 1);
      back.splice(axis - 1, 0, 1);
      return backend.transpose(folded, [0, ...back]);
    });
    return [withSamples(samples, out)];
  }
}

@Node({
  classType: 'SetLatentNoiseMask',
  displayName: 'Set Latent Noise Mask',
  category: 'model/latent/inpaint',
  pythonModule: 'nodes',
  schema: 'v1',
  outputs: ['LATENT'],
})
export class SetLatentNoiseMask {
  @Input('LATENT') samples!: Latent;
  /** Stored as `[B, 1, H, W]`; samplers resize it to the latent. */
  @Input('MASK') mask!: Tensor;

  async execute(
    { samples, mask }: NodeInputs<SetLatentNoiseMask>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    samplesOf(samples, 'samples');
    return [{ ...samples, noise_mask: await maskBatch(backend, mask) }];
  }
}

/** `mask.reshape((-1, 1, H, W))`. */
async function maskBatch(backend: TensorBackend, mask: Tensor): Promise<Tensor> {
  const shape = (mask as Partial<Tensor> | null | undefined)?.shape;
  if (!Array.isArray(shape) || shape.length < 2 || shape.some((d) => d < 1)) {
    const got = Array.isArray(shape) ? describeShape(shape) : typeof mask;
    throw new Error(`mask must be a MASK of shape [batch, height, width], got ${got}`);
  }
  const [height, width] = mask.shape.slice(-2);
  return backend.reshape(mask, [mask.size / (height * width), 1, height, width]);
}

/**
 * `dest` (`[..., H, W]`) with `block` written over its last two axes at (`top`, `left`), put
 * together from slices of `dest`, so the values are exact copies.
 */
async function pasteSpatial(
  backend: TensorBackend,
  dest: Tensor,
  block: Tensor,
  top: number,
  left: number,
  track: Track,
): Promise<Tensor> {
  const rowAxis = dest.shape.length - 2;
  const columnAxis = rowAxis + 1;
  const height = dest.shape[rowAxis];
  const width = dest.shape[columnAxis];
  const bottom = top + block.shape[rowAxis];
  const right = left + block.shape[columnAxis];
  let band = block;
  if (left > 0 || right < width) {
    const rows = track(await sliceAxis(backend, dest, rowAxis, top, bottom));
    const pieces: Tensor[] = [];
    if (left > 0) pieces.push(track(await sliceAxis(backend, rows, columnAxis, 0, left)));
    pieces.push(block);
    if (right < width) pieces.push(track(await sliceAxis(backend, rows, columnAxis, right, width)));
    band = track(await backend.concat(pieces, columnAxis));
  }
  if (top === 0 && bottom === height) return band;
  const parts: Tensor[] = [];
  if (top > 0) parts.push(track(await sliceAxis(backend, dest, rowAxis, 0, top)));
  parts.push(band);
  if (bottom < height) parts.push(track(await sliceAxis(backend, dest, rowAxis, bottom, height)));
  return backend.concat(parts, rowAxis);
}

/**
 * Pastes `source` into `destination` at (x, y) image pixels (latent pixel x / 8, y / 8), blended
 * as mask * source + (1 - mask) * destination where a mask is given (resized bilinearly to the
 * source). ComfyUI's `composite` with a multiplier of 8, for image latents `[B, C, H, W]`.
 */
@Node({
  classType: 'LatentCompositeMasked',
  category: 'model/latent',
  pythonModule: 'comfy_extras.nodes_mask',
  schema: 'v3',
  outputs: ['LATENT'],
  searchAliases: ['overlay latent', 'layer latent', 'paste latent', 'inpaint latent'],
})
export class LatentCompositeMasked {
  @Input('LATENT', {}) destination!: Latent;
  /** Repeated or cut to the destination's batch size. */
  @Input('LATENT', {}) source!: Latent;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 8 }) x!: number;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 8 }) y!: number;
  /** Resize the source (bilinear) to the destination's size first. */
  @Input.boolean({ default: false }) resize_source!: boolean;
  @Input('MASK', { optional: true }) mask?: Tensor;

  async execute(
    { destination, source, x, y, resize_source, mask }: NodeInputs<LatentCompositeMasked>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const dest = samplesOf(destination, 'destination');
    const src = samplesOf(source, 'source');
    for (const [name, samples] of [
      ['destination', dest],
      ['source', src],
    ] as const) {
      if (samples.shape.length !== 4) {
        throw new Error(
          `LatentCompositeMasked composites image latents [batch, channels, height, width]; ${name} has the shape ${describeShape(samples.shape)}`,
        );
      }
    }
    if (src.shape[1] !== dest.shape[1]) {
      throw new Error(
        `source has ${src.shape[1]} channels but destination has ${dest.shape[1]}: they must match`,
      );
    }
    // ComfyUI's offsets past the left or top edge index from the far side; the inputs' minimum is 0
    if (x < 0 || y < 0) throw new Error(`x and y must not be negative, got x=${x}, y=${y}`);
    const [batch, channels, height, width] = dest.shape;
    const out = await withTemporaries(async (track) => {
      let from = src;
      if (resize_source) from = track(await backend.resize(from, [2, 3], height, width, 'bilinear'));
      const repeated = await repeatToBatch(backend, from, batch);
      if (repeated !== from) from = track(repeated);
      const [, , sourceHeight, sourceWidth] = from.shape;
      const left = Math.floor(Math.min(x, width * LATENT_SCALE) / LATENT_SCALE);
      const top = Math.floor(Math.min(y, height * LATENT_SCALE) / LATENT_SCALE);
      const rows = Math.min(sourceHeight, height - top);
      const columns = Math.min(sourceWidth, width - left);
      if (rows <= 0 || columns <= 0) return dest;
      const cropped = rows < sourceHeight || columns < sourceWidth;
      let block = from;
      if (cropped) block = track(await backend.slice(from, [0, 0, 0, 0], [batch, channels, rows, columns]));
      if (mask !== undefined && mask !== null) {
        let weights = track(await maskBatch(backend, mask));
        weights = track(await backend.resize(weights, [2, 3], sourceHeight, sourceWidth, 'bilinear'));
        const repeatedMask = await repeatToBatch(backend, weights, batch);
        if (repeatedMask !== weights) weights = track(repeatedMask);
        if (cropped) weights = track(await backend.slice(weights, [0, 0, 0, 0], [batch, 1, rows, columns]));
        const under = track(
          await backend.slice(dest, [0, 0, top, left], [batch, channels, top + rows, left + columns]),
        );
        const inverse = track(await backend.binary('sub', 1, weights));
        block = track(
          await backend.binary(
            'add',
            track(await backend.binary('mul', weights, block)),
            track(await backend.binary('mul', inverse, under)),
          ),
        );
      }
      // without a mask ComfyUI blends with ones: 1 * source + 0 * destination, the source itself
      return pasteSpatial(backend, dest, block, top, left, track);
    });
    return [withSamples(destination, out)];
  }
}
