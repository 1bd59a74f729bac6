import type { Latent, NodeContext, Tensor } from '@easel/core';
import { OnnxBackend } from '@easel/backend-onnx';
import {
  EmptyLatentImage,
  LatentBlend,
  LatentComposite,
  LatentCrop,
  LatentFlip,
  LatentFromBatch,
  LatentRotate,
  LatentUpscale,
  LatentUpscaleBy,
  RepeatLatentBatch,
} from './latents.js';

// What the ComfyUI goldens do not record: the other LATENT keys, edge cases of the sizes and
// offsets, and bislerp's special cases. The recorded numbers are checked end to end in
// apps/server/src/core-nodes.goldens.e2e.spec.ts.

const backend = new OnnxBackend({ device: 'cpu' });
const context = { backend } as unknown as NodeContext;

/** A deterministic latent `[B, C, H, W]` with values in [-2, 2]. */
function pattern(shape: number[], seed = 1): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: size }, (_, i) => 2 * Math.sin(0.37 * i + seed) * Math.cos(0.11 * i));
}

function latent(shape: number[], extra: Record<string, unknown> = {}, seed = 1): Latent {
  return { samples: backend.fromHost(pattern(shape, seed), shape), ...extra };
}

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await backend.read(t));
}

/** The single LATENT a node returned. */
async function run(result: unknown): Promise<Latent> {
  const out = (await result) as Latent[];
  expect(Array.isArray(out)).toBe(true);
  return out[0];
}

/** Element (b, c, y, x) of a host copy of `[B, C, H, W]`. */
const at = (data: ArrayLike<number>, shape: readonly number[], b: number, c: number, y: number, x: number) =>
  data[((b * shape[1] + c) * shape[2] + y) * shape[3] + x];

describe('EmptyLatentImage', () => {
  it('makes zeros of an eighth of the size, rounding down, and records the downscale ratio', async () => {
    const out = await run(new EmptyLatentImage().execute({ width: 100, height: 70, batch_size: 3 }, context));
    expect(Object.keys(out)).toEqual(['samples', 'downscale_ratio_spacial']);
    expect(out.samples.shape).toEqual([3, 4, 8, 12]);
    expect(out.samples.dtype).toBe('float32');
    expect((await values(out.samples)).every((v) => v === 0)).toBe(true);
    expect(out.downscale_ratio_spacial).toBe(8);
  });
});

describe('the other LATENT keys', () => {
  const mask = () => backend.fromHost(new Float32Array(2 * 9 * 13).fill(0.5), [2, 1, 9, 13]);

  it('pass through every transform in their order', async () => {
    const make = () => latent([2, 4, 9, 13], { custom: 'kept', batch_index: [4, 5], noise_mask: mask() });
    const outputs = [
      await run(new LatentFlip().execute({ samples: make(), flip_method: 'x-axis: vertically' }, context)),
      await run(new LatentRotate().execute({ samples: make(), rotation: '90 degrees' }, context)),
      await run(
        new LatentUpscale().execute(
          { samples: make(), upscale_method: 'bilinear', width: 128, height: 128, crop: 'disabled' },
          context,
        ),
      ),
      await run(
        new LatentUpscaleBy().execute({ samples: make(), upscale_method: 'bislerp', scale_by: 2 }, context),
      ),
      await run(new LatentCrop().execute({ samples: make(), width: 64, height: 64, x: 0, y: 0 }, context)),
      await run(
        new LatentBlend().execute({ samples1: make(), samples2: make(), blend_factor: 0.5 }, context),
      ),
      await run(
        new LatentComposite().execute(
          { samples_to: make(), samples_from: make(), x: 8, y: 8, feather: 0 },
          context,
        ),
      ),
    ];
    for (const out of outputs) {
      expect(Object.keys(out)).toEqual(['samples', 'custom', 'batch_index', 'noise_mask']);
      expect(out.custom).toBe('kept');
      expect(out.batch_index).toEqual([4, 5]);
      expect(out.noise_mask?.shape).toEqual([2, 1, 9, 13]);
    }
  });

  it('LatentFromBatch slices batch_index and per-image noise masks, and keeps a single mask', async () => {
    const withMasks = latent([4, 4, 3, 3], { batch_index: [10, 11, 12, 13], noise_mask: mask() });
    const out = await run(
      new LatentFromBatch().execute({ samples: withMasks, batch_index: 1, length: 2 }, context),
    );
    expect(out.batch_index).toEqual([11, 12]);
    expect(out.samples.shape).toEqual([2, 4, 3, 3]);
    // two masks for four latents: ComfyUI repeats them to the batch first, then picks 1..2
    expect(out.noise_mask?.shape).toEqual([2, 1, 9, 13]);

    const single = backend.fromHost(new Float32Array(9).fill(1), [1, 1, 3, 3]);
    const one = await run(
      new LatentFromBatch().execute(
        { samples: latent([4, 4, 3, 3], { noise_mask: single }), batch_index: 2, length: 5 },
        context,
      ),
    );
    expect(one.noise_mask).toBe(single);
    expect(one.batch_index).toEqual([2, 3]);
    expect(Object.keys(one)).toEqual(['samples', 'noise_mask', 'batch_index']);
  });

  it('LatentFromBatch counts negative indices from the end and clamps far ones to the first', async () => {
    const source = latent([3, 2, 2, 2]);
    const all = await values(source.samples);
    const last = await run(
      new LatentFromBatch().execute({ samples: source, batch_index: -2, length: 1 }, context),
    );
    expect(last.batch_index).toEqual([1]);
    expect(await values(last.samples)).toEqual(all.slice(8, 16));
    const first = await run(
      new LatentFromBatch().execute({ samples: source, batch_index: -10, length: 2 }, context),
    );
    expect(first.batch_index).toEqual([0, 1]);
    expect(await values(first.samples)).toEqual(all.slice(0, 16));
  });

  it('RepeatLatentBatch repeats samples, per-image noise masks and batch indices', async () => {
    const source = latent([2, 1, 2, 2], { batch_index: [3, 5], noise_mask: mask() });
    const out = await run(new RepeatLatentBatch().execute({ samples: source, amount: 3 }, context));
    expect(out.samples.shape).toEqual([6, 1, 2, 2]);
    const data = await values(source.samples);
    expect(await values(out.samples)).toEqual([...data, ...data, ...data]);
    expect(out.noise_mask?.shape).toEqual([6, 1, 9, 13]);
    // offset = max - min + 1 = 3
    expect(out.batch_index).toEqual([3, 5, 6, 8, 9, 11]);

    const singleMask = backend.fromHost(new Float32Array(4).fill(1), [1, 1, 2, 2]);
    const kept = await run(
      new RepeatLatentBatch().execute(
        { samples: latent([2, 1, 2, 2], { noise_mask: singleMask }), amount: 2 },
        context,
      ),
    );
    expect(kept.noise_mask).toBe(singleMask);
    expect(Object.keys(kept)).toEqual(['samples', 'noise_mask']);
  });
});

describe('LatentUpscale sizes', () => {
  it('returns the input itself when width and height are both 0', async () => {
    const source = latent([1, 4, 9, 13]);
    expect(
      await run(
        new LatentUpscale().execute(
          { samples: source, upscale_method: 'bicubic', width: 0, height: 0, crop: 'disabled' },
          context,
        ),
      ),
    ).toBe(source);
  });

  it('follows the aspect ratio for a size of 0 and raises sizes below 64 pixels to 64', async () => {
    const upscale = (width: number, height: number) =>
      run(
        new LatentUpscale().execute(
          {
            samples: latent([1, 4, 9, 13]),
            upscale_method: 'nearest-exact',
            width,
            height,
            crop: 'disabled',
          },
          context,
        ),
      );
    // height from the width: round(9 * 200 / 13) = 138 pixels -> 17 latent rows
    expect((await upscale(200, 0)).samples.shape).toEqual([1, 4, 17, 25]);
    expect((await upscale(8, 16)).samples.shape).toEqual([1, 4, 8, 8]);
    // 0 x 16: the height is raised to 64 first, the width follows it: round(13 * 64 / 9) = 92
    expect((await upscale(0, 16)).samples.shape).toEqual([1, 4, 8, 11]);
  });

  it('LatentUpscaleBy rounds halves to even like Python', async () => {
    // 5 * 1.5 = 7.5 -> 8, 3 * 1.5 = 4.5 -> 4
    const out = await run(
      new LatentUpscaleBy().execute(
        { samples: latent([1, 4, 3, 5]), upscale_method: 'area', scale_by: 1.5 },
        context,
      ),
    );
    expect(out.samples.shape).toEqual([1, 4, 4, 8]);
  });
});

describe('bislerp', () => {
  const bislerpBy = async (source: Latent, scale: number) =>
    run(
      new LatentUpscaleBy().execute({ samples: source, upscale_method: 'bislerp', scale_by: scale }, context),
    );

  /** ComfyUI's bislerp in double precision on the host (Math.acos), for comparison. */
  function reference(data: Float32Array, shape: number[], width: number, height: number) {
    const slerpAxis = (input: Float64Array, inShape: number[], axis: 2 | 3, size: number) => {
      const old = inShape[axis];
      const outShape = [...inShape];
      outShape[axis] = size;
      const out = new Float64Array(outShape.reduce((a, b) => a * b, 1));
      const [n, c] = inShape;
      const index = (s: number[], b: number, ch: number, y: number, x: number) =>
        ((b * s[1] + ch) * s[2] + y) * s[3] + x;
      for (let i = 0; i < size; i++) {
        const real = Math.max((old / size) * (i + 0.5) - 0.5, 0);
        const i0 = Math.min(Math.floor(real), old - 1);
        const i1 = Math.min(i0 + 1, old - 1);
        const r = i0 === old - 1 ? 0 : real - i0;
        for (let b = 0; b < n; b++) {
          const other = axis === 3 ? outShape[2] : outShape[3];
          for (let o = 0; o < other; o++) {
            const pick = (k: number) =>
              Array.from(
                { length: c },
                (_, ch) => input[axis === 3 ? index(inShape, b, ch, o, k) : index(inShape, b, ch, k, o)],
              );
            const v1 = pick(i0);
            const v2 = pick(i1);
            const n1 = Math.hypot(...v1);
            const n2 = Math.hypot(...v2);
            const u1 = v1.map((v) => (n1 === 0 ? 0 : v / n1));
            const u2 = v2.map((v) => (n2 === 0 ? 0 : v / n2));
            const dot = u1.reduce((s, v, k) => s + v * u2[k], 0);
            const omega = Math.acos(Math.min(1, Math.max(-1, dot)));
            const so = Math.sin(omega);
            const res = u1.map((v, k) => {
              if (dot > 1 - 1e-5) return v1[k];
              if (dot < 1e-5 - 1) return v1[k] * (1 - r) + v2[k] * r;
              const slerped = (Math.sin((1 - r) * omega) / so) * v + (Math.sin(r * omega) / so) * u2[k];
              return slerped * (n1 * (1 - r) + n2 * r);
            });
            res.forEach((v, ch) => {
              out[axis === 3 ? index(outShape, b, ch, o, i) : index(outShape, b, ch, i, o)] = v;
            });
          }
        }
      }
      return { out, outShape };
    };
    const across = slerpAxis(Float64Array.from(data), shape, 3, width);
    return slerpAxis(across.out, across.outShape, 2, height).out;
  }

  it('agrees with a double-precision host bislerp (the backend composes acos from a polynomial)', async () => {
    const shape = [2, 4, 5, 7];
    const data = pattern(shape, 3);
    const out = await bislerpBy({ samples: backend.fromHost(data, shape) }, 1.7);
    expect(out.samples.shape).toEqual([2, 4, 8, 12]);
    const want = reference(data, shape, 12, 8);
    const got = await values(out.samples);
    const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
    expect(worst).toBeLessThan(1e-5);
  });

  it('keeps a constant latent constant, zero vectors zero, and blends opposite vectors linearly', async () => {
    const constant = await bislerpBy(
      { samples: backend.fromHost(new Float32Array(2 * 3 * 3).fill(0.75), [1, 2, 3, 3]) },
      2,
    );
    expect((await values(constant.samples)).every((v) => Math.abs(v - 0.75) < 1e-7)).toBe(true);

    const zeros = await bislerpBy({ samples: backend.full([1, 4, 2, 2], 0) }, 3);
    expect((await values(zeros.samples)).every((v) => v === 0)).toBe(true);

    // two columns with opposite channel vectors (1, 0) and (-1, 0), widened to 4 columns
    const opposite = backend.fromHost(Float32Array.from([1, -1, 0, 0]), [1, 2, 1, 2]);
    const out = await bislerpBy({ samples: opposite }, 2);
    expect(out.samples.shape).toEqual([1, 2, 2, 4]);
    const got = await values(out.samples);
    // columns at 0, 0.25, 0.75, 1 of the way: a linear blend of 1 and -1
    expect(got.slice(0, 4).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([1, 0.5, -0.5, -1]);
    expect(got.slice(8).every((v) => v === 0)).toBe(true);
  });
});

describe('LatentComposite', () => {
  it('pastes nothing when the source lies entirely past the edge, and fails when only its size is off', async () => {
    const to = latent([1, 1, 4, 4]);
    const before = await values(to.samples);
    const nothing = await run(
      new LatentComposite().execute(
        { samples_to: to, samples_from: latent([1, 1, 2, 2], {}, 5), x: 64, y: 0, feather: 0 },
        context,
      ),
    );
    expect(await values(nothing.samples)).toEqual(before);
    // x = 5 latent pixels on a width of 4: ComfyUI takes 3 source columns for an empty target
    await expect(
      new LatentComposite().execute(
        { samples_to: to, samples_from: latent([1, 1, 2, 4], {}, 5), x: 40, y: 0, feather: 0 },
        context,
      ),
    ).rejects.toThrow(/does not fit/);
  });

  it('feathers a block thinner than the feather as ComfyUI does (Python slices wrap around)', async () => {
    const to = { samples: backend.full([1, 1, 6, 6], 0) };
    const from = { samples: backend.full([1, 1, 2, 6], 1) };
    // y = 1 latent pixel, feather 5 latent pixels over a 2-row block: from the top, t = 0 and 1
    // weigh the rows by 0.2 and 0.4; from the bottom, rows [1 - t : 2 - t] weigh 0.2 (row 1) and
    // 0.4 (row 0), t = 2 is the empty [-1:0], and t = 3 is [-2:-1], row 0 again, by 0.8
    const out = await run(
      new LatentComposite().execute({ samples_to: to, samples_from: from, x: 0, y: 8, feather: 40 }, context),
    );
    const got = await values(out.samples);
    const row = (r: number) => got[r * 6];
    expect(row(1)).toBeCloseTo(0.2 * 0.4 * 0.8, 6);
    expect(row(2)).toBeCloseTo(0.4 * 0.2, 6);
    expect(row(0)).toBe(0);
    expect(row(3)).toBe(0);
    // the left and right sides touch the destination's edges: no horizontal fade
    expect(got[1 * 6 + 5]).toBeCloseTo(row(1), 6);
  });

  it('broadcasts a single source latent over a destination batch', async () => {
    const to = latent([2, 1, 3, 3]);
    const from = { samples: backend.full([1, 1, 1, 1], 9) };
    const out = await run(
      new LatentComposite().execute({ samples_to: to, samples_from: from, x: 8, y: 8, feather: 0 }, context),
    );
    const got = await values(out.samples);
    expect(at(got, [2, 1, 3, 3], 0, 0, 1, 1)).toBe(9);
    expect(at(got, [2, 1, 3, 3], 1, 0, 1, 1)).toBe(9);
  });
});

describe('LatentCrop and LatentRotate', () => {
  it('LatentCrop on a latent narrower than 8 wraps its start like a Python slice', async () => {
    const source = latent([1, 1, 10, 5]);
    const data = await values(source.samples);
    const out = await run(
      new LatentCrop().execute({ samples: source, width: 64, height: 64, x: 0, y: 0 }, context),
    );
    // x = min(0, 5 - 8) = -3 -> columns [-3:5] = [2:5]; rows [0:8]
    expect(out.samples.shape).toEqual([1, 1, 8, 3]);
    const got = await values(out.samples);
    expect(got[0]).toBe(data[2]);
    expect(got[3]).toBe(data[5 + 2]);
  });

  it('LatentRotate turns clockwise', async () => {
    // [[1, 2, 3], [4, 5, 6]] turned 90 degrees clockwise is [[4, 1], [5, 2], [6, 3]]
    const source = { samples: backend.fromHost(Float32Array.from([1, 2, 3, 4, 5, 6]), [1, 1, 2, 3]) };
    const quarter = await run(
      new LatentRotate().execute({ samples: source, rotation: '90 degrees' }, context),
    );
    expect(quarter.samples.shape).toEqual([1, 1, 3, 2]);
    expect(await values(quarter.samples)).toEqual([4, 1, 5, 2, 6, 3]);
    const three = await run(
      new LatentRotate().execute({ samples: source, rotation: '270 degrees' }, context),
    );
    expect(await values(three.samples)).toEqual([3, 6, 2, 5, 1, 4]);
  });
});
