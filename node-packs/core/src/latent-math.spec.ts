import type { Latent, NodeContext, Tensor } from '@easel/core';
import { OnnxBackend } from '@easel/backend-onnx';
import {
  LatentAdd,
  LatentBatch,
  LatentCompositeMasked,
  LatentConcat,
  LatentCut,
  LatentCutToBatch,
  LatentInterpolate,
  LatentMultiply,
  LatentSubtract,
  SetLatentNoiseMask,
} from './latent-math.js';

// Each expectation is computed here from ComfyUI's formulas in plain double-precision JS on small
// arrays (PyTorch's bilinear interpolation, its broadcasting, nan_to_num, repeat_to_batch_size,
// ComfyUI's centre crop), then compared element-wise with what the nodes compute on the backend.

const backend = new OnnxBackend({ device: 'cpu' });
const context = { backend } as unknown as NodeContext;
const TOLERANCE = 1e-6;
const FLOAT32_MAX = 3.4028234663852886e38;

/** A host array: shape and row-major values. */
interface Arr {
  shape: number[];
  data: number[];
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function offsetOf(shape: readonly number[], index: readonly number[]): number {
  let offset = 0;
  for (let k = 0; k < shape.length; k++) {
    if (index[k] < 0 || index[k] >= shape[k])
      throw new Error(`index ${index.join()} outside ${shape.join()}`);
    offset = offset * shape[k] + index[k];
  }
  return offset;
}

const get = (a: Arr, index: readonly number[]) => a.data[offsetOf(a.shape, index)];

/** An array whose element at each multi-index is `at(index)`. */
function make(shape: number[], at: (index: number[]) => number): Arr {
  const data: number[] = [];
  const index = shape.map(() => 0);
  for (let n = 0; n < sizeOf(shape); n++) {
    data.push(at([...index]));
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++index[k] < shape[k]) break;
      index[k] = 0;
    }
  }
  return { shape, data };
}

/** Deterministic values in [-2, 2]. */
const pattern = (shape: number[], seed = 1): Arr =>
  make(shape, (index) => {
    const i = offsetOf(shape, index);
    return Math.fround(2 * Math.sin(0.37 * i + seed) * Math.cos(0.11 * i + seed / 3));
  });

const toTensor = (a: Arr): Tensor => backend.fromHost(Float32Array.from(a.data), a.shape);
const latentOf = (a: Arr, extra: Record<string, unknown> = {}): Latent => ({
  samples: toTensor(a),
  ...extra,
});

async function hostOf(t: Tensor): Promise<Arr> {
  return { shape: [...t.shape], data: Array.from(await backend.read(t)) };
}

/** The single LATENT a node returned. */
async function run(result: unknown): Promise<Latent> {
  const out = (await result) as Latent[];
  expect(Array.isArray(out)).toBe(true);
  expect(out).toHaveLength(1);
  return out[0];
}

async function expectClose(actual: Tensor, expected: Arr, tolerance = TOLERANCE): Promise<void> {
  const got = await hostOf(actual);
  expect(got.shape).toEqual(expected.shape);
  const worst = got.data.reduce((w, v, i) => Math.max(w, Math.abs(v - expected.data[i])), 0);
  if (!(worst <= tolerance)) {
    throw new Error(`largest difference ${worst} exceeds ${tolerance}: got ${got.data.join(', ')}`);
  }
}

/** Python's round(): halves to the even neighbour. */
function pyRound(v: number): number {
  const floor = Math.floor(v);
  const diff = v - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** PyTorch's bilinear taps (align_corners=False) of one axis: [index, weight] pairs per output. */
function bilinearTaps(inSize: number, outSize: number): [number, number][][] {
  const scale = Math.fround(inSize / outSize);
  return Array.from({ length: outSize }, (_, i) => {
    const real = Math.max(scale * (i + 0.5) - 0.5, 0);
    const i0 = Math.min(Math.floor(real), inSize - 1);
    const lambda = Math.min(real - i0, 1);
    const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
    return [
      [i0, 1 - lambda],
      [i1, lambda],
    ];
  });
}

/** F.interpolate(mode="bilinear") on the last two axes. */
function bilinear(a: Arr, outH: number, outW: number): Arr {
  const rank = a.shape.length;
  const ys = bilinearTaps(a.shape[rank - 2], outH);
  const xs = bilinearTaps(a.shape[rank - 1], outW);
  return make([...a.shape.slice(0, -2), outH, outW], (index) => {
    const lead = index.slice(0, -2);
    const [i, j] = index.slice(-2);
    let sum = 0;
    for (const [y, wy] of ys[i]) for (const [x, wx] of xs[j]) sum += wy * wx * get(a, [...lead, y, x]);
    return sum;
  });
}

/** Rows [y0, y1) and columns [x0, x1) of the last two axes. */
const cropLast2 = (a: Arr, y0: number, y1: number, x0: number, x1: number): Arr =>
  make([...a.shape.slice(0, -2), y1 - y0, x1 - x0], (index) => {
    const [i, j] = index.slice(-2);
    return get(a, [...index.slice(0, -2), y0 + i, x0 + j]);
  });

/** comfy.utils.common_upscale(a, width, height, "bilinear", "center"). */
function upscaleCenter(a: Arr, height: number, width: number): Arr {
  const [oldH, oldW] = a.shape.slice(-2);
  const oldAspect = oldW / oldH;
  const newAspect = width / height;
  let x = 0;
  let y = 0;
  if (oldAspect > newAspect) x = pyRound((oldW - oldW * (newAspect / oldAspect)) / 2);
  else if (oldAspect < newAspect) y = pyRound((oldH - oldH * (oldAspect / newAspect)) / 2);
  return bilinear(cropLast2(a, y, oldH - y, x, oldW - x), height, width);
}

/** comfy.utils.repeat_to_batch_size on axis 0. */
const repeatToBatch = (a: Arr, batch: number): Arr =>
  make([batch, ...a.shape.slice(1)], ([b, ...rest]) => get(a, [b % a.shape[0], ...rest]));

/** reshape_latent_to(target, a): resize when the shapes after the batch differ, then repeat. */
function reshapeTo(target: readonly number[], a: Arr, repeatBatch = true): Arr {
  let out = a;
  if (a.shape.slice(1).join() !== target.slice(1).join()) {
    out = upscaleCenter(out, target[target.length - 2], target[target.length - 1]);
  }
  return repeatBatch ? repeatToBatch(out, target[0]) : out;
}

/** NumPy / PyTorch broadcasting of an element-wise function; throws where shapes do not broadcast. */
function broadcast(a: Arr, b: Arr, fn: (x: number, y: number) => number): Arr {
  const rank = Math.max(a.shape.length, b.shape.length);
  const pad = (s: number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const sa = pad(a.shape);
  const sb = pad(b.shape);
  const shape = sa.map((d, k) => {
    if (d !== sb[k] && d !== 1 && sb[k] !== 1)
      throw new Error(`shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] do not broadcast`);
    return Math.max(d, sb[k]);
  });
  const pick = (s: number[], index: number[]) => index.map((v, k) => (s[k] === 1 ? 0 : v));
  const ax = { shape: sa, data: a.data };
  const bx = { shape: sb, data: b.data };
  return make(shape, (index) => fn(get(ax, pick(sa, index)), get(bx, pick(sb, index))));
}

const scalar = (v: number): Arr => ({ shape: [1], data: [v] });

/** torch.linalg.vector_norm(a, dim=1). */
const norm1 = (a: Arr): Arr =>
  make([a.shape[0], ...a.shape.slice(2)], ([b, ...rest]) => {
    let sum = 0;
    for (let c = 0; c < a.shape[1]; c++) sum += get(a, [b, c, ...rest]) ** 2;
    return Math.sqrt(sum);
  });

function nanToNum(v: number): number {
  if (Number.isNaN(v)) return 0;
  if (v === Infinity) return FLOAT32_MAX;
  if (v === -Infinity) return -FLOAT32_MAX;
  return v;
}

/** LatentInterpolate's formula, with PyTorch's broadcasting of the norms. */
function interpolateRef(s1: Arr, s2: Arr, ratio: number): Arr {
  const m1 = norm1(s1);
  const m2 = norm1(s2);
  const n1 = broadcast(s1, m1, (x, m) => nanToNum(x / m));
  const n2 = broadcast(s2, m2, (x, m) => nanToNum(x / m));
  const t = broadcast(n1, n2, (x, y) => x * ratio + y * (1 - ratio));
  const st = broadcast(t, norm1(t), (x, m) => nanToNum(x / m));
  const length = broadcast(m1, m2, (x, y) => x * ratio + y * (1 - ratio));
  return broadcast(st, length, (x, l) => x * l);
}

describe('LatentAdd and LatentSubtract', () => {
  it('add and subtract element-wise and keep samples1’s other keys in their order', async () => {
    const a = pattern([2, 4, 3, 5], 1);
    const b = pattern([2, 4, 3, 5], 2);
    const mask = backend.full([2, 1, 3, 5], 0.5);
    const samples1 = latentOf(a, { batch_index: [3, 4], noise_mask: mask, custom: 'kept' });
    const samples2 = latentOf(b, { batch_index: [9, 9], other: 1 });
    const sum = await run(new LatentAdd().execute({ samples1, samples2 }, context));
    await expectClose(
      sum.samples,
      broadcast(a, b, (x, y) => x + y),
    );
    expect(Object.keys(sum)).toEqual(['samples', 'batch_index', 'noise_mask', 'custom']);
    expect(sum.batch_index).toEqual([3, 4]);
    expect(sum.noise_mask).toBe(mask);
    const difference = await run(new LatentSubtract().execute({ samples1, samples2 }, context));
    await expectClose(
      difference.samples,
      broadcast(a, b, (x, y) => x - y),
    );
    expect(Object.keys(difference)).toEqual(['samples', 'batch_index', 'noise_mask', 'custom']);
  });

  it('repeat a smaller samples2 batch and cut a larger one to samples1’s batch size', async () => {
    const a = pattern([3, 2, 2, 3], 1);
    const b = pattern([2, 2, 2, 3], 4);
    const out = await run(new LatentAdd().execute({ samples1: latentOf(a), samples2: latentOf(b) }, context));
    // items 0, 1, 0 of samples2
    await expectClose(
      out.samples,
      broadcast(a, repeatToBatch(b, 3), (x, y) => x + y),
    );

    const one = pattern([1, 2, 2, 3], 5);
    const cut = await run(
      new LatentSubtract().execute({ samples1: latentOf(one), samples2: latentOf(a) }, context),
    );
    await expectClose(
      cut.samples,
      broadcast(one, repeatToBatch(a, 1), (x, y) => x - y),
    );
  });

  it('resize samples2 to samples1’s size (bilinear after a centre crop) before repeating it', async () => {
    const a = pattern([2, 3, 4, 6], 1);
    // taller than samples1's aspect ratio: a row is cropped at the top and bottom
    const taller = pattern([1, 3, 4, 4], 2);
    const out = await run(
      new LatentAdd().execute({ samples1: latentOf(a), samples2: latentOf(taller) }, context),
    );
    const expected = reshapeTo(a.shape, taller);
    expect(expected.shape).toEqual([2, 3, 4, 6]);
    await expectClose(
      out.samples,
      broadcast(a, expected, (x, y) => x + y),
    );

    // wider: columns are cropped at both sides, and the other sizes shrink
    const wider = pattern([2, 3, 5, 12], 3);
    const difference = await run(
      new LatentSubtract().execute({ samples1: latentOf(a), samples2: latentOf(wider) }, context),
    );
    await expectClose(
      difference.samples,
      broadcast(a, reshapeTo(a.shape, wider), (x, y) => x - y),
    );
  });

  it('resize each frame and channel of video latents', async () => {
    const a = pattern([1, 2, 3, 4, 6], 1);
    const b = pattern([1, 2, 3, 2, 3], 2);
    const out = await run(new LatentAdd().execute({ samples1: latentOf(a), samples2: latentOf(b) }, context));
    await expectClose(
      out.samples,
      broadcast(a, reshapeTo(a.shape, b), (x, y) => x + y),
    );
  });

  it('fail on channel counts that do not broadcast, as PyTorch does', async () => {
    const a = latentOf(pattern([1, 4, 2, 2]));
    const b = latentOf(pattern([1, 3, 2, 2]));
    await expect(new LatentAdd().execute({ samples1: a, samples2: b }, context)).rejects.toThrow();
  });
});

describe('LatentMultiply', () => {
  it.each([-2.5, 0.3, 0, 10])('multiplies every value by %p', async (multiplier) => {
    const a = pattern([2, 4, 3, 3]);
    const out = await run(
      new LatentMultiply().execute({ samples: latentOf(a, { batch_index: [1, 2] }), multiplier }, context),
    );
    await expectClose(
      out.samples,
      broadcast(a, scalar(multiplier), (x, m) => x * Math.fround(m)),
    );
    expect(out.batch_index).toEqual([1, 2]);
  });
});

describe('LatentInterpolate', () => {
  it('blends directions and lengths of the channel vectors', async () => {
    const a = pattern([1, 4, 3, 5], 1);
    // one pixel of samples1 is all zero: its direction is 0 / 0, which nan_to_num makes 0
    for (let c = 0; c < 4; c++) a.data[offsetOf(a.shape, [0, c, 1, 2])] = 0;
    const b = pattern([1, 4, 3, 5], 7);
    for (const ratio of [0.3, 0, 1, 0.75]) {
      const out = await run(
        new LatentInterpolate().execute(
          { samples1: latentOf(a, { batch_index: [5] }), samples2: latentOf(b), ratio },
          context,
        ),
      );
      await expectClose(out.samples, interpolateRef(a, b, ratio));
      expect(out.batch_index).toEqual([5]);
    }
  });

  it('resizes and repeats samples2 first', async () => {
    const a = pattern([1, 4, 4, 6], 2);
    const b = pattern([3, 4, 2, 2], 3);
    const out = await run(
      new LatentInterpolate().execute({ samples1: latentOf(a), samples2: latentOf(b), ratio: 0.4 }, context),
    );
    await expectClose(out.samples, interpolateRef(a, reshapeTo(a.shape, b), 0.4));
  });

  it('broadcasts the norms over the trailing axes as ComfyUI does for larger batches', async () => {
    // the norms [B, H, W] line up with [C, H, W]: with B = C each channel gets another item's norm
    const a = pattern([2, 2, 3, 3], 1);
    const b = pattern([2, 2, 3, 3], 2);
    const out = await run(
      new LatentInterpolate().execute({ samples1: latentOf(a), samples2: latentOf(b), ratio: 0.6 }, context),
    );
    await expectClose(out.samples, interpolateRef(a, b, 0.6));

    // B = 2 and C = 4 do not broadcast: PyTorch fails, and so does the node
    const c = latentOf(pattern([2, 4, 3, 3]));
    await expect(
      new LatentInterpolate().execute({ samples1: c, samples2: c, ratio: 0.5 }, context),
    ).rejects.toThrow();
  });
});

describe('LatentBatch', () => {
  it('appends samples2 and numbers the batch, keeping samples1’s other keys', async () => {
    const a = pattern([2, 3, 2, 4], 1);
    const b = pattern([3, 3, 2, 4], 2);
    const mask = backend.full([2, 1, 2, 4], 1);
    const out = await run(
      new LatentBatch().execute(
        { samples1: latentOf(a, { noise_mask: mask }), samples2: latentOf(b) },
        context,
      ),
    );
    await expectClose(out.samples, { shape: [5, 3, 2, 4], data: [...a.data, ...b.data] });
    expect(out.batch_index).toEqual([0, 1, 0, 1, 2]);
    // the noise mask is samples1's alone, not extended to the new batch
    expect(out.noise_mask).toBe(mask);
    expect(Object.keys(out)).toEqual(['samples', 'noise_mask', 'batch_index']);
  });

  it('joins existing batch indices where they were', async () => {
    const a = latentOf(pattern([1, 2, 2, 2]), { batch_index: [7], extra: true });
    const b = latentOf(pattern([2, 2, 2, 2]), { batch_index: [3, 1] });
    const out = await run(new LatentBatch().execute({ samples1: a, samples2: b }, context));
    expect(out.batch_index).toEqual([7, 3, 1]);
    expect(Object.keys(out)).toEqual(['samples', 'batch_index', 'extra']);
  });

  it('resizes samples2 to samples1’s size but keeps its batch size', async () => {
    const a = pattern([1, 2, 4, 6], 1);
    const b = pattern([2, 2, 6, 6], 2);
    const out = await run(
      new LatentBatch().execute({ samples1: latentOf(a), samples2: latentOf(b) }, context),
    );
    const resized = reshapeTo(a.shape, b, false);
    expect(resized.shape).toEqual([2, 2, 4, 6]);
    await expectClose(out.samples, { shape: [3, 2, 4, 6], data: [...a.data, ...resized.data] });
    expect(out.batch_index).toEqual([0, 0, 1]);
  });
});

/** torch.cat along `axis`. */
function concatRef(a: Arr, b: Arr, axis: number): Arr {
  const shape = [...a.shape];
  shape[axis] += b.shape[axis];
  return make(shape, (index) => {
    if (index[axis] < a.shape[axis]) return get(a, index);
    const inB = [...index];
    inB[axis] -= a.shape[axis];
    return get(b, inB);
  });
}

describe('LatentConcat', () => {
  const a = pattern([2, 3, 4, 5], 1);

  it.each([
    ['x', 3, 2],
    ['-x', 3, 2],
    ['y', 2, 3],
    ['-y', 2, 3],
    ['t', 1, 2],
    ['-t', 1, 2],
  ] as const)('joins along %s (axis %i of an image latent)', async (dim, axis, extra) => {
    const shape = [...a.shape];
    shape[axis] = extra;
    const b = pattern(shape, 3);
    const out = await run(
      new LatentConcat().execute(
        { samples1: latentOf(a, { batch_index: [0, 1] }), samples2: latentOf(b), dim },
        context,
      ),
    );
    await expectClose(out.samples, dim.startsWith('-') ? concatRef(b, a, axis) : concatRef(a, b, axis));
    expect(out.batch_index).toEqual([0, 1]);
  });

  it('repeats samples2 to samples1’s batch size and joins video latents along their frames', async () => {
    const v1 = pattern([3, 2, 2, 2, 3], 1);
    const v2 = pattern([1, 2, 4, 2, 3], 2);
    const out = await run(
      new LatentConcat().execute({ samples1: latentOf(v1), samples2: latentOf(v2), dim: 't' }, context),
    );
    await expectClose(out.samples, concatRef(v1, repeatToBatch(v2, 3), 2));
  });

  it('fails when the other sizes differ', async () => {
    const b = latentOf(pattern([2, 3, 5, 5]));
    await expect(
      new LatentConcat().execute({ samples1: latentOf(a), samples2: b, dim: 'x' }, context),
    ).rejects.toThrow(/cannot concatenate/);
  });
});

/** torch.narrow. */
function narrowRef(a: Arr, axis: number, start: number, length: number): Arr {
  const shape = [...a.shape];
  shape[axis] = length;
  return make(shape, (index) => {
    const at = [...index];
    at[axis] += start;
    return get(a, at);
  });
}

/** LatentCut's clamping of index and amount, then narrow. */
function cutRef(a: Arr, axis: number, index: number, amount: number): Arr {
  const size = a.shape[axis];
  if (index >= 0) {
    const start = Math.min(index, size - 1);
    return narrowRef(a, axis, start, Math.min(size - start, amount));
  }
  const start = Math.max(index, -size);
  return narrowRef(a, axis, size + start, Math.min(-start, amount));
}

describe('LatentCut', () => {
  const a = pattern([2, 3, 5, 6], 1);

  it.each([
    ['x', 3, 1, 2],
    ['x', 3, 4, 10],
    ['x', 3, 40, 3],
    ['y', 2, -2, 5],
    ['y', 2, -9, 2],
    ['y', 2, 0, 5],
    ['t', 1, 1, 1],
  ] as const)('cuts %s (axis %i) from index %i, %i long', async (dim, axis, index, amount) => {
    const out = await run(
      new LatentCut().execute({ samples: latentOf(a, { batch_index: [1, 2] }), dim, index, amount }, context),
    );
    await expectClose(out.samples, cutRef(a, axis, index, amount));
    expect(out.batch_index).toEqual([1, 2]);
  });

  it('cuts the frames of a video latent', async () => {
    const v = pattern([1, 2, 6, 2, 2], 2);
    const out = await run(
      new LatentCut().execute({ samples: latentOf(v), dim: 't', index: -4, amount: 2 }, context),
    );
    await expectClose(out.samples, cutRef(v, 2, -4, 2));
  });
});

/** LatentCutToBatch: movedim(axis, 1), whole slices only, reshape to [-1, size, ...], movedim(1, axis). */
function cutToBatchRef(a: Arr, axis: number, sliceSize: number): Arr {
  const length = a.shape[axis];
  const size = Math.min(sliceSize, length);
  const slices = Math.floor(length / size);
  const shape = [...a.shape];
  shape[0] *= slices;
  shape[axis] = size;
  return make(shape, (index) => {
    const at = [...index];
    at[0] = Math.floor(index[0] / slices);
    at[axis] = (index[0] % slices) * size + index[axis];
    return get(a, at);
  });
}

describe('LatentCutToBatch', () => {
  const a = pattern([2, 3, 4, 5], 1);

  it.each([
    ['x', 3, 2],
    ['x', 3, 1],
    ['x', 3, 5],
    ['x', 3, 9],
    ['y', 2, 2],
    ['y', 2, 3],
  ] as const)(
    'cuts %s (axis %i) into slices of %i stacked along the batch',
    async (dim, axis, slice_size) => {
      const mask = backend.full([2, 1, 4, 5], 1);
      const samples = latentOf(a, { batch_index: [0, 1], noise_mask: mask });
      const out = await run(new LatentCutToBatch().execute({ samples, dim, slice_size }, context));
      await expectClose(out.samples, cutToBatchRef(a, axis, slice_size));
      // ComfyUI leaves the other keys as they were
      expect(out.batch_index).toEqual([0, 1]);
      expect(out.noise_mask).toBe(mask);
    },
  );

  it('cuts the frames of a video latent', async () => {
    const v = pattern([2, 2, 7, 2, 3], 3);
    const out = await run(
      new LatentCutToBatch().execute({ samples: latentOf(v), dim: 't', slice_size: 3 }, context),
    );
    await expectClose(out.samples, cutToBatchRef(v, 2, 3));
    expect(out.samples.shape).toEqual([4, 2, 3, 2, 3]);
  });

  it('returns an image latent unchanged for t, which names its channels', async () => {
    const samples = latentOf(a);
    const out = await run(new LatentCutToBatch().execute({ samples, dim: 't', slice_size: 1 }, context));
    expect(out).toBe(samples);
  });
});

describe('SetLatentNoiseMask', () => {
  it('stores the mask as [B, 1, H, W], replacing an earlier one in place', async () => {
    const old = backend.full([1, 1, 2, 2], 0);
    const samples = latentOf(pattern([2, 4, 2, 3]), { noise_mask: old, batch_index: [0, 1] });
    const values = pattern([2, 3, 5], 4);
    const out = await run(new SetLatentNoiseMask().execute({ samples, mask: toTensor(values) }, context));
    expect(Object.keys(out)).toEqual(['samples', 'noise_mask', 'batch_index']);
    expect(out.samples).toBe(samples.samples);
    await expectClose(out.noise_mask!, { shape: [2, 1, 3, 5], data: values.data }, 0);

    const single = pattern([3, 5], 5);
    const added = await run(
      new SetLatentNoiseMask().execute(
        { samples: latentOf(pattern([1, 4, 2, 3])), mask: toTensor(single) },
        context,
      ),
    );
    expect(Object.keys(added)).toEqual(['samples', 'noise_mask']);
    await expectClose(added.noise_mask!, { shape: [1, 1, 3, 5], data: single.data }, 0);
  });
});

/** ComfyUI's `composite(destination, source, x, y, mask, 8, resize_source)`. */
function compositeRef(
  dest: Arr,
  src: Arr,
  x: number,
  y: number,
  mask: Arr | undefined,
  resizeSource: boolean,
): Arr {
  const [batch, , height, width] = dest.shape;
  let s = src;
  if (resizeSource) s = bilinear(s, height, width);
  s = repeatToBatch(s, batch);
  const [, , sh, sw] = s.shape;
  const cx = Math.max(-sw * 8, Math.min(x, width * 8));
  const cy = Math.max(-sh * 8, Math.min(y, height * 8));
  const left = Math.floor(cx / 8);
  const top = Math.floor(cy / 8);
  let m: Arr | undefined;
  if (mask !== undefined) {
    const [mh, mw] = mask.shape.slice(-2);
    m = repeatToBatch(
      bilinear({ shape: [sizeOf(mask.shape) / (mh * mw), 1, mh, mw], data: mask.data }, sh, sw),
      batch,
    );
  }
  const visibleWidth = width - left + Math.min(0, cx);
  const visibleHeight = height - top + Math.min(0, cy);
  const rows = Math.min(visibleHeight, sh);
  const columns = Math.min(visibleWidth, sw);
  return make([...dest.shape], ([b, c, i, j]) => {
    const d = get(dest, [b, c, i, j]);
    const si = i - top;
    const sj = j - left;
    if (si < 0 || sj < 0 || si >= rows || sj >= columns) return d;
    const w = m === undefined ? 1 : get(m, [b, 0, si, sj]);
    return w * get(s, [b, c, si, sj]) + (1 - w) * d;
  });
}

describe('LatentCompositeMasked', () => {
  const dest = pattern([2, 3, 6, 7], 1);

  it('pastes the source at x / 8, y / 8 and cuts off what lies outside', async () => {
    const src = pattern([2, 3, 4, 4], 2);
    for (const [x, y] of [
      [0, 0],
      [8, 16],
      [40, 24],
      [47, 39],
      [56, 0],
      [16384, 16384],
    ]) {
      const out = await run(
        new LatentCompositeMasked().execute(
          { destination: latentOf(dest), source: latentOf(src), x, y, resize_source: false },
          context,
        ),
      );
      await expectClose(out.samples, compositeRef(dest, src, x, y, undefined, false), 0);
    }
  });

  it('blends through a mask resized to the source, repeated to the batch', async () => {
    const src = pattern([1, 3, 4, 5], 2);
    // three masks for a batch of two: the first two are used
    const mask = make([3, 2, 3], ([b, i, j]) => (b + 1) * 0.1 + i * 0.3 + j * 0.05);
    const out = await run(
      new LatentCompositeMasked().execute(
        {
          destination: latentOf(dest, { batch_index: [4, 5], noise_mask: backend.full([1, 1, 6, 7], 1) }),
          source: latentOf(src, { batch_index: [9] }),
          x: 16,
          y: 24,
          resize_source: false,
          mask: toTensor(mask),
        },
        context,
      ),
    );
    await expectClose(out.samples, compositeRef(dest, src, 16, 24, mask, false));
    expect(out.batch_index).toEqual([4, 5]);
    expect(Object.keys(out)).toEqual(['samples', 'batch_index', 'noise_mask']);

    // a single [H, W] mask, the source wholly inside
    const flat = make([4, 5], ([i, j]) => (i * 5 + j) / 20);
    const inside = await run(
      new LatentCompositeMasked().execute(
        {
          destination: latentOf(dest),
          source: latentOf(src),
          x: 8,
          y: 8,
          resize_source: false,
          mask: toTensor(flat),
        },
        context,
      ),
    );
    await expectClose(inside.samples, compositeRef(dest, src, 8, 8, flat, false));
  });

  it('resizes the source to the destination first when asked', async () => {
    const src = pattern([2, 3, 3, 4], 3);
    const mask = make([1, 3, 4], ([, i, j]) => (i + j) / 6);
    const out = await run(
      new LatentCompositeMasked().execute(
        {
          destination: latentOf(dest),
          source: latentOf(src),
          x: 8,
          y: 0,
          resize_source: true,
          mask: toTensor(mask),
        },
        context,
      ),
    );
    await expectClose(out.samples, compositeRef(dest, src, 8, 0, mask, true));
  });

  it('accepts image latents only, with matching channels', async () => {
    const video = latentOf(pattern([1, 3, 2, 6, 7]));
    await expect(
      new LatentCompositeMasked().execute(
        { destination: video, source: video, x: 0, y: 0, resize_source: false },
        context,
      ),
    ).rejects.toThrow(/image latents/);
    await expect(
      new LatentCompositeMasked().execute(
        {
          destination: latentOf(dest),
          source: latentOf(pattern([1, 4, 2, 2])),
          x: 0,
          y: 0,
          resize_source: false,
        },
        context,
      ),
    ).rejects.toThrow(/channels/);
  });
});
