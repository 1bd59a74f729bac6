import {
  Input,
  Node,
  RESIZE_METHODS,
  resize,
  roundHalfEven,
  type CropMode,
  type NodeContext,
  type NodeInputs,
  type NodeReturn,
  type ResizeMethod,
  type Tensor,
} from '@easel/core';
import { checkImage, padChannelsWithOnes, withTemporaries } from './image-geometry.js';

// ComfyUI's image nodes of nodes.py (its classic V1 nodes): making, scaling, inverting, batching
// and padding IMAGE tensors (float32 [batch, height, width, channels], 0..1).

const NODES = { pythonModule: 'nodes', schema: 'v1' } as const;
const MAX_RESOLUTION = 16384;
const CROP_METHODS: readonly CropMode[] = ['disabled', 'center'];

/** A batch of images of one colour. */
@Node({
  ...NODES,
  classType: 'EmptyImage',
  displayName: 'Empty Image',
  category: 'image',
  outputs: ['IMAGE'],
})
export class EmptyImage {
  @Input.int({ default: 512, min: 1, max: MAX_RESOLUTION, step: 1 }) width!: number;
  @Input.int({ default: 512, min: 1, max: MAX_RESOLUTION, step: 1 }) height!: number;
  @Input.int({ default: 1, min: 1, max: 4096 }) batch_size!: number;
  @Input.int({ default: 0, min: 0, max: 0xffffff, step: 1, extra: { display: 'color' } }) color!: number;

  async execute(
    { width, height, batch_size, color }: NodeInputs<EmptyImage>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    // each channel is byte / 255 computed in double precision, then stored as float32
    const rgb = Float32Array.of(
      ((color >> 16) & 0xff) / 255,
      ((color >> 8) & 0xff) / 255,
      (color & 0xff) / 255,
    );
    const pixel = backend.fromHost(rgb, [1, 1, 1, 3]);
    try {
      return [await backend.tile(pixel, [batch_size, height, width, 1])];
    } finally {
      pixel.dispose();
    }
  }
}

/** Resizes images to a width and height (0 keeps the aspect ratio from the other one). */
@Node({
  ...NODES,
  classType: 'ImageScale',
  displayName: 'Upscale Image',
  category: 'image/upscaling',
  outputs: ['IMAGE'],
  searchAliases: ['resize', 'resize image', 'scale image', 'image resize', 'zoom', 'zoom in', 'change size'],
  essentialsCategory: 'Image Tools',
})
export class ImageScale {
  @Input('IMAGE') image!: Tensor;
  @Input.combo(RESIZE_METHODS) upscale_method!: ResizeMethod;
  @Input.int({ default: 512, min: 0, max: MAX_RESOLUTION, step: 1 }) width!: number;
  @Input.int({ default: 512, min: 0, max: MAX_RESOLUTION, step: 1 }) height!: number;
  @Input.combo(CROP_METHODS) crop!: CropMode;

  async execute(
    { image, upscale_method, width, height, crop }: NodeInputs<ImageScale>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    checkImage('image', image);
    if (width === 0 && height === 0) return [image];
    const [, oldHeight, oldWidth] = image.shape;
    if (width === 0) width = Math.max(1, roundHalfEven((oldWidth * height) / oldHeight));
    else if (height === 0) height = Math.max(1, roundHalfEven((oldHeight * width) / oldWidth));
    return [await resize(backend, image, 'BHWC', height, width, upscale_method, crop)];
  }
}

/** Resizes images by a factor. */
@Node({
  ...NODES,
  classType: 'ImageScaleBy',
  displayName: 'Upscale Image By',
  category: 'image/upscaling',
  outputs: ['IMAGE'],
  essentialsCategory: 'Image Tools',
})
export class ImageScaleBy {
  @Input('IMAGE') image!: Tensor;
  @Input.combo(RESIZE_METHODS) upscale_method!: ResizeMethod;
  @Input.float({ default: 1, min: 0.01, max: 8, step: 0.01 }) scale_by!: number;

  async execute(
    { image, upscale_method, scale_by }: NodeInputs<ImageScaleBy>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    checkImage('image', image);
    const [, height, width] = image.shape;
    const newWidth = roundHalfEven(width * scale_by);
    const newHeight = roundHalfEven(height * scale_by);
    if (newWidth < 1 || newHeight < 1) {
      throw new Error(
        `scaling a ${width}x${height} image by ${scale_by} gives ${newWidth}x${newHeight}: no pixels left`,
      );
    }
    return [await resize(backend, image, 'BHWC', newHeight, newWidth, upscale_method, 'disabled')];
  }
}

/** 1 - value for every channel (alpha too, as in ComfyUI). */
@Node({
  ...NODES,
  classType: 'ImageInvert',
  displayName: 'Invert Image Colors',
  category: 'image/color',
  outputs: ['IMAGE'],
  searchAliases: ['reverse colors'],
  essentialsCategory: 'Image Tools',
})
export class ImageInvert {
  @Input('IMAGE') image!: Tensor;

  async execute({ image }: NodeInputs<ImageInvert>, { backend }: NodeContext): Promise<NodeReturn> {
    checkImage('image', image);
    return [await backend.binary('sub', 1, image)];
  }
}

/**
 * Appends image2 to the batch of image1. A missing alpha channel is added as ones, and image2 is
 * resized (bilinear, centre crop) to image1's size when they differ.
 */
@Node({
  ...NODES,
  classType: 'ImageBatch',
  displayName: 'Batch Images (DEPRECATED)',
  category: 'image/batch',
  outputs: ['IMAGE'],
  deprecated: true,
  searchAliases: ['combine images', 'merge images', 'stack images'],
})
export class ImageBatch {
  @Input('IMAGE') image1!: Tensor;
  @Input('IMAGE') image2!: Tensor;

  async execute({ image1, image2 }: NodeInputs<ImageBatch>, { backend }: NodeContext): Promise<NodeReturn> {
    checkImage('image1', image1);
    checkImage('image2', image2);
    return withTemporaries(async (track) => {
      let first = image1;
      let second = image2;
      // like ComfyUI, one channel of ones is added to the image with fewer channels
      if (first.shape[3] > second.shape[3]) second = track(await padChannelsWithOnes(backend, second, 1));
      else if (first.shape[3] < second.shape[3]) first = track(await padChannelsWithOnes(backend, first, 1));
      if (first.shape[3] !== second.shape[3]) {
        throw new Error(
          `cannot batch images with ${image1.shape[3]} and ${image2.shape[3]} channels (they may differ by one: alpha)`,
        );
      }
      const [, height, width] = first.shape;
      if (second.shape[1] !== height || second.shape[2] !== width) {
        second = track(await resize(backend, second, 'BHWC', height, width, 'bilinear', 'center'));
      }
      return [await backend.concat([first, second], 0)];
    });
  }
}

/**
 * Puts images on a larger canvas (filled with 0.5) and returns a mask of the new area; with
 * feathering, the mask also fades into the image edges that border new area.
 */
@Node({
  ...NODES,
  classType: 'ImagePadForOutpaint',
  displayName: 'Pad Image for Outpainting',
  category: 'image/transform',
  outputs: ['IMAGE', 'MASK'],
  searchAliases: ['extend canvas', 'expand image'],
})
export class ImagePadForOutpaint {
  @Input('IMAGE') image!: Tensor;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 8 }) left!: number;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 8 }) top!: number;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 8 }) right!: number;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 8 }) bottom!: number;
  @Input.int({ default: 40, min: 0, max: MAX_RESOLUTION, step: 1, advanced: true }) feathering!: number;

  async execute(
    { image, left, top, right, bottom, feathering }: NodeInputs<ImagePadForOutpaint>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    checkImage('image', image);
    const [, height, width] = image.shape;
    return withTemporaries(async (track) => {
      const padded = track(
        await backend.pad(
          image,
          [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ],
          'constant',
          0.5,
        ),
      );

      // the mask over the original image: 0, or (f - d)^2 / f^2 within f pixels of a padded edge,
      // d being the distance to the nearest padded edge (edges without padding do not count)
      let inner: Tensor;
      if (feathering > 0 && feathering * 2 < height && feathering * 2 < width) {
        const distances = (size: number, before: number, after: number) =>
          Float32Array.from({ length: size }, (_, i) =>
            Math.min(before !== 0 ? i : size, after !== 0 ? size - i : size, feathering),
          );
        const rows = track(backend.fromHost(distances(height, top, bottom), [height, 1]));
        const columns = track(backend.fromHost(distances(width, left, right), [1, width]));
        const nearest = track(await backend.binary('minimum', rows, columns));
        const index = track(await backend.cast(nearest, 'int32'));
        // ComfyUI computes each value in double precision; a table per distance keeps that exact
        const table = Float32Array.from({ length: feathering + 1 }, (_, d) => {
          const v = (feathering - d) / feathering;
          return v * v;
        });
        inner = track(await backend.gather(track(backend.fromHost(table, [feathering + 1])), index, 0));
      } else {
        inner = track(backend.full([height, width], 0));
      }
      const mask = track(
        await backend.pad(
          inner,
          [
            [top, bottom],
            [left, right],
          ],
          'constant',
          1,
        ),
      );
      return [padded, await backend.reshape(mask, [1, ...mask.shape])];
    });
  }
}
