import type { NodeContext, Tensor } from '@easel/core';
import { OnnxBackend } from '@easel/backend-onnx';
import { ImageScaleToTotalPixels } from './image-scale-to-total-pixels.js';

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

const scale = (image: Tensor, megapixels: number, resolution_steps: number) =>
  new ImageScaleToTotalPixels().execute(
    { image, upscale_method: 'nearest-exact', megapixels, resolution_steps },
    context,
  ) as Promise<[Tensor]>;

describe('ImageScaleToTotalPixels', () => {
  it('keeps the aspect ratio and rounds both sides to the resolution steps', async () => {
    // 0.01 MP = 10485.76 pixels; 20 x 10 scales by 7.24 to 144.8 x 72.4
    expect((await scale(backend.full([1, 10, 20, 3], 0), 0.01, 1))[0].shape).toEqual([1, 72, 145, 3]);
    expect((await scale(backend.full([1, 10, 20, 3], 0), 0.01, 16))[0].shape).toEqual([1, 80, 144, 3]);
  });

  it('says so when a side would round to 0 pixels', async () => {
    await expect(scale(backend.full([1, 1, 4096, 3], 0), 0.01, 8)).rejects.toThrow(
      'a 4096x1 image scaled to 0.01 megapixels in steps of 8 has no pixels left (6552x0)',
    );
  });

  it('refuses a MASK', async () => {
    await expect(scale(backend.full([1, 8, 8], 0), 1, 1)).rejects.toThrow('image must be an IMAGE');
  });
});
