import {
  Input,
  Node,
  type NodeContext,
  type NodeInputs,
  type NodeReturn,
  type Tensor,
  type TensorBackend,
} from '@easel/core';
import {
  checkImage,
  checkMask,
  padChannelsWithOnes,
  pasteRegion,
  repeatToBatch,
  withTemporaries,
} from './image-geometry.js';

// ComfyUI's ImageCompositeMasked, from comfy_extras/nodes_mask.py (the mask nodes of that module
// live in masks.ts). ComfyUI shares its `composite` helper with LatentComposite; this is the
// image (pixel-unit) use of it.

/**
 * Pastes `source` into `destination` (both `[B, H, W, C]`) with its top-left corner at
 * (`left`, `top`), blended by `mask` (`[B, h, w]`, resized to the source) where given; the part
 * of the source outside the destination is dropped.
 */
async function composite(
  backend: TensorBackend,
  destination: Tensor,
  source: Tensor,
  left: number,
  top: number,
  mask: Tensor | undefined,
  resizeSource: boolean,
): Promise<Tensor> {
  return withTemporaries(async (track) => {
    const [batch, height, width, channels] = destination.shape;
    let src = source;
    if (resizeSource) src = track(await backend.resize(src, [1, 2], height, width, 'bilinear'));
    const repeated = await repeatToBatch(backend, src, batch);
    if (repeated !== src) src = track(repeated);
    const [, srcHeight, srcWidth] = src.shape;
    const x = Math.max(0, Math.min(left, width));
    const y = Math.max(0, Math.min(top, height));
    const visibleWidth = Math.min(srcWidth, width - x);
    const visibleHeight = Math.min(srcHeight, height - y);
    if (visibleWidth <= 0 || visibleHeight <= 0) return destination;

    let patch = src;
    if (visibleWidth < srcWidth || visibleHeight < srcHeight) {
      patch = track(await backend.slice(src, [0, 0, 0, 0], [batch, visibleHeight, visibleWidth, channels]));
    }
    if (mask !== undefined) {
      // blend: mask * source + (1 - mask) * destination, with the mask resized to the source
      const [maskHeight, maskWidth] = mask.shape.slice(-2);
      let m = track(
        await backend.reshape(mask, [mask.size / (maskHeight * maskWidth), maskHeight, maskWidth, 1]),
      );
      m = track(await backend.resize(m, [1, 2], srcHeight, srcWidth, 'bilinear'));
      const repeatedMask = await repeatToBatch(backend, m, batch);
      if (repeatedMask !== m) m = track(repeatedMask);
      if (visibleWidth < srcWidth || visibleHeight < srcHeight) {
        m = track(await backend.slice(m, [0, 0, 0, 0], [batch, visibleHeight, visibleWidth, 1]));
      }
      const under = track(
        await backend.slice(
          destination,
          [0, y, x, 0],
          [batch, y + visibleHeight, x + visibleWidth, channels],
        ),
      );
      const inverse = track(await backend.binary('sub', 1, m));
      const over = track(await backend.binary('mul', m, patch));
      const kept = track(await backend.binary('mul', inverse, under));
      patch = track(await backend.binary('add', over, kept));
    }
    // without a mask ComfyUI blends with ones: 1 * source + 0 * destination, which is the source
    return pasteRegion(backend, destination, patch, y, x);
  });
}

/** Pastes the source image into the destination at (x, y), through an optional mask. */
@Node({
  classType: 'ImageCompositeMasked',
  displayName: 'Image Composite Masked',
  category: 'image/compositing',
  pythonModule: 'comfy_extras.nodes_mask',
  schema: 'v3',
  outputs: ['IMAGE'],
  searchAliases: ['overlay', 'layer', 'paste image', 'images composition'],
})
export class ImageCompositeMasked {
  @Input('IMAGE', {}) destination!: Tensor;
  @Input('IMAGE', {}) source!: Tensor;
  @Input.int({ default: 0, min: 0, max: 16384, step: 1 }) x!: number;
  @Input.int({ default: 0, min: 0, max: 16384, step: 1 }) y!: number;
  @Input.boolean({ default: false }) resize_source!: boolean;
  @Input('MASK', { optional: true }) mask?: Tensor;

  async execute(
    { destination, source, x, y, resize_source, mask }: NodeInputs<ImageCompositeMasked>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    checkImage('destination', destination);
    checkImage('source', source);
    if (mask !== undefined && mask !== null) checkMask('mask', mask);
    return withTemporaries(async (track) => {
      // match the source's channels to the destination's: drop extra ones, or add alpha = 1
      const channels = destination.shape[3];
      let src = source;
      if (src.shape[3] > channels) {
        src = track(await backend.slice(src, [0, 0, 0, 0], [...src.shape.slice(0, 3), channels]));
      } else if (src.shape[3] < channels) {
        src = track(await padChannelsWithOnes(backend, src, 1));
      }
      if (src.shape[3] !== channels) {
        throw new Error(
          `cannot composite a ${source.shape[3]}-channel source onto a ${channels}-channel destination`,
        );
      }
      return [await composite(backend, destination, src, x, y, mask ?? undefined, resize_source)];
    });
  }
}
