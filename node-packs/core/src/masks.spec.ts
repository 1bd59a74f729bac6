import type { NodeContext, NodeReturn, Tensor } from '@easel/core';
import { OnnxBackend } from '@easel/backend-onnx';
import {
  CropMask,
  FeatherMask,
  GrowMask,
  ImageColorToMask,
  ImageToMask,
  InvertMask,
  MaskComposite,
  MaskToImage,
  SolidMask,
  ThresholdMask,
} from './masks.js';

// The recorded ComfyUI cases (apps/server core-nodes.goldens) cover the usual inputs; these cover
// edge sizes, bad inputs, and GrowMask's fast path against a plain repeated 3x3 filter.

const backend = new OnnxBackend();
const context = { backend } as unknown as NodeContext;

/** A deterministic pseudo-random float32 array in [0, 1). */
function noise(length: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  return Float32Array.from({ length }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  });
}

const tensor = (data: number[] | Float32Array, shape: number[]) =>
  backend.fromHost(Float32Array.from(data), shape);

async function first(result: NodeReturn | Promise<NodeReturn>): Promise<Tensor> {
  const value = await result;
  return (value as Tensor[])[0];
}

async function values(
  result: NodeReturn | Promise<NodeReturn>,
): Promise<{ shape: number[]; data: number[] }> {
  const t = await first(result);
  return { shape: [...t.shape], data: Array.from((await backend.read(t)) as Float32Array) };
}

/**
 * scipy's grey_dilation (or erosion) with a 3x3 footprint, mirrored edges, applied `times` times
 * to each [height, width] plane: the reference the backend version must equal.
 */
function repeatedGreyFilter(
  data: Float32Array,
  [batch, height, width]: number[],
  times: number,
  tapered: boolean,
  grow: boolean,
): Float32Array {
  const offsets = [-1, 0, 1].flatMap((dy) =>
    [-1, 0, 1].filter((dx) => !(tapered && dy !== 0 && dx !== 0)).map((dx) => [dy, dx] as const),
  );
  const mirror = (i: number, n: number) => (i < 0 ? -i - 1 : i >= n ? 2 * n - i - 1 : i);
  let current = Float32Array.from(data);
  for (let t = 0; t < times; t++) {
    const next = new Float32Array(current.length);
    for (let b = 0; b < batch; b++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          let best = grow ? -Infinity : Infinity;
          for (const [dy, dx] of offsets) {
            const v = current[(b * height + mirror(y + dy, height)) * width + mirror(x + dx, width)];
            best = grow ? Math.max(best, v) : Math.min(best, v);
          }
          next[(b * height + y) * width + x] = best;
        }
      }
    }
    current = next;
  }
  return current;
}

describe('mask nodes', () => {
  afterAll(() => backend.free());

  describe('GrowMask', () => {
    const sizes = [
      [2, 9, 13],
      [1, 1, 7],
      [1, 6, 1],
      [1, 2, 23],
      [1, 1, 1],
    ];
    const expands = [1, 2, 3, 4, 5, 6, 7, 9, 12, 17, 40, -1, -3, -6, -11, -40];
    it.each(sizes.flatMap((shape) => [true, false].map((tapered) => [shape, tapered] as const)))(
      'equals the repeated 3x3 filter on %j (tapered %s) for every expand',
      async (shape, tapered) => {
        const input = noise(shape[0] * shape[1] * shape[2], shape[1] * 31 + shape[2]);
        for (const expand of expands) {
          const result = await values(
            new GrowMask().execute({ mask: tensor(input, shape), expand, tapered_corners: tapered }, context),
          );
          const want = repeatedGreyFilter(input, shape, Math.abs(expand), tapered, expand > 0);
          expect({ expand, ...result }).toEqual({ expand, shape, data: Array.from(want) });
        }
      },
    );

    it('leaves the mask as it is for expand 0 and makes a [1, H, W] batch of a 2-D mask', async () => {
      const input = noise(12, 5);
      const result = await values(
        new GrowMask().execute({ mask: tensor(input, [3, 4]), expand: 0, tapered_corners: true }, context),
      );
      expect(result).toEqual({ shape: [1, 3, 4], data: Array.from(input) });
      const grown = await values(
        new GrowMask().execute({ mask: tensor(input, [3, 4]), expand: 2, tapered_corners: false }, context),
      );
      expect(grown.shape).toEqual([1, 3, 4]);
    });

    it('gives every pixel the extreme of the image once expand passes the image size', async () => {
      const input = noise(2 * 5 * 8, 9);
      for (const tapered of [true, false]) {
        const { data } = await values(
          new GrowMask().execute(
            { mask: tensor(input, [2, 5, 8]), expand: -16384, tapered_corners: tapered },
            context,
          ),
        );
        for (const b of [0, 1]) {
          const plane = input.subarray(b * 40, (b + 1) * 40);
          expect(new Set(data.slice(b * 40, (b + 1) * 40))).toEqual(new Set([Math.min(...plane)]));
        }
      }
    });
  });

  describe('FeatherMask', () => {
    it('ramps each edge linearly, clamping the widths to the mask', async () => {
      const result = await values(
        new FeatherMask().execute(
          { mask: backend.full([1, 2, 4], 1), left: 2, top: 0, right: 1, bottom: 9 },
          context,
        ),
      );
      // columns: 0.5, 1, 1, 1 (left; right 1 leaves the last column as it is); rows: 1, 0.5 (bottom clamped to 2)
      expect(result.shape).toEqual([1, 2, 4]);
      expect(result.data).toEqual([0.5, 1, 1, 1, 0.25, 0.5, 0.5, 0.5]);
    });

    it('takes a 2-D mask and leaves it unchanged with no feathering', async () => {
      const input = noise(6, 2);
      const result = await values(
        new FeatherMask().execute(
          { mask: tensor(input, [2, 3]), left: 0, top: 0, right: 0, bottom: 0 },
          context,
        ),
      );
      expect(result).toEqual({ shape: [1, 2, 3], data: Array.from(input) });
    });
  });

  describe('CropMask', () => {
    const mask = () => tensor(noise(2 * 4 * 5, 3), [2, 4, 5]);

    it('cuts a region off at the edges like Python slicing', async () => {
      const result = await values(
        new CropMask().execute({ mask: mask(), x: 3, y: 1, width: 10, height: 2 }, context),
      );
      expect(result.shape).toEqual([2, 2, 2]);
    });

    it('gives an empty mask for a region wholly outside', async () => {
      const result = await values(
        new CropMask().execute({ mask: mask(), x: 5, y: 9, width: 3, height: 3 }, context),
      );
      expect(result).toEqual({ shape: [2, 0, 0], data: [] });
    });

    it('refuses a tensor of less than two dimensions', async () => {
      await expect(
        new CropMask().execute({ mask: tensor([1, 2], [2]), x: 0, y: 0, width: 1, height: 1 }, context),
      ).rejects.toThrow('MASK must have at least the dimensions [height, width], got [2]');
    });
  });

  describe('MaskComposite', () => {
    const destination = () => tensor([0.2, 0.6, 1, 0, 0.5, 0.9], [1, 2, 3]);

    it('adds a source larger than the destination, cut to the destination, and clamps', async () => {
      const source = backend.full([1, 5, 5], 0.5);
      const result = await values(
        new MaskComposite().execute(
          { destination: destination(), source, x: 1, y: 1, operation: 'add' },
          context,
        ),
      );
      expect(result.shape).toEqual([1, 2, 3]);
      expect(result.data.map((v) => Math.round(v * 100) / 100)).toEqual([0.2, 0.6, 1, 0, 1, 1]);
    });

    it('treats values as booleans rounded half to even for and/or/xor', async () => {
      const source = tensor([0.5, 0.51, 0.49, 1, 0, 0.5], [1, 2, 3]);
      const run = async (operation: 'and' | 'or' | 'xor') =>
        (
          await values(
            new MaskComposite().execute(
              { destination: destination(), source, x: 0, y: 0, operation },
              context,
            ),
          )
        ).data;
      // destination as booleans: 0, 1, 1, 0, 0, 1; source: 0, 1, 0, 1, 0, 0
      expect(await run('and')).toEqual([0, 1, 0, 0, 0, 0]);
      expect(await run('or')).toEqual([0, 1, 1, 1, 0, 1]);
      expect(await run('xor')).toEqual([0, 0, 1, 1, 0, 1]);
    });

    it('returns the destination when the source lies wholly outside it', async () => {
      const source = backend.full([1, 2, 2], 1);
      const result = await values(
        new MaskComposite().execute(
          { destination: destination(), source, x: 3, y: 0, operation: 'add' },
          context,
        ),
      );
      expect(result.data.map((v) => Math.round(v * 100) / 100)).toEqual([0.2, 0.6, 1, 0, 0.5, 0.9]);
    });

    it('refuses a source batch that does not fit the destination', async () => {
      await expect(
        new MaskComposite().execute(
          {
            destination: destination(),
            source: backend.full([2, 2, 2], 1),
            x: 0,
            y: 0,
            operation: 'multiply',
          },
          context,
        ),
      ).rejects.toThrow('source has 2 masks but destination has 1');
    });

    it('refuses an unknown operation', async () => {
      await expect(
        new MaskComposite().execute(
          {
            destination: destination(),
            source: destination(),
            x: 0,
            y: 0,
            operation: 'divide' as unknown as 'add',
          },
          context,
        ),
      ).rejects.toThrow('unknown operation "divide"');
    });
  });

  describe('ImageToMask', () => {
    it('refuses the alpha channel of an RGB image', async () => {
      await expect(
        new ImageToMask().execute({ image: backend.full([1, 2, 2, 3], 0.5), channel: 'alpha' }, context),
      ).rejects.toThrow('the image has 3 channels, so it has no alpha channel');
    });

    it('refuses a tensor that is not [batch, height, width, channels]', async () => {
      await expect(
        new ImageToMask().execute({ image: backend.full([2, 2, 3], 0.5), channel: 'red' }, context),
      ).rejects.toThrow('IMAGE must have the shape [batch, height, width, channels], got [2, 2, 3]');
    });
  });

  describe('ImageColorToMask', () => {
    it('matches clamped 8-bit colours and ignores alpha', async () => {
      // pixels: white beyond 1, 0x123456 exactly, 0x123456 off by one level in blue, black below 0
      const rgba = [
        1.5,
        2,
        1,
        0.3,
        0x12 / 255,
        0x34 / 255,
        0x56 / 255,
        0,
        0x12 / 255,
        0x34 / 255,
        0x57 / 255,
        1,
      ];
      const image = tensor([...rgba, -1, -0.001, 0, 0.5], [1, 2, 2, 4]);
      const white = await values(new ImageColorToMask().execute({ image, color: 0xffffff }, context));
      expect(white).toEqual({ shape: [1, 2, 2], data: [1, 0, 0, 0] });
      const colour = await values(new ImageColorToMask().execute({ image, color: 0x123456 }, context));
      expect(colour.data).toEqual([0, 1, 0, 0]);
      const black = await values(new ImageColorToMask().execute({ image, color: 0 }, context));
      expect(black.data).toEqual([0, 0, 0, 1]);
    });

    it('refuses an image without three colour channels', async () => {
      await expect(
        new ImageColorToMask().execute({ image: backend.full([1, 2, 2, 1], 0.5), color: 0 }, context),
      ).rejects.toThrow('the image has 1 channel; a colour needs red, green and blue');
    });
  });

  describe('the simple ones', () => {
    it('SolidMask makes one [1, height, width] mask', async () => {
      expect(await values(new SolidMask().execute({ value: 0.25, width: 3, height: 1 }, context))).toEqual({
        shape: [1, 1, 3],
        data: [0.25, 0.25, 0.25],
      });
    });

    it('InvertMask keeps the shape', async () => {
      expect(await values(new InvertMask().execute({ mask: tensor([0, 0.25, 1], [3, 1]) }, context))).toEqual(
        {
          shape: [3, 1],
          data: [1, 0.75, 0],
        },
      );
    });

    it('ThresholdMask compares in float32 and is strict', async () => {
      const mask = tensor([0.3, 0.30000004, 0.2999999], [1, 1, 3]);
      expect((await values(new ThresholdMask().execute({ mask, value: 0.3 }, context))).data).toEqual([
        0, 1, 0,
      ]);
    });

    it('MaskToImage turns a 2-D mask into a grey [1, H, W, 3] image', async () => {
      expect(await values(new MaskToImage().execute({ mask: tensor([0.5, 1], [1, 2]) }, context))).toEqual({
        shape: [1, 1, 2, 3],
        data: [0.5, 0.5, 0.5, 1, 1, 1],
      });
    });
  });
});
