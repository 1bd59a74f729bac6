import {
  Input,
  Node,
  resize,
  type NodeContext,
  type NodeInputs,
  type NodeReturn,
  type Tensor,
  type TensorBackend,
} from '@easel/core';

// ComfyUI's comfy_extras/nodes_compositing.py: Porter-Duff compositing of images with separate
// alpha masks, and splitting and joining an image's alpha channel. A MASK is 1 - alpha.

const COMPOSITING = {
  category: 'image/compositing',
  pythonModule: 'comfy_extras.nodes_compositing',
  schema: 'v3',
} as const;

type Track = (t: Tensor) => Tensor;

/**
 * Runs `work` with a `track` function for intermediate tensors; every tracked tensor except those
 * `work` returns is disposed afterwards, also when it throws.
 */
async function withScope<T extends Tensor | Tensor[]>(work: (track: Track) => Promise<T>): Promise<T> {
  const tracked: Tensor[] = [];
  let result: T | undefined;
  try {
    result = await work((t) => {
      tracked.push(t);
      return t;
    });
    return result;
  } finally {
    const kept = new Set<Tensor>(Array.isArray(result) ? result : result ? [result] : []);
    for (const t of tracked) if (!kept.has(t) && !t.disposed) t.dispose();
  }
}

function describeShape(tensor: unknown): string {
  const shape = (tensor as Partial<Tensor> | null)?.shape;
  return Array.isArray(shape) ? `[${shape.join(', ')}]` : typeof tensor;
}

/** Throws unless `tensor` is an IMAGE: a `[batch, height, width, channels]` tensor. */
function checkImage(input: string, tensor: Tensor): void {
  const shape = (tensor as Partial<Tensor> | null)?.shape;
  if (!Array.isArray(shape) || shape.length !== 4 || shape.some((d) => d < 1)) {
    throw new Error(
      `${input} must be an IMAGE of shape [batch, height, width, channels], got ${describeShape(tensor)}`,
    );
  }
}

/** A MASK as `[batch, height, width]` (a single `[height, width]` mask is a batch of one). */
async function maskBatch(backend: TensorBackend, input: string, tensor: Tensor): Promise<Tensor> {
  const shape = (tensor as Partial<Tensor> | null)?.shape;
  if (!Array.isArray(shape) || shape.length < 2 || shape.length > 3 || shape.some((d) => d < 1)) {
    throw new Error(`${input} must be a MASK of shape [batch, height, width], got ${describeShape(tensor)}`);
  }
  return tensor.shape.length === 3 ? tensor : backend.reshape(tensor, [1, ...tensor.shape]);
}

/** The first `count` items of a batch. */
function firstItems(backend: TensorBackend, x: Tensor, count: number): Promise<Tensor> | Tensor {
  if (x.shape[0] === count) return x;
  const [, ...rest] = x.shape;
  return backend.slice(x, [0, ...rest.map(() => 0)], [count, ...rest]);
}

/** ComfyUI's repeat_to_batch_size: the batch cut to `count` items, or repeated cyclically up to it. */
async function repeatToBatch(
  backend: TensorBackend,
  track: Track,
  x: Tensor,
  count: number,
): Promise<Tensor> {
  const [current, ...rest] = x.shape;
  if (current === count) return x;
  const tiled =
    current > count ? x : track(await backend.tile(x, [Math.ceil(count / current), ...rest.map(() => 1)]));
  return track(await backend.slice(tiled, [0, ...rest.map(() => 0)], [count, ...rest]));
}

// --- PorterDuffImageComposite ------------------------------------------------------------------

const PORTER_DUFF_MODES = [
  'ADD',
  'CLEAR',
  'DARKEN',
  'DST',
  'DST_ATOP',
  'DST_IN',
  'DST_OUT',
  'DST_OVER',
  'LIGHTEN',
  'MULTIPLY',
  'OVERLAY',
  'SCREEN',
  'SRC',
  'SRC_ATOP',
  'SRC_IN',
  'SRC_OUT',
  'SRC_OVER',
  'XOR',
] as const;
type PorterDuffMode = (typeof PORTER_DUFF_MODES)[number];

/**
 * Composites a source image over (or under, in, out of...) a destination image with one of the
 * Porter-Duff operators, each image with its own MASK (1 - alpha). The batch is the smallest of
 * the four inputs; the destination mask, source image and source mask are resized (bicubic,
 * centre crop) to the destination image where their sizes differ.
 */
@Node({
  ...COMPOSITING,
  classType: 'PorterDuffImageComposite',
  displayName: 'Porter-Duff Image Composite',
  outputs: ['IMAGE', 'MASK'],
  searchAliases: ['alpha composite', 'blend modes', 'layer blend', 'transparency blend'],
})
export class PorterDuffImageComposite {
  @Input('IMAGE') source!: Tensor;
  @Input('MASK') source_alpha!: Tensor;
  @Input('IMAGE') destination!: Tensor;
  @Input('MASK') destination_alpha!: Tensor;
  @Input.combo(PORTER_DUFF_MODES, { default: 'DST' }) mode!: PorterDuffMode;

  async execute(
    { source, source_alpha, destination, destination_alpha, mode }: NodeInputs<PorterDuffImageComposite>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    checkImage('source', source);
    checkImage('destination', destination);
    if (!PORTER_DUFF_MODES.includes(mode))
      throw new Error(`unknown Porter-Duff mode ${JSON.stringify(mode)}`);
    const [, height, width, channels] = destination.shape;
    if (source.shape[3] !== channels) {
      throw new Error(
        `source and destination must have the same number of channels, got ${source.shape[3]} and ${channels}`,
      );
    }
    const outputs = await withScope(async (track) => {
      const keep = (t: Tensor | Promise<Tensor>, original: Tensor) =>
        Promise.resolve(t).then((r) => (r === original ? r : track(r)));
      const srcMask = await keep(maskBatch(backend, 'source_alpha', source_alpha), source_alpha);
      const dstMask = await keep(
        maskBatch(backend, 'destination_alpha', destination_alpha),
        destination_alpha,
      );
      const batch = Math.min(source.shape[0], srcMask.shape[0], destination.shape[0], dstMask.shape[0]);

      // per-pixel alpha as [batch, height, width, 1], everything at the destination's size
      const fit = async (x: Tensor): Promise<Tensor> => {
        const first = await keep(firstItems(backend, x, batch), x);
        const [, h, w] = first.shape;
        if (h === height && w === width) return first;
        return track(await resize(backend, first, 'BHWC', height, width, 'bicubic', 'center'));
      };
      const asAlphaChannel = async (mask: Tensor) => {
        const [count, h, w] = mask.shape;
        return track(await backend.reshape(mask, [count, h, w, 1]));
      };
      const dstImage = await keep(firstItems(backend, destination, batch), destination);
      const srcImage = await fit(source);
      const dstAlphaMask = await fit(await asAlphaChannel(dstMask));
      const srcAlphaMask = await fit(await asAlphaChannel(srcMask));
      const [image, alpha] = await porterDuff(
        backend,
        track,
        srcImage,
        srcAlphaMask,
        dstImage,
        dstAlphaMask,
        mode,
      );
      const mask = track(await backend.reshape(alpha, [batch, height, width]));
      return [image, mask];
    });
    return outputs;
  }
}

/** ComfyUI's porter_duff_composite on premultiplied colours; returns the image and its MASK. */
async function porterDuff(
  b: TensorBackend,
  track: Track,
  srcImage: Tensor,
  srcMask: Tensor,
  dstImage: Tensor,
  dstMask: Tensor,
  mode: PorterDuffMode,
): Promise<[Tensor, Tensor]> {
  const op = async (
    name: 'add' | 'sub' | 'mul' | 'div' | 'minimum' | 'maximum',
    x: Tensor | number,
    y: Tensor | number,
  ) => track(await b.binary(name, x, y));
  const sa = await op('sub', 1, srcMask);
  const da = await op('sub', 1, dstMask);
  const si = await op('mul', srcImage, sa);
  const di = await op('mul', dstImage, da);
  const inv = async (x: Tensor) => op('sub', 1, x);
  // sa + da - sa * da
  const union = async () => op('sub', await op('add', sa, da), await op('mul', sa, da));
  // (1 - da) * si + (1 - sa) * di
  const exclusive = async () =>
    op('add', await op('mul', await inv(da), si), await op('mul', await inv(sa), di));

  let outAlpha: Tensor;
  let outImage: Tensor;
  switch (mode) {
    case 'ADD':
      outAlpha = track(await b.clamp(await op('add', sa, da), 0, 1));
      outImage = track(await b.clamp(await op('add', si, di), 0, 1));
      break;
    case 'CLEAR':
      outAlpha = track(b.full(da.shape, 0));
      outImage = track(b.full(di.shape, 0));
      break;
    case 'DARKEN':
    case 'LIGHTEN':
      outAlpha = await union();
      outImage = await op(
        'add',
        await exclusive(),
        await op(mode === 'DARKEN' ? 'minimum' : 'maximum', si, di),
      );
      break;
    case 'DST':
      outAlpha = da;
      outImage = di;
      break;
    case 'DST_ATOP':
      outAlpha = sa;
      outImage = await op('add', await op('mul', sa, di), await op('mul', await inv(da), si));
      break;
    case 'DST_IN':
      outAlpha = await op('mul', sa, da);
      outImage = await op('mul', di, sa);
      break;
    case 'DST_OUT':
      outAlpha = await op('mul', await inv(sa), da);
      outImage = await op('mul', await inv(sa), di);
      break;
    case 'DST_OVER':
      outAlpha = await op('add', da, await op('mul', await inv(da), sa));
      outImage = await op('add', di, await op('mul', await inv(da), si));
      break;
    case 'MULTIPLY':
      outAlpha = await op('mul', sa, da);
      outImage = await op('mul', si, di);
      break;
    case 'OVERLAY': {
      outAlpha = await union();
      const cond = track(await b.compare('less', await op('mul', 2, di), da));
      const low = await op('mul', await op('mul', 2, si), di);
      const high = await op(
        'sub',
        await op('mul', sa, da),
        await op('mul', await op('mul', 2, await op('sub', da, si)), await op('sub', sa, di)),
      );
      outImage = track(await b.where(cond, low, high));
      break;
    }
    case 'SCREEN':
      outAlpha = await union();
      outImage = await op('sub', await op('add', si, di), await op('mul', si, di));
      break;
    case 'SRC':
      outAlpha = sa;
      outImage = si;
      break;
    case 'SRC_ATOP':
      outAlpha = da;
      outImage = await op('add', await op('mul', da, si), await op('mul', await inv(sa), di));
      break;
    case 'SRC_IN':
      outAlpha = await op('mul', sa, da);
      outImage = await op('mul', si, da);
      break;
    case 'SRC_OUT':
      outAlpha = await op('mul', await inv(da), sa);
      outImage = await op('mul', await inv(da), si);
      break;
    case 'SRC_OVER':
      outAlpha = await op('add', sa, await op('mul', await inv(sa), da));
      outImage = await op('add', si, await op('mul', await inv(sa), di));
      break;
    case 'XOR':
      outAlpha = await op('add', await op('mul', await inv(da), sa), await op('mul', await inv(sa), da));
      outImage = await exclusive();
      break;
  }
  // back to straight (not premultiplied) colour where there is any alpha, then to a MASK
  const visible = track(await b.compare('greater', outAlpha, 1e-5));
  const straight = await op('div', outImage, outAlpha);
  const image = track(await b.where(visible, straight, 0));
  const clamped = track(await b.clamp(image, 0, 1));
  const mask = track(await b.binary('sub', 1, outAlpha));
  return [clamped, mask];
}

// --- SplitImageWithAlpha and JoinImageWithAlpha -------------------------------------------------

/** Splits an image into its colour channels and a MASK of 1 - alpha (all zeros without alpha). */
@Node({
  ...COMPOSITING,
  classType: 'SplitImageWithAlpha',
  displayName: 'Split Image with Alpha',
  outputs: ['IMAGE', 'MASK'],
  searchAliases: ['extract alpha', 'separate transparency', 'remove alpha'],
})
export class SplitImageWithAlpha {
  @Input('IMAGE') image!: Tensor;

  async execute({ image }: NodeInputs<SplitImageWithAlpha>, { backend }: NodeContext): Promise<NodeReturn> {
    checkImage('image', image);
    const [batch, height, width, channels] = image.shape;
    return withScope(async (track) => {
      const colour = track(
        await backend.slice(image, [0, 0, 0, 0], [batch, height, width, Math.min(channels, 3)]),
      );
      if (channels <= 3) return [colour, track(backend.full([batch, height, width], 0))];
      const alpha = track(await backend.slice(image, [0, 0, 0, 3], [batch, height, width, 4]));
      const flat = track(await backend.reshape(alpha, [batch, height, width]));
      return [colour, track(await backend.binary('sub', 1, flat))];
    });
  }
}

/**
 * Adds a MASK to an image as its alpha channel (alpha = 1 - mask), replacing any alpha it had.
 * The mask is resized (bilinear) to the image; the shorter batch is repeated to the longer one.
 */
@Node({
  ...COMPOSITING,
  classType: 'JoinImageWithAlpha',
  displayName: 'Join Image with Alpha',
  outputs: ['IMAGE'],
  searchAliases: ['add transparency', 'apply alpha', 'composite alpha', 'RGBA'],
})
export class JoinImageWithAlpha {
  @Input('IMAGE') image!: Tensor;
  @Input('MASK') alpha!: Tensor;

  async execute(
    { image, alpha }: NodeInputs<JoinImageWithAlpha>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    checkImage('image', image);
    const result = await withScope(async (track) => {
      let mask = await maskBatch(backend, 'alpha', alpha);
      if (mask !== alpha) track(mask);
      const [, height, width, channels] = image.shape;
      const batch = Math.max(image.shape[0], mask.shape[0]);
      const images = await repeatToBatch(backend, track, image, batch);
      mask = await repeatToBatch(backend, track, mask, batch);
      const [, h, w] = mask.shape;
      let plane = track(await backend.reshape(mask, [batch, h, w, 1]));
      // a same-sized bilinear resize is the identity
      if (h !== height || w !== width)
        plane = track(await backend.resize(plane, [1, 2], height, width, 'bilinear'));
      const opacity = track(await backend.binary('sub', 1, plane));
      const colour = track(
        await backend.slice(images, [0, 0, 0, 0], [batch, height, width, Math.min(channels, 3)]),
      );
      return backend.concat([colour, opacity], 3);
    });
    return [result];
  }
}
