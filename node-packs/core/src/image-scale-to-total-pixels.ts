import {
  Input,
  Node,
  RESIZE_METHODS,
  resize,
  roundHalfEven,
  type NodeContext,
  type NodeInputs,
  type NodeReturn,
  type ResizeMethod,
  type Tensor,
} from '@easel/core';
import { checkImage } from './image-geometry.js';

// ComfyUI's ImageScaleToTotalPixels, from comfy_extras/nodes_post_processing.py (the other nodes
// of that module live in image-filters.ts).

/** Resizes images to about `megapixels` million pixels (2^20 each), keeping their aspect ratio. */
@Node({
  classType: 'ImageScaleToTotalPixels',
  displayName: 'Scale Image to Total Pixels',
  category: 'image/upscaling',
  pythonModule: 'comfy_extras.nodes_post_processing',
  schema: 'v3',
  outputs: ['IMAGE'],
})
export class ImageScaleToTotalPixels {
  @Input('IMAGE', {}) image!: Tensor;
  @Input.combo(RESIZE_METHODS) upscale_method!: ResizeMethod;
  @Input.float({ default: 1, min: 0.01, max: 16, step: 0.01 }) megapixels!: number;
  /** Width and height are rounded to multiples of this. */
  @Input.int({ advanced: true, default: 1, min: 1, max: 256 }) resolution_steps!: number;

  async execute(
    { image, upscale_method, megapixels, resolution_steps }: NodeInputs<ImageScaleToTotalPixels>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    checkImage('image', image);
    const [, height, width] = image.shape;
    const total = megapixels * 1024 * 1024;
    const scale = Math.sqrt(total / (width * height));
    const steps = resolution_steps;
    const newWidth = roundHalfEven((width * scale) / steps) * steps;
    const newHeight = roundHalfEven((height * scale) / steps) * steps;
    if (newWidth < 1 || newHeight < 1) {
      throw new Error(
        `a ${width}x${height} image scaled to ${megapixels} megapixels in steps of ${steps} has no pixels left (${newWidth}x${newHeight})`,
      );
    }
    return [await resize(backend, image, 'BHWC', newHeight, newWidth, upscale_method, 'disabled')];
  }
}
