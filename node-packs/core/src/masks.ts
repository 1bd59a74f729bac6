import {
  Input,
  Node,
  type NodeContext,
  type NodeInputs,
  type NodeReturn,
  type Tensor,
  type TensorBackend,
} from '@easel/core';

// ComfyUI's comfy_extras/nodes_mask.py: making, converting and combining MASKs (float32 [B, H, W]).
// ImageCompositeMasked and LatentComposite of the same module live with the image and latent nodes.
const MASK_NODE = {
  category: 'image/mask',
  pythonModule: 'comfy_extras.nodes_mask',
  schema: 'v3',
} as const;
/** ComfyUI's MAX_RESOLUTION. */
const MAX_RESOLUTION = 16384;

const IMAGE_CHANNELS = ['red', 'green', 'blue', 'alpha'] as const;
const COMPOSITE_OPERATIONS = ['multiply', 'add', 'subtract', 'and', 'or', 'xor'] as const;

const describeShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** A MASK of any rank >= 2 as `[batch, height, width]`, as ComfyUI's `reshape((-1, H, W))`. */
async function maskBatch(backend: TensorBackend, mask: Tensor, what = 'MASK'): Promise<Tensor> {
  const { shape } = mask;
  if (shape.length < 2) {
    throw new Error(`${what} must have at least the dimensions [height, width], got ${describeShape(shape)}`);
  }
  if (shape.length === 3) return mask;
  const height = shape[shape.length - 2];
  const width = shape[shape.length - 1];
  const batch = height * width === 0 ? 1 : mask.size / (height * width);
  return backend.reshape(mask, [batch, height, width]);
}

/** The dimensions of an IMAGE, which must be `[batch, height, width, channels]`. */
function imageShape(image: Tensor): [number, number, number, number] {
  if (image.shape.length !== 4) {
    throw new Error(
      `IMAGE must have the shape [batch, height, width, channels], got ${describeShape(image.shape)}`,
    );
  }
  return image.shape as [number, number, number, number];
}

/** `[batch, height, width]` of a mask batch. */
const dims = (mask: Tensor) => mask.shape as [number, number, number];

/**
 * `target` with the block at (`top`, `left`) replaced by `block` (same batch), put together from
 * slices of `target` around it.
 */
async function paste(
  backend: TensorBackend,
  target: Tensor,
  block: Tensor,
  top: number,
  left: number,
): Promise<Tensor> {
  const [batch, height, width] = dims(target);
  const [, rows, columns] = dims(block);
  const bottom = top + rows;
  const right = left + columns;
  const slab = async (y0: number, y1: number, x0: number, x1: number) =>
    y1 > y0 && x1 > x0 ? backend.slice(target, [0, y0, x0], [batch, y1, x1]) : null;
  const joined = async (parts: (Tensor | null)[], axis: number) => {
    const present = parts.filter((p): p is Tensor => p !== null);
    return present.length === 1 ? present[0] : backend.concat(present, axis);
  };
  const band = await joined(
    [await slab(top, bottom, 0, left), block, await slab(top, bottom, right, width)],
    2,
  );
  return joined([await slab(0, top, 0, width), band, await slab(bottom, height, 0, width)], 1);
}

@Node({ ...MASK_NODE, classType: 'SolidMask', displayName: 'Create Solid Mask', outputs: ['MASK'] })
export class SolidMask {
  @Input.float({ default: 1.0, min: 0.0, max: 1.0, step: 0.01 }) value!: number;
  @Input.int({ default: 512, min: 1, max: MAX_RESOLUTION, step: 1 }) width!: number;
  @Input.int({ default: 512, min: 1, max: MAX_RESOLUTION, step: 1 }) height!: number;

  execute({ value, width, height }: NodeInputs<SolidMask>, { backend }: NodeContext): NodeReturn {
    return [backend.full([1, height, width], value, 'float32')];
  }
}

@Node({
  ...MASK_NODE,
  classType: 'InvertMask',
  displayName: 'Invert Mask',
  outputs: ['MASK'],
  searchAliases: ['reverse mask', 'flip mask'],
})
export class InvertMask {
  @Input('MASK') mask!: Tensor;

  async execute({ mask }: NodeInputs<InvertMask>, { backend }: NodeContext): Promise<NodeReturn> {
    return [await backend.binary('sub', 1, mask)];
  }
}

@Node({
  ...MASK_NODE,
  classType: 'CropMask',
  displayName: 'Crop Mask',
  outputs: ['MASK'],
  searchAliases: ['cut mask', 'extract mask region', 'mask slice'],
})
export class CropMask {
  @Input('MASK') mask!: Tensor;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 1 }) x!: number;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 1 }) y!: number;
  @Input.int({ default: 512, min: 1, max: MAX_RESOLUTION, step: 1 }) width!: number;
  @Input.int({ default: 512, min: 1, max: MAX_RESOLUTION, step: 1 }) height!: number;

  async execute(
    { mask, x, y, width, height }: NodeInputs<CropMask>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const masks = await maskBatch(backend, mask);
    const [batch, rows, columns] = dims(masks);
    // like Python slicing: a region past the edge is cut off, one wholly outside is empty
    const y0 = Math.min(Math.max(y, 0), rows);
    const x0 = Math.min(Math.max(x, 0), columns);
    const y1 = Math.max(y0, Math.min(y + height, rows));
    const x1 = Math.max(x0, Math.min(x + width, columns));
    return [await backend.slice(masks, [0, y0, x0], [batch, y1, x1])];
  }
}

@Node({
  ...MASK_NODE,
  classType: 'MaskComposite',
  displayName: 'Combine Masks',
  outputs: ['MASK'],
  searchAliases: ['combine masks', 'blend masks', 'layer masks', 'masks composition'],
})
export class MaskComposite {
  @Input('MASK') destination!: Tensor;
  @Input('MASK') source!: Tensor;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 1 }) x!: number;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 1 }) y!: number;
  @Input.combo(COMPOSITE_OPERATIONS) operation!: (typeof COMPOSITE_OPERATIONS)[number];

  async execute(
    { destination, source, x, y, operation }: NodeInputs<MaskComposite>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    if (!COMPOSITE_OPERATIONS.includes(operation)) {
      throw new Error(
        `unknown operation "${String(operation)}" (expected one of ${COMPOSITE_OPERATIONS.join(', ')})`,
      );
    }
    if (x < 0 || y < 0) throw new Error(`x and y must not be negative, got x=${x}, y=${y}`);
    const target = await maskBatch(backend, destination, 'destination');
    const overlay = await maskBatch(backend, source, 'source');
    const [batch, height, width] = dims(target);
    const [sourceBatch, sourceHeight, sourceWidth] = dims(overlay);
    if (sourceBatch !== 1 && sourceBatch !== batch) {
      throw new Error(
        `source has ${sourceBatch} masks but destination has ${batch}: the source must hold 1 mask or as many as the destination`,
      );
    }
    const right = Math.min(x + sourceWidth, width);
    const bottom = Math.min(y + sourceHeight, height);
    if (right <= x || bottom <= y) return [await backend.clamp(target, 0, 1)];

    const below = await backend.slice(target, [0, y, x], [batch, bottom, right]);
    const above = await backend.slice(overlay, [0, 0, 0], [sourceBatch, bottom - y, right - x]);
    const binary = async (m: Tensor) =>
      backend.cast(await backend.compare('notEqual', await backend.unary('round', m), 0), 'float32');
    let block: Tensor;
    switch (operation) {
      case 'multiply':
        block = await backend.binary('mul', below, above);
        break;
      case 'add':
        block = await backend.binary('add', below, above);
        break;
      case 'subtract':
        block = await backend.binary('sub', below, above);
        break;
      case 'and':
        block = await backend.binary('minimum', await binary(below), await binary(above));
        break;
      case 'or':
        block = await backend.binary('maximum', await binary(below), await binary(above));
        break;
      case 'xor':
        block = await backend.cast(
          await backend.compare('notEqual', await binary(below), await binary(above)),
          'float32',
        );
        break;
    }
    return [await backend.clamp(await paste(backend, target, block, y, x), 0, 1)];
  }
}

@Node({
  ...MASK_NODE,
  classType: 'FeatherMask',
  displayName: 'Feather Mask',
  outputs: ['MASK'],
  searchAliases: ['soft edge mask', 'blur mask edges', 'gradient mask edge'],
})
export class FeatherMask {
  @Input('MASK') mask!: Tensor;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 1 }) left!: number;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 1 }) top!: number;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 1 }) right!: number;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 1 }) bottom!: number;

  async execute(
    { mask, left, top, right, bottom }: NodeInputs<FeatherMask>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    let output = await maskBatch(backend, mask);
    const [, height, width] = dims(output);
    /** Multiplies the `count` rows or columns nearest one edge by the ramp (i + 1) / count (float32). */
    const ramp = async (count: number, length: number, fromFarEdge: boolean, axis: 1 | 2) => {
      const edge = Math.min(count, length);
      if (edge === 0) return;
      const factors = new Float32Array(length).fill(1);
      for (let i = 0; i < edge; i++) {
        const index = fromFarEdge ? length - 1 - i : i;
        factors[index] = (i + 1) / edge;
      }
      const shape = axis === 2 ? [1, 1, length] : [1, length, 1];
      output = await backend.binary('mul', output, backend.fromHost(factors, shape));
    };
    // the same order as ComfyUI, so that corners are rounded the same way
    await ramp(left, width, false, 2);
    await ramp(right, width, true, 2);
    await ramp(top, height, false, 1);
    await ramp(bottom, height, true, 1);
    return [output];
  }
}

/**
 * The maximum (or minimum) of `x` and its copies shifted by `distance` both ways along `axes`
 * (1: rows, 2: columns), where a shift past the edge takes the edge value.
 */
async function shiftedExtreme(
  backend: TensorBackend,
  x: Tensor,
  distance: number,
  axes: readonly (1 | 2)[],
  op: 'maximum' | 'minimum',
): Promise<Tensor> {
  const [batch, height, width] = dims(x);
  const pads = [0, 1, 2].map((axis) => (axes.includes(axis as 1 | 2) ? distance : 0));
  const padded = await backend.pad(
    x,
    pads.map((p) => [p, p] as const),
    'edge',
  );
  let result = x;
  for (const axis of axes) {
    for (const offset of [0, 2 * distance]) {
      const begin = [0, pads[1], pads[2]];
      begin[axis] = offset;
      const end = [batch, begin[1] + height, begin[2] + width];
      result = await backend.binary(op, result, await backend.slice(padded, begin, end));
    }
  }
  return result;
}

@Node({
  ...MASK_NODE,
  classType: 'GrowMask',
  displayName: 'Grow Mask',
  outputs: ['MASK'],
  searchAliases: ['expand mask', 'shrink mask'],
})
export class GrowMask {
  @Input('MASK') mask!: Tensor;
  @Input.int({ default: 0, min: -MAX_RESOLUTION, max: MAX_RESOLUTION, step: 1 }) expand!: number;
  @Input.boolean({ advanced: true, default: true }) tapered_corners!: boolean;

  /**
   * ComfyUI applies scipy's grey dilation (or erosion) with a 3x3 footprint `expand` times; at
   * the edges scipy mirrors the image, which for a 3x3 footprint just leaves out the pixels
   * outside. Repeated n times that is the maximum (minimum) over the pixels inside the image
   * within distance n: a diamond (city-block distance) for the tapered footprint, a square for
   * the full one. Both are built in O(log n) steps of shifted copies: a square of radius r grows
   * to r + m for m <= 2r + 1 along each axis, a diamond of radius r to r + m for m <= r.
   */
  async execute(
    { mask, expand, tapered_corners }: NodeInputs<GrowMask>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    let output = await maskBatch(backend, mask);
    const [, height, width] = dims(output);
    const op = expand < 0 ? 'minimum' : 'maximum';
    // beyond these radii every pixel already sees the whole image
    const widest = tapered_corners ? height - 1 + (width - 1) : Math.max(height, width) - 1;
    const radius = Math.min(Math.abs(expand), Math.max(widest, 0));
    if (radius === 0 || output.size === 0) return [output];
    if (tapered_corners) {
      let reached = 0;
      while (reached < radius) {
        const step = reached === 0 ? 1 : Math.min(reached, radius - reached);
        output = await shiftedExtreme(backend, output, step, [1, 2], op);
        reached += step;
      }
    } else {
      for (const axis of [1, 2] as const) {
        const limit = Math.min(radius, (axis === 1 ? height : width) - 1);
        let reached = 0;
        while (reached < limit) {
          const step = Math.min(2 * reached + 1, limit - reached);
          output = await shiftedExtreme(backend, output, step, [axis], op);
          reached += step;
        }
      }
    }
    return [output];
  }
}

@Node({
  ...MASK_NODE,
  classType: 'ThresholdMask',
  displayName: 'Threshold Mask',
  outputs: ['MASK'],
  searchAliases: ['binary mask'],
})
export class ThresholdMask {
  @Input('MASK') mask!: Tensor;
  @Input.float({ default: 0.5, min: 0.0, max: 1.0, step: 0.01 }) value!: number;

  async execute({ mask, value }: NodeInputs<ThresholdMask>, { backend }: NodeContext): Promise<NodeReturn> {
    return [await backend.cast(await backend.compare('greater', mask, value), 'float32')];
  }
}

@Node({
  ...MASK_NODE,
  classType: 'ImageToMask',
  displayName: 'Convert Image to Mask',
  outputs: ['MASK'],
  searchAliases: ['extract channel', 'channel to mask'],
})
export class ImageToMask {
  @Input('IMAGE') image!: Tensor;
  @Input.combo(IMAGE_CHANNELS) channel!: (typeof IMAGE_CHANNELS)[number];

  async execute({ image, channel }: NodeInputs<ImageToMask>, { backend }: NodeContext): Promise<NodeReturn> {
    const [batch, height, width, channels] = imageShape(image);
    const index = IMAGE_CHANNELS.indexOf(channel);
    if (index < 0) {
      throw new Error(`unknown channel "${String(channel)}" (expected one of ${IMAGE_CHANNELS.join(', ')})`);
    }
    if (index >= channels) {
      throw new Error(
        `the image has ${channels} channel${channels === 1 ? '' : 's'}, so it has no ${channel} channel`,
      );
    }
    const plane = await backend.slice(image, [0, 0, 0, index], [batch, height, width, index + 1]);
    return [await backend.reshape(plane, [batch, height, width])];
  }
}

@Node({
  ...MASK_NODE,
  classType: 'MaskToImage',
  displayName: 'Convert Mask to Image',
  outputs: ['IMAGE'],
  searchAliases: ['convert mask'],
})
export class MaskToImage {
  @Input('MASK') mask!: Tensor;

  async execute({ mask }: NodeInputs<MaskToImage>, { backend }: NodeContext): Promise<NodeReturn> {
    const [batch, height, width] = dims(await maskBatch(backend, mask));
    const column = await backend.reshape(mask, [batch, height, width, 1]);
    return [await backend.tile(column, [1, 1, 1, 3])];
  }
}

@Node({
  ...MASK_NODE,
  classType: 'ImageColorToMask',
  displayName: 'Convert Image Color to Mask',
  outputs: ['MASK'],
  searchAliases: ['color keying', 'chroma key'],
})
export class ImageColorToMask {
  @Input('IMAGE') image!: Tensor;
  @Input.int({ default: 0, min: 0, max: 0xffffff, step: 1, display: 'number' }) color!: number;

  /** 1 where a pixel's colour, as 8-bit `round(255 * clamp(v))` per channel, is `color` (0xRRGGBB). */
  async execute(
    { image, color }: NodeInputs<ImageColorToMask>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const [batch, height, width, channels] = imageShape(image);
    if (channels < 3) {
      throw new Error(
        `the image has ${channels} channel${channels === 1 ? '' : 's'}; a colour needs red, green and blue`,
      );
    }
    const rgb = await backend.slice(image, [0, 0, 0, 0], [batch, height, width, 3]);
    const levels = await backend.unary(
      'round',
      await backend.binary('mul', await backend.clamp(rgb, 0, 1), 255),
    );
    // 0xRRGGBB as a float: every partial sum is an integer below 2^24, so exact in float32
    const weights = backend.fromHost(new Float32Array([65536, 256, 1]), [3, 1]);
    const packed = await backend.reshape(await backend.matmul(levels, weights), [batch, height, width]);
    return [await backend.cast(await backend.compare('equal', packed, color), 'float32')];
  }
}
