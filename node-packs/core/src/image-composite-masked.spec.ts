import type { NodeContext, Tensor } from '@easel/core';
import { OnnxBackend } from '@easel/backend-onnx';
import { ImageCompositeMasked } from './image-composite-masked.js';

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

async function values(tensor: unknown): Promise<number[]> {
  return Array.from(await backend.read(tensor as Tensor));
}

const composite = (inputs: Partial<ImageCompositeMasked>) =>
  new ImageCompositeMasked().execute(
    {
      destination: backend.full([1, 2, 3, 1], 0),
      source: backend.full([1, 1, 1, 1], 1),
      x: 0,
      y: 0,
      resize_source: false,
      ...inputs,
    },
    context,
  ) as Promise<[Tensor]>;

describe('ImageCompositeMasked', () => {
  it('pastes at (x, y) and drops what falls outside the destination', async () => {
    const [out] = await composite({ source: backend.full([1, 2, 2, 1], 1), x: 2, y: 1 });
    expect(out.shape).toEqual([1, 2, 3, 1]);
    expect(await values(out)).toEqual([0, 0, 0, 0, 0, 1]);
  });

  it('leaves the destination as it is when the source lands outside it', async () => {
    const [out] = await composite({ x: 3, y: 0 });
    expect(await values(out)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('blends through a single [h, w] mask and fits the source batch to the destination', async () => {
    const destination = backend.full([2, 1, 2, 1], 0.5);
    const source = backend.fromHost(Float32Array.of(1, 1, 0, 0, 0.2, 0.2), [3, 1, 2, 1]);
    const mask = backend.fromHost(Float32Array.of(1, 0.5), [1, 2]);
    const [out] = await composite({ destination, source, mask });
    expect(out.shape).toEqual([2, 1, 2, 1]);
    expect(await values(out)).toEqual([1, 0.75, 0, 0.25]);
  });

  it('refuses channel counts it cannot match and masks of the wrong rank', async () => {
    await expect(
      composite({ destination: backend.full([1, 2, 2, 4], 0), source: backend.full([1, 2, 2, 2], 0) }),
    ).rejects.toThrow('cannot composite a 2-channel source onto a 4-channel destination');
    await expect(composite({ mask: backend.full([1, 1, 2, 2], 1) })).rejects.toThrow(
      'mask must be a MASK of shape [batch, height, width], got [1, 1, 2, 2]',
    );
  });
});
