import type { NodeContext, Tensor } from '@easel/core';
import { OnnxBackend } from '@easel/backend-onnx';
import { JoinImageWithAlpha, PorterDuffImageComposite, SplitImageWithAlpha } from './compositing.js';

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

function tensor(shape: number[], value: (i: number) => number): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return backend.fromHost(
    Float32Array.from({ length: size }, (_, i) => value(i)),
    shape,
  );
}

async function values(t: unknown): Promise<number[]> {
  return Array.from(await backend.read(t as Tensor));
}

async function run(node: { execute(inputs: never, context: NodeContext): unknown }, inputs: object) {
  return (await node.execute(inputs as never, context)) as Tensor[];
}

describe('PorterDuffImageComposite', () => {
  const composite = (inputs: object) => run(new PorterDuffImageComposite(), inputs);

  it('puts an opaque source over the destination with SRC_OVER', async () => {
    const [image, mask] = await composite({
      source: tensor([1, 2, 2, 3], () => 0.25),
      source_alpha: tensor([1, 2, 2], () => 0),
      destination: tensor([1, 2, 2, 3], () => 0.75),
      destination_alpha: tensor([1, 2, 2], () => 0.5),
      mode: 'SRC_OVER',
    });
    expect(await values(image)).toEqual(Array<number>(12).fill(0.25));
    expect(await values(mask)).toEqual([0, 0, 0, 0]);
  });

  it('clears to black with a fully transparent mask', async () => {
    const [image, mask] = await composite({
      source: tensor([1, 2, 3, 3], () => 0.5),
      source_alpha: tensor([1, 2, 3], () => 0.2),
      destination: tensor([1, 2, 3, 3], () => 0.5),
      destination_alpha: tensor([1, 2, 3], () => 0.2),
      mode: 'CLEAR',
    });
    expect(await values(image)).toEqual(Array<number>(18).fill(0));
    expect(await values(mask)).toEqual(Array<number>(6).fill(1));
  });

  it('gives black where the result has no alpha (no division by zero)', async () => {
    const [image, mask] = await composite({
      source: tensor([1, 1, 2, 3], () => 0.5),
      source_alpha: tensor([1, 1, 2], () => 1),
      destination: tensor([1, 1, 2, 3], () => 0.5),
      destination_alpha: tensor([1, 1, 2], () => 1),
      mode: 'XOR',
    });
    expect(await values(image)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(await values(mask)).toEqual([1, 1]);
  });

  it('takes the smallest batch, accepts a single [height, width] mask and resizes the others', async () => {
    const [image, mask] = await composite({
      source: tensor([3, 8, 8, 3], () => 0.5),
      source_alpha: tensor([4, 4], () => 0),
      destination: tensor([2, 5, 6, 3], () => 0.1),
      destination_alpha: tensor([2, 3, 3], () => 0),
      mode: 'SRC_OVER',
    });
    expect(image.shape).toEqual([1, 5, 6, 3]);
    expect(mask.shape).toEqual([1, 5, 6]);
    for (const v of await values(image)) expect(v).toBeCloseTo(0.5, 6);
  });

  it('refuses images with different channel counts', async () => {
    await expect(
      composite({
        source: tensor([1, 2, 2, 4], () => 0),
        source_alpha: tensor([1, 2, 2], () => 0),
        destination: tensor([1, 2, 2, 3], () => 0),
        destination_alpha: tensor([1, 2, 2], () => 0),
        mode: 'DST',
      }),
    ).rejects.toThrow(/same number of channels, got 4 and 3/);
  });

  it('refuses a MASK of the wrong shape', async () => {
    await expect(
      composite({
        source: tensor([1, 2, 2, 3], () => 0),
        source_alpha: tensor([1, 2, 2, 1], () => 0),
        destination: tensor([1, 2, 2, 3], () => 0),
        destination_alpha: tensor([1, 2, 2], () => 0),
        mode: 'DST',
      }),
    ).rejects.toThrow(/source_alpha must be a MASK of shape \[batch, height, width\], got \[1, 2, 2, 1\]/);
  });
});

describe('SplitImageWithAlpha', () => {
  it('splits RGBA into RGB and 1 - alpha', async () => {
    const [image, mask] = await run(new SplitImageWithAlpha(), {
      image: tensor([1, 1, 2, 4], (i) => [0.1, 0.2, 0.3, 0.25, 0.4, 0.5, 0.6, 1][i]),
    });
    expect(image.shape).toEqual([1, 1, 2, 3]);
    expect(await values(image)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6].map(Math.fround));
    expect(await values(mask)).toEqual([0.75, 0]);
  });

  it('gives an all-zero mask for images without alpha', async () => {
    const [image, mask] = await run(new SplitImageWithAlpha(), { image: tensor([2, 3, 1, 3], () => 0.5) });
    expect(image.shape).toEqual([2, 3, 1, 3]);
    expect(await values(mask)).toEqual(Array<number>(6).fill(0));
  });
});

describe('JoinImageWithAlpha', () => {
  it('replaces the alpha of an RGBA image with 1 - mask', async () => {
    const [out] = await run(new JoinImageWithAlpha(), {
      image: tensor([1, 1, 1, 4], (i) => [0.1, 0.2, 0.3, 0.9][i]),
      alpha: tensor([1, 1, 1], () => 0.25),
    });
    expect(await values(out)).toEqual([0.1, 0.2, 0.3, 0.75].map(Math.fround));
  });

  it('repeats the shorter batch and resizes the mask to the image', async () => {
    const [out] = await run(new JoinImageWithAlpha(), {
      image: tensor([1, 4, 6, 3], () => 0.5),
      alpha: tensor([3, 2, 3], (i) => Math.floor(i / 6) / 4),
    });
    expect(out.shape).toEqual([3, 4, 6, 4]);
    const data = await values(out);
    const plane = 4 * 6 * 4;
    for (let b = 0; b < 3; b++) {
      expect(data[b * plane + 3]).toBeCloseTo(1 - b / 4, 6);
      expect(data[b * plane + plane - 1]).toBeCloseTo(1 - b / 4, 6);
    }
  });

  it('refuses a mask that is not a MASK', async () => {
    await expect(
      run(new JoinImageWithAlpha(), { image: tensor([1, 2, 2, 3], () => 0), alpha: tensor([4], () => 0) }),
    ).rejects.toThrow(/alpha must be a MASK/);
  });
});
