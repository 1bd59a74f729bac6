import type { NodeContext, Tensor } from '@easel/core';
import { OnnxBackend } from '@easel/backend-onnx';
import {
  EmptyImage,
  ImageBatch,
  ImageInvert,
  ImagePadForOutpaint,
  ImageScale,
  ImageScaleBy,
} from './image-basic.js';

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

/** A [b, h, w, c] image whose values are 0, 1, 2, ... scaled by `scale`. */
function ramp(shape: [number, number, number, number], scale = 0.01): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return backend.fromHost(
    Float32Array.from({ length: size }, (_, i) => i * scale),
    shape,
  );
}

async function values(tensor: unknown): Promise<number[]> {
  return Array.from(await backend.read(tensor as Tensor));
}

describe('EmptyImage', () => {
  it('fills a batch with one RGB colour, each channel byte / 255 as float32', async () => {
    const [image] = (await new EmptyImage().execute(
      { width: 3, height: 2, batch_size: 2, color: 0x336699 },
      context,
    )) as [Tensor];
    expect(image.shape).toEqual([2, 2, 3, 3]);
    const data = await values(image);
    expect(data).toHaveLength(36);
    for (let i = 0; i < data.length; i += 3) {
      expect(data.slice(i, i + 3)).toEqual([0x33, 0x66, 0x99].map((v) => Math.fround(v / 255)));
    }
  });

  it('makes a 1x1 black image', async () => {
    const [image] = (await new EmptyImage().execute(
      { width: 1, height: 1, batch_size: 1, color: 0 },
      context,
    )) as [Tensor];
    expect(image.shape).toEqual([1, 1, 1, 3]);
    expect(await values(image)).toEqual([0, 0, 0]);
  });
});

describe('ImageScale', () => {
  const scale = (image: Tensor, width: number, height: number, crop: 'disabled' | 'center' = 'disabled') =>
    new ImageScale().execute(
      { image, upscale_method: 'nearest-exact', width, height, crop },
      context,
    ) as Promise<[Tensor]>;

  it('returns the image unchanged when width and height are both 0', async () => {
    const image = ramp([1, 2, 3, 3]);
    const [out] = await scale(image, 0, 0);
    expect(out).toBe(image);
  });

  it('computes a missing dimension from the aspect ratio, at least 1 pixel', async () => {
    expect((await scale(ramp([1, 4, 8, 3]), 0, 2))[0].shape).toEqual([1, 2, 4, 3]);
    expect((await scale(ramp([1, 4, 8, 3]), 6, 0))[0].shape).toEqual([1, 3, 6, 3]);
    expect((await scale(ramp([1, 1, 100, 3]), 10, 0))[0].shape).toEqual([1, 1, 10, 3]);
  });

  it('refuses a tensor that is not an IMAGE', async () => {
    const mask = backend.full([2, 3], 0);
    await expect(scale(mask, 4, 4)).rejects.toThrow(
      'image must be an IMAGE of shape [batch, height, width, channels], got [2, 3]',
    );
  });
});

describe('ImageScaleBy', () => {
  it("rounds the new size half to even, like Python's round", async () => {
    // 5 * 0.5 = 2.5 -> 2, 7 * 0.5 = 3.5 -> 4
    const [out] = (await new ImageScaleBy().execute(
      { image: ramp([1, 5, 7, 3]), upscale_method: 'bilinear', scale_by: 0.5 },
      context,
    )) as [Tensor];
    expect(out.shape).toEqual([1, 2, 4, 3]);
  });

  it('says so when no pixel would be left', async () => {
    await expect(
      new ImageScaleBy().execute(
        { image: ramp([1, 1, 40, 3]), upscale_method: 'area', scale_by: 0.1 },
        context,
      ),
    ).rejects.toThrow('scaling a 40x1 image by 0.1 gives 4x0: no pixels left');
  });
});

describe('ImageInvert', () => {
  it('inverts every channel, alpha included', async () => {
    const image = backend.fromHost(Float32Array.of(0, 0.25, 1, 0.5), [1, 1, 1, 4]);
    const [out] = (await new ImageInvert().execute({ image }, context)) as [Tensor];
    expect(await values(out)).toEqual([1, 0.75, 0, 0.5]);
  });
});

describe('ImageBatch', () => {
  it('adds an alpha channel of ones to the image without one', async () => {
    const rgba = backend.full([1, 1, 1, 4], 0.5);
    const rgb = backend.full([1, 1, 1, 3], 0.25);
    const [out] = (await new ImageBatch().execute({ image1: rgb, image2: rgba }, context)) as [Tensor];
    expect(out.shape).toEqual([2, 1, 1, 4]);
    expect(await values(out)).toEqual([0.25, 0.25, 0.25, 1, 0.5, 0.5, 0.5, 0.5]);
  });

  it('refuses channel counts that differ by more than an alpha channel', async () => {
    await expect(
      new ImageBatch().execute({ image1: ramp([1, 2, 2, 1]), image2: ramp([1, 2, 2, 3]) }, context),
    ).rejects.toThrow('cannot batch images with 1 and 3 channels');
  });
});

describe('ImagePadForOutpaint', () => {
  const pad = (image: Tensor, left: number, top: number, right: number, bottom: number, feathering: number) =>
    new ImagePadForOutpaint().execute({ image, left, top, right, bottom, feathering }, context) as Promise<
      [Tensor, Tensor]
    >;

  it('without padding gives the image and an all-zero single mask', async () => {
    const image = ramp([2, 2, 3, 3]);
    const [out, mask] = await pad(image, 0, 0, 0, 0, 40);
    expect(out.shape).toEqual([2, 2, 3, 3]);
    expect(await values(out)).toEqual(await values(image));
    expect(mask.shape).toEqual([1, 2, 3]);
    expect(await values(mask)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('fills new area with 0.5, marks it 1 in the mask, and feathers only the padded edges', async () => {
    const image = backend.full([1, 5, 5, 1], 0.1);
    const [out, mask] = await pad(image, 2, 0, 0, 0, 2);
    expect(out.shape).toEqual([1, 5, 7, 1]);
    const pixels = await values(out);
    for (let y = 0; y < 5; y++) {
      expect(pixels.slice(y * 7, y * 7 + 7)).toEqual([0.5, 0.5, ...Array<number>(5).fill(Math.fround(0.1))]);
    }
    expect(mask.shape).toEqual([1, 5, 7]);
    const rows = await values(mask);
    // distance to the left edge only: 0 -> 1, 1 -> 0.25, then 0
    for (let y = 0; y < 5; y++) expect(rows.slice(y * 7, y * 7 + 7)).toEqual([1, 1, 1, 0.25, 0, 0, 0]);
  });

  it('does not feather when the feathering is too wide for the image', async () => {
    const [, mask] = await pad(backend.full([1, 4, 4, 3], 0), 0, 0, 0, 8, 2);
    expect(mask.shape).toEqual([1, 12, 4]);
    const rows = await values(mask);
    expect(rows.slice(0, 16)).toEqual(Array<number>(16).fill(0));
    expect(rows.slice(16)).toEqual(Array<number>(32).fill(1));
  });
});
