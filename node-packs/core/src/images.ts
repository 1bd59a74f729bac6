import {
  Input,
  Node,
  resize,
  type NodeContext,
  type NodeInputs,
  type NodeReturn,
  type Tensor,
} from '@easel/core';
import { checkImage, padChannelsWithOnes, sliceAxis, withTemporaries } from './image-geometry.js';

// ComfyUI's comfy_extras/nodes_images.py (schema nodes): cropping, flipping, rotating and
// stitching images, and picking or repeating batch items.

const NODES_IMAGES = { pythonModule: 'comfy_extras.nodes_images', schema: 'v3' } as const;
const MAX_RESOLUTION = 16384;

/** A rectangle of the images; the corner is kept inside, the size is cut at the edges. */
@Node({
  ...NODES_IMAGES,
  classType: 'ImageCrop',
  displayName: 'Crop Image (DEPRECATED)',
  category: 'image/transform',
  outputs: ['IMAGE'],
  deprecated: true,
  searchAliases: ['trim'],
  essentialsCategory: 'Image Tools',
})
export class ImageCrop {
  @Input('IMAGE', {}) image!: Tensor;
  @Input.int({ default: 512, min: 1, max: MAX_RESOLUTION, step: 1 }) width!: number;
  @Input.int({ default: 512, min: 1, max: MAX_RESOLUTION, step: 1 }) height!: number;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 1 }) x!: number;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 1 }) y!: number;

  async execute(
    { image, width, height, x, y }: NodeInputs<ImageCrop>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    checkImage('image', image);
    const [batch, imageHeight, imageWidth, channels] = image.shape;
    const left = Math.min(x, imageWidth - 1);
    const top = Math.min(y, imageHeight - 1);
    const right = Math.min(left + width, imageWidth);
    const bottom = Math.min(top + height, imageHeight);
    return [await backend.slice(image, [0, top, left, 0], [batch, bottom, right, channels])];
  }
}

/** Mirrors images: "x-axis" turns them upside down, "y-axis" left to right. */
@Node({
  ...NODES_IMAGES,
  classType: 'ImageFlip',
  displayName: 'Flip Image',
  category: 'image/transform',
  outputs: ['IMAGE'],
  searchAliases: ['mirror', 'reflect'],
})
export class ImageFlip {
  @Input('IMAGE', {}) image!: Tensor;
  @Input.combo(['x-axis: vertically', 'y-axis: horizontally']) flip_method!: string;

  async execute(
    { image, flip_method }: NodeInputs<ImageFlip>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    checkImage('image', image);
    if (flip_method.startsWith('x')) return [await backend.flip(image, [1])];
    if (flip_method.startsWith('y')) return [await backend.flip(image, [2])];
    return [image];
  }
}

/** Rotates images clockwise by quarter turns. */
@Node({
  ...NODES_IMAGES,
  classType: 'ImageRotate',
  displayName: 'Rotate Image',
  category: 'image/transform',
  outputs: ['IMAGE'],
  searchAliases: ['turn', 'flip orientation'],
  essentialsCategory: 'Image Tools',
})
export class ImageRotate {
  @Input('IMAGE', {}) image!: Tensor;
  @Input.combo(['none', '90 degrees', '180 degrees', '270 degrees']) rotation!: string;

  async execute({ image, rotation }: NodeInputs<ImageRotate>, { backend }: NodeContext): Promise<NodeReturn> {
    checkImage('image', image);
    const swapAxes = [0, 2, 1, 3];
    if (rotation.startsWith('180')) return [await backend.flip(image, [1, 2])];
    const quarter = rotation.startsWith('90') ? 1 : rotation.startsWith('270') ? 3 : 0;
    if (quarter === 0) return [image];
    // clockwise: the bottom row becomes the first column; counter-clockwise: the last column the first row
    const flipped = await backend.flip(image, [quarter === 1 ? 1 : 2]);
    try {
      return [await backend.transpose(flipped, swapAxes)];
    } finally {
      flipped.dispose();
    }
  }
}

type Direction = 'right' | 'down' | 'left' | 'up';
type SpacingColor = 'white' | 'black' | 'red' | 'green' | 'blue';
const SPACING_COLORS: Record<SpacingColor, number | readonly [number, number, number]> = {
  white: 1,
  black: 0,
  red: [1, 0, 0],
  green: [0, 1, 0],
  blue: [0, 0, 1],
};

/** Joins image2 to a side of image1, optionally with a coloured gap between them. */
@Node({
  ...NODES_IMAGES,
  classType: 'ImageStitch',
  displayName: 'Stitch Images',
  category: 'image/transform',
  description:
    'Joins image2 to image1 on the chosen side, resized to fit or padded, with optional spacing in ' +
    'between. Without image2, image1 passes through unchanged.',
  outputs: ['IMAGE'],
  searchAliases: ['combine images', 'join images', 'concatenate images', 'side by side'],
})
export class ImageStitch {
  @Input('IMAGE', {}) image1!: Tensor;
  @Input.combo(['right', 'down', 'left', 'up'], { default: 'right' }) direction!: Direction;
  @Input.boolean({ default: true }) match_image_size!: boolean;
  @Input.int({ advanced: true, default: 0, min: 0, max: 1024, step: 2 }) spacing_width!: number;
  @Input.combo(['white', 'black', 'red', 'green', 'blue'], { advanced: true, default: 'white' })
  spacing_color!: SpacingColor;
  @Input('IMAGE', { optional: true }) image2?: Tensor;

  async execute(
    { image1, direction, match_image_size, spacing_width, spacing_color, image2 }: NodeInputs<ImageStitch>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    checkImage('image1', image1);
    if (image2 === undefined || image2 === null) return [image1];
    checkImage('image2', image2);
    const horizontal = direction === 'left' || direction === 'right';
    const color = SPACING_COLORS[spacing_color];

    return withTemporaries(async (track) => {
      let first = image1;
      let second = image2;

      // the shorter batch repeats its last image
      const batch = Math.max(first.shape[0], second.shape[0]);
      const extend = async (x: Tensor) => {
        if (x.shape[0] === batch) return x;
        const last = track(await sliceAxis(backend, x, 0, x.shape[0] - 1, x.shape[0]));
        const copies = track(await backend.tile(last, [batch - x.shape[0], 1, 1, 1]));
        return track(await backend.concat([x, copies], 0));
      };
      first = await extend(first);
      second = await extend(second);

      if (match_image_size) {
        const [, height1, width1] = first.shape;
        const [, height2, width2] = second.shape;
        const aspect = width2 / height2;
        const [height, width] = horizontal
          ? [height1, Math.trunc(height1 * aspect)]
          : [Math.trunc(width1 / aspect), width1];
        if (height < 1 || width < 1) {
          throw new Error(
            `image2 (${width2}x${height2}) cannot be matched to image1: it would be ${width}x${height}`,
          );
        }
        second = track(await resize(backend, second, 'BHWC', height, width, 'lanczos', 'disabled'));
      } else {
        // centre the smaller image across the stitch, padded with the spacing colour (black for RGB colours)
        const padValue = typeof color === 'number' ? color : 0;
        const axis = horizontal ? 1 : 2;
        const size = Math.max(first.shape[axis], second.shape[axis]);
        const centre = async (x: Tensor) => {
          const missing = size - x.shape[axis];
          if (missing === 0) return x;
          const before = Math.floor(missing / 2);
          const pads: [number, number][] = [
            [0, 0],
            [0, 0],
            [0, 0],
            [0, 0],
          ];
          pads[axis] = [before, missing - before];
          return track(await backend.pad(x, pads, 'constant', padValue));
        };
        first = await centre(first);
        second = await centre(second);
      }

      const channels = Math.max(first.shape[3], second.shape[3]);
      if (first.shape[3] < channels)
        first = track(await padChannelsWithOnes(backend, first, channels - first.shape[3]));
      if (second.shape[3] < channels) {
        second = track(await padChannelsWithOnes(backend, second, channels - second.shape[3]));
      }

      const ordered = direction === 'left' || direction === 'up' ? [second, first] : [first, second];
      if (spacing_width > 0) {
        const gap = spacing_width + (spacing_width % 2);
        const shape = horizontal
          ? [batch, Math.max(first.shape[1], second.shape[1]), gap, channels]
          : [batch, gap, Math.max(first.shape[2], second.shape[2]), channels];
        // one pixel of the spacing colour, then tiled: RGB from the colour, alpha 1, others 0
        const pixel = new Float32Array(channels);
        for (let c = 0; c < channels; c++) {
          if (typeof color === 'number') pixel[c] = c < 3 ? color : 0;
          else pixel[c] = c < 3 ? color[c] : 0;
        }
        if (channels === 4) pixel[3] = 1;
        const one = track(backend.fromHost(pixel, [1, 1, 1, channels]));
        const spacing = track(await backend.tile(one, [shape[0], shape[1], shape[2], 1]));
        ordered.splice(1, 0, spacing);
      }
      const axis = horizontal ? 2 : 1;
      const other = horizontal ? 1 : 2;
      if (ordered.some((x) => x.shape[other] !== ordered[0].shape[other])) {
        throw new Error(
          `cannot stitch images of ${ordered.map((x) => `${x.shape[2]}x${x.shape[1]}`).join(' and ')} ${direction}`,
        );
      }
      return [await backend.concat(ordered, axis)];
    });
  }
}

/** The batch repeated `amount` times. */
@Node({
  ...NODES_IMAGES,
  classType: 'RepeatImageBatch',
  displayName: 'Repeat Image Batch',
  category: 'image/batch',
  outputs: ['IMAGE'],
  searchAliases: ['duplicate image', 'clone image'],
})
export class RepeatImageBatch {
  @Input('IMAGE', {}) image!: Tensor;
  @Input.int({ default: 1, min: 1, max: 4096 }) amount!: number;

  async execute(
    { image, amount }: NodeInputs<RepeatImageBatch>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    checkImage('image', image);
    return [await backend.tile(image, [amount, 1, 1, 1])];
  }
}

/** `length` images from `batch_index` on (negative indices count from the end), kept inside the batch. */
@Node({
  ...NODES_IMAGES,
  classType: 'ImageFromBatch',
  displayName: 'Get Image from Batch',
  category: 'image/batch',
  outputs: ['IMAGE'],
  searchAliases: ['select image', 'pick from batch', 'extract image'],
})
export class ImageFromBatch {
  @Input('IMAGE', {}) image!: Tensor;
  @Input.int({ default: 0, min: -MAX_RESOLUTION, max: MAX_RESOLUTION }) batch_index!: number;
  @Input.int({ default: 1, min: 1, max: 4096 }) length!: number;

  async execute(
    { image, batch_index, length }: NodeInputs<ImageFromBatch>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    checkImage('image', image);
    const count = image.shape[0];
    const start = Math.max(0, Math.min(count - 1, batch_index < 0 ? batch_index + count : batch_index));
    const end = start + Math.min(count - start, length);
    return [await sliceAxis(backend, image, 0, start, end)];
  }
}
