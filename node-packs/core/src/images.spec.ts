import type { NodeContext, Tensor } from '@easel/core';
import { OnnxBackend } from '@easel/backend-onnx';
import {
  ImageCrop,
  ImageFlip,
  ImageFromBatch,
  ImageRotate,
  ImageStitch,
  RepeatImageBatch,
} from './images.js';

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

/** A [b, h, w, 1] image holding 0, 1, 2, ... in row-major order. */
function counting(batch: number, height: number, width: number): Tensor {
  const size = batch * height * width;
  return backend.fromHost(
    Float32Array.from({ length: size }, (_, i) => i),
    [batch, height, width, 1],
  );
}

async function values(tensor: unknown): Promise<number[]> {
  return Array.from(await backend.read(tensor as Tensor));
}

describe('ImageCrop', () => {
  it('keeps the corner inside the image and cuts the size at its edges', async () => {
    const [out] = (await new ImageCrop().execute(
      { image: counting(1, 3, 4), width: 10, height: 10, x: 99, y: 1 },
      context,
    )) as [Tensor];
    expect(out.shape).toEqual([1, 2, 1, 1]);
    expect(await values(out)).toEqual([7, 11]);
  });

  it('crops a 1x1 image to itself', async () => {
    const [out] = (await new ImageCrop().execute(
      { image: counting(2, 1, 1), width: 512, height: 512, x: 0, y: 0 },
      context,
    )) as [Tensor];
    expect(out.shape).toEqual([2, 1, 1, 1]);
  });
});

describe('ImageFlip and ImageRotate', () => {
  // 0 1 2
  // 3 4 5
  const image = counting(1, 2, 3);

  it('flips upside down or left to right', async () => {
    const flip = async (flip_method: string) =>
      values(((await new ImageFlip().execute({ image, flip_method }, context)) as [Tensor])[0]);
    expect(await flip('x-axis: vertically')).toEqual([3, 4, 5, 0, 1, 2]);
    expect(await flip('y-axis: horizontally')).toEqual([2, 1, 0, 5, 4, 3]);
  });

  it('rotates clockwise by quarter turns', async () => {
    const rotate = async (rotation: string) => {
      const [out] = (await new ImageRotate().execute({ image, rotation }, context)) as [Tensor];
      return { shape: out.shape, data: await values(out) };
    };
    expect(await rotate('90 degrees')).toEqual({ shape: [1, 3, 2, 1], data: [3, 0, 4, 1, 5, 2] });
    expect(await rotate('180 degrees')).toEqual({ shape: [1, 2, 3, 1], data: [5, 4, 3, 2, 1, 0] });
    expect(await rotate('270 degrees')).toEqual({ shape: [1, 3, 2, 1], data: [2, 5, 1, 4, 0, 3] });
    expect(await rotate('none')).toEqual({ shape: [1, 2, 3, 1], data: [0, 1, 2, 3, 4, 5] });
  });

  it('refuses a MASK', async () => {
    await expect(
      new ImageRotate().execute({ image: backend.full([1, 2, 3], 0), rotation: '90 degrees' }, context),
    ).rejects.toThrow('image must be an IMAGE of shape [batch, height, width, channels], got [1, 2, 3]');
  });
});

describe('ImageStitch', () => {
  const stitch = (inputs: Partial<ImageStitch>) =>
    new ImageStitch().execute(
      {
        image1: counting(1, 2, 2),
        direction: 'right',
        match_image_size: false,
        spacing_width: 0,
        spacing_color: 'white',
        ...inputs,
      },
      context,
    ) as Promise<[Tensor]>;

  it('passes image1 through without image2', async () => {
    const image1 = counting(1, 2, 2);
    expect((await stitch({ image1 }))[0]).toBe(image1);
  });

  it('centres the smaller image, makes the spacing even and gives it alpha 1', async () => {
    const image1 = backend.full([1, 1, 1, 4], 0.5);
    const image2 = backend.full([1, 3, 1, 3], 0.25);
    const [out] = await stitch({
      image1,
      image2,
      direction: 'left',
      spacing_width: 1,
      spacing_color: 'green',
    });
    // image2 | 2 columns of green | image1 padded with black above and below, alpha 1 added to image2
    expect(out.shape).toEqual([1, 3, 4, 4]);
    const data = await values(out);
    const pixel = (y: number, x: number) => data.slice((y * 4 + x) * 4, (y * 4 + x) * 4 + 4);
    expect(pixel(1, 0)).toEqual([0.25, 0.25, 0.25, 1]);
    expect(pixel(1, 1)).toEqual([0, 1, 0, 1]);
    expect(pixel(1, 2)).toEqual([0, 1, 0, 1]);
    expect(pixel(0, 3)).toEqual([0, 0, 0, 0]);
    expect(pixel(1, 3)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(pixel(2, 3)).toEqual([0, 0, 0, 0]);
  });

  it('repeats the last image of the shorter batch', async () => {
    const [out] = await stitch({ image1: counting(2, 1, 1), image2: counting(3, 1, 1), direction: 'down' });
    expect(out.shape).toEqual([3, 2, 1, 1]);
    expect(await values(out)).toEqual([0, 0, 1, 1, 1, 2]);
  });

  it('says so when image2 cannot be matched to image1', async () => {
    await expect(
      stitch({ image1: counting(1, 1, 4), image2: counting(1, 40, 1), match_image_size: true }),
    ).rejects.toThrow('image2 (1x40) cannot be matched to image1: it would be 0x1');
  });
});

describe('RepeatImageBatch and ImageFromBatch', () => {
  it('repeats the whole batch', async () => {
    const [out] = (await new RepeatImageBatch().execute(
      { image: counting(2, 1, 1), amount: 3 },
      context,
    )) as [Tensor];
    expect(await values(out)).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('counts negative indices from the end and keeps the range inside the batch', async () => {
    const pick = async (batch_index: number, length: number) =>
      values(
        (
          (await new ImageFromBatch().execute(
            { image: counting(4, 1, 1), batch_index, length },
            context,
          )) as [Tensor]
        )[0],
      );
    expect(await pick(-2, 5)).toEqual([2, 3]);
    expect(await pick(-100, 2)).toEqual([0, 1]);
    expect(await pick(100, 2)).toEqual([3]);
    expect(await pick(1, 1)).toEqual([1]);
  });
});
