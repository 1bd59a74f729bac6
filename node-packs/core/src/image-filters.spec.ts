import type { NodeContext, Tensor } from '@easel/core';
import { OnnxBackend } from '@easel/backend-onnx';
import { ImageBlend, ImageBlur, ImageQuantize, ImageSharpen } from './image-filters.js';

const backend = new OnnxBackend();
const quiet = () => undefined;
const context: NodeContext = {
  nodeId: '1',
  promptId: 'p',
  signal: new AbortController().signal,
  backend,
  progress: { update: quiet, text: quiet },
  logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
};

type Shape4 = [number, number, number, number];

function image(shape: Shape4, value: (i: number) => number): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return backend.fromHost(
    Float32Array.from({ length: size }, (_, i) => value(i)),
    shape,
  );
}

/** A deterministic pseudo-random sequence in 0..1. */
function noise(seed: number): (i: number) => number {
  return (i) => {
    const x = Math.sin((i + 1) * 12.9898 + seed * 78.233) * 43758.5453;
    return x - Math.floor(x);
  };
}

async function values(tensor: unknown): Promise<number[]> {
  return Array.from(await backend.read(tensor as Tensor));
}

async function run(node: { execute(inputs: never, context: NodeContext): unknown }, inputs: object) {
  return (await node.execute(inputs as never, context)) as Tensor[];
}

describe('ImageBlur', () => {
  it('keeps a constant image constant (the kernel sums to 1)', async () => {
    const [out] = await run(new ImageBlur(), {
      image: image([2, 5, 6, 3], () => 0.25),
      blur_radius: 2,
      sigma: 3,
    });
    expect(out.shape).toEqual([2, 5, 6, 3]);
    for (const v of await values(out)) expect(v).toBeCloseTo(0.25, 6);
  });

  it('blurs an image just larger than the radius, mirroring its edges', async () => {
    // a 2x2 image with radius 1: the reflect padding needs only one row and column
    const [out] = await run(new ImageBlur(), {
      image: image([1, 2, 2, 1], (i) => (i === 0 ? 1 : 0)),
      blur_radius: 1,
      sigma: 1,
    });
    // kernel over -1..1: 1 at the centre, e^-0.5 at the edges, e^-1 at the corners
    const [centre, edge, corner] = [1, Math.exp(-0.5), Math.exp(-1)];
    const sum = centre + 4 * edge + 4 * corner;
    const expected = [centre / sum, (2 * edge) / sum, (2 * edge) / sum, (4 * corner) / sum];
    (await values(out)).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('refuses a radius as large as the image with a clear message', async () => {
    await expect(
      run(new ImageBlur(), { image: image([1, 3, 8, 3], () => 0.5), blur_radius: 3, sigma: 1 }),
    ).rejects.toThrow(/blur_radius 3 is too large for a 8x3 image/);
  });

  it('refuses a tensor that is not an IMAGE', async () => {
    const mask = backend.fromHost(new Float32Array(4), [1, 2, 2]);
    await expect(run(new ImageBlur(), { image: mask, blur_radius: 1, sigma: 1 })).rejects.toThrow(
      /image must be an IMAGE of shape \[batch, height, width, channels\], got \[1, 2, 2\]/,
    );
  });
});

describe('ImageSharpen', () => {
  it('keeps a constant image and is the identity with alpha 0', async () => {
    const flat = image([1, 4, 4, 3], () => 0.6);
    const [same] = await run(new ImageSharpen(), { image: flat, sharpen_radius: 1, sigma: 1, alpha: 2 });
    for (const v of await values(same)) expect(v).toBeCloseTo(0.6, 5);
    const varied = image([1, 4, 5, 3], noise(1));
    const [identity] = await run(new ImageSharpen(), {
      image: varied,
      sharpen_radius: 2,
      sigma: 1,
      alpha: 0,
    });
    const expected = await values(varied);
    (await values(identity)).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('clamps its output to 0..1', async () => {
    const [out] = await run(new ImageSharpen(), {
      image: image([1, 6, 6, 1], (i) => (i % 2 === 0 ? 1 : 0)),
      sharpen_radius: 1,
      sigma: 1,
      alpha: 5,
    });
    const data = await values(out);
    expect(Math.min(...data)).toBe(0);
    expect(Math.max(...data)).toBe(1);
  });

  it('refuses a radius as large as the image', async () => {
    await expect(
      run(new ImageSharpen(), {
        image: image([1, 2, 9, 3], () => 0.5),
        sharpen_radius: 2,
        sigma: 1,
        alpha: 1,
      }),
    ).rejects.toThrow(/sharpen_radius 2 is too large/);
  });
});

describe('ImageBlend', () => {
  const a = () => image([1, 3, 4, 3], noise(2));
  const b = () => image([1, 3, 4, 3], noise(3));

  it('gives image1 at factor 0 and the blend mode result at factor 1', async () => {
    const [first] = await run(new ImageBlend(), {
      image1: a(),
      image2: b(),
      blend_factor: 0,
      blend_mode: 'normal',
    });
    expect(await values(first)).toEqual(await values(a()));
    const [second] = await run(new ImageBlend(), {
      image1: a(),
      image2: b(),
      blend_factor: 1,
      blend_mode: 'normal',
    });
    expect(await values(second)).toEqual(await values(b()));
  });

  it('clamps the difference mode at 0', async () => {
    const [out] = await run(new ImageBlend(), {
      image1: image([1, 1, 2, 3], () => 0.2),
      image2: image([1, 1, 2, 3], () => 0.7),
      blend_factor: 1,
      blend_mode: 'difference',
    });
    expect(await values(out)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('gives an RGB image2 an opaque alpha channel to blend with an RGBA image1', async () => {
    const [out] = await run(new ImageBlend(), {
      image1: image([1, 2, 2, 4], () => 0.5),
      image2: image([1, 2, 2, 3], () => 0.5),
      blend_factor: 1,
      blend_mode: 'normal',
    });
    expect(out.shape).toEqual([1, 2, 2, 4]);
    expect((await values(out)).slice(0, 4)).toEqual([0.5, 0.5, 0.5, 1]);
  });

  it('resizes image2 to image1 and broadcasts a single image over a batch', async () => {
    const [out] = await run(new ImageBlend(), {
      image1: image([3, 4, 5, 3], () => 0.5),
      image2: image([1, 7, 2, 3], () => 0.25),
      blend_factor: 0.5,
      blend_mode: 'multiply',
    });
    expect(out.shape).toEqual([3, 4, 5, 3]);
    for (const v of await values(out)) expect(v).toBeCloseTo(0.3125, 6);
  });

  it('refuses batches that do not match', async () => {
    await expect(
      run(new ImageBlend(), {
        image1: image([2, 2, 2, 3], () => 0),
        image2: image([3, 2, 2, 3], () => 0),
        blend_factor: 0.5,
        blend_mode: 'screen',
      }),
    ).rejects.toThrow(/same batch size \(or one of 1\), got 2 and 3/);
  });
});

describe('ImageQuantize', () => {
  const quantize = (input: Tensor, colors: number, dither: string) =>
    run(new ImageQuantize(), { image: input, colors, dither });

  it('refuses images that are not RGB', async () => {
    await expect(
      quantize(
        image([1, 2, 2, 4], () => 0.5),
        4,
        'none',
      ),
    ).rejects.toThrow(/needs RGB images \(3 channels\), got 4 channels/);
  });

  it('looks colours up with their two low bits cleared, as Pillow does', async () => {
    // 255 is nearer 254 than to itself once cleared to 252
    const input = image([1, 1, 2, 3], (i) => (i < 3 ? 254 : 255) / 255);
    const [out] = await quantize(input, 256, 'none');
    expect(await values(out)).toEqual(Array<number>(6).fill(Math.fround(254 / 255)));
  });

  it('keeps an image with fewer colours than asked for unchanged', async () => {
    const levels = [0, 51, 102, 255];
    const input = image([1, 4, 4, 3], (i) => Math.fround(levels[(i * 7) % 4] / 255));
    for (const dither of ['none', 'floyd-steinberg']) {
      const [out] = await quantize(input, 256, dither);
      expect(await values(out)).toEqual(await values(input));
    }
  });

  it('maps everything to the mean colour with one colour', async () => {
    const input = image([1, 1, 2, 3], (i) => [10, 20, 30, 20, 40, 61][i] / 255);
    const [out] = await quantize(input, 1, 'none');
    // (10 + 20) / 2 = 15, (20 + 40) / 2 = 30, (30 + 61) / 2 = 45.5 rounds up
    expect(await values(out)).toEqual([15, 30, 46, 15, 30, 46].map((v) => Math.fround(v / 255)));
  });

  it('builds one palette per image of the batch', async () => {
    const input = image([2, 3, 3, 3], (i) => (i < 27 ? 0.2 : 0.9));
    const [out] = await quantize(input, 2, 'bayer-2');
    const data = await values(out);
    expect(new Set(data.slice(0, 27))).toEqual(new Set([Math.fround(51 / 255)]));
    expect(new Set(data.slice(27))).toEqual(new Set([Math.fround(229 / 255)]));
  });

  it.each(['none', 'floyd-steinberg', 'bayer-4', 'bayer-16'])(
    'gives at most `colors` colours, multiples of 1/255, with %s (also single rows and columns)',
    async (dither) => {
      for (const shape of [
        [1, 1, 17, 3],
        [1, 13, 1, 3],
        [2, 9, 11, 3],
      ] as Shape4[]) {
        const [out] = await quantize(image(shape, noise(shape[1])), 5, dither);
        expect(out.shape).toEqual(shape);
        const data = await values(out);
        const colours = new Set<string>();
        for (let i = 0; i < data.length; i += 3) colours.add(data.slice(i, i + 3).join());
        expect(colours.size).toBeLessThanOrEqual(shape[0] * 5);
        for (const v of data) expect(Math.abs(v * 255 - Math.round(v * 255))).toBeLessThan(1e-4);
      }
    },
  );

  it('quantizes an image of more than 65536 colours (Pillow drops low bits first)', async () => {
    const input = image([1, 300, 300, 3], noise(7));
    const [out] = await quantize(input, 16, 'none');
    const data = await values(out);
    const colours = new Set<string>();
    for (let i = 0; i < data.length; i += 3) colours.add(data.slice(i, i + 3).join());
    expect(colours.size).toBe(16);
  });

  it('converts to bytes like torch: truncated, and wrapped outside 0..1', async () => {
    // 0.999 * 255 = 254.7 -> 254; -128 / 255 -> -128 -> 128; 256 / 255 -> 256 -> 0
    const input = image([1, 1, 3, 3], (i) => [0.999, -128 / 255, 256 / 255][Math.floor(i / 3)]);
    const [out] = await quantize(input, 256, 'none');
    expect(await values(out)).toEqual(
      [254, 254, 254, 128, 128, 128, 0, 0, 0].map((v) => Math.fround(v / 255)),
    );
  });
});
