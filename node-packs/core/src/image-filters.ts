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

// ComfyUI's comfy_extras/nodes_post_processing.py: blending, blurring, sharpening and colour
// quantization of IMAGE tensors (float32 [batch, height, width, channels], 0..1).

const FILTERS = {
  category: 'image/filters',
  pythonModule: 'comfy_extras.nodes_post_processing',
  schema: 'v3',
  outputs: ['IMAGE'],
} as const;

const f32 = Math.fround;

/** Throws unless `tensor` is an IMAGE: a `[batch, height, width, channels]` tensor. */
function checkImage(input: string, tensor: Tensor): void {
  const shape = (tensor as Partial<Tensor> | null)?.shape;
  if (!Array.isArray(shape) || shape.length !== 4 || shape.some((d) => d < 1)) {
    const got = Array.isArray(shape) ? `[${shape.join(', ')}]` : typeof tensor;
    throw new Error(`${input} must be an IMAGE of shape [batch, height, width, channels], got ${got}`);
  }
}

/**
 * Runs `work` with a `track` function for intermediate tensors; every tracked tensor except the
 * one `work` returns is disposed afterwards, also when it throws.
 */
async function withScope(work: (track: (t: Tensor) => Tensor) => Promise<Tensor>): Promise<Tensor> {
  const tracked: Tensor[] = [];
  let result: Tensor | undefined;
  try {
    result = await work((t) => {
      tracked.push(t);
      return t;
    });
    return result;
  } finally {
    for (const t of tracked) if (t !== result && !t.disposed) t.dispose();
  }
}

// --- ImageBlend ------------------------------------------------------------------------------

const BLEND_MODES = ['normal', 'multiply', 'screen', 'overlay', 'soft_light', 'difference'] as const;
type BlendMode = (typeof BLEND_MODES)[number];

/** Mixes two images with a blend mode; `image2` is resized (bicubic, centre crop) to `image1` if needed. */
@Node({
  ...FILTERS,
  classType: 'ImageBlend',
  displayName: 'Blend Images',
  searchAliases: ['mix images'],
  essentialsCategory: 'Image Tools',
})
export class ImageBlend {
  @Input('IMAGE') image1!: Tensor;
  @Input('IMAGE') image2!: Tensor;
  @Input.float({ default: 0.5, min: 0, max: 1, step: 0.01 }) blend_factor!: number;
  @Input.combo(BLEND_MODES) blend_mode!: BlendMode;

  async execute(
    { image1, image2, blend_factor, blend_mode }: NodeInputs<ImageBlend>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    checkImage('image1', image1);
    checkImage('image2', image2);
    if (!BLEND_MODES.includes(blend_mode))
      throw new Error(`unsupported blend mode ${JSON.stringify(blend_mode)}`);
    const [batch1, height, width, channels1] = image1.shape;
    const [batch2, height2, width2, channels2] = image2.shape;
    if (batch1 !== batch2 && batch1 !== 1 && batch2 !== 1) {
      throw new Error(
        `image1 and image2 must have the same batch size (or one of 1), got ${batch1} and ${batch2}`,
      );
    }
    if (channels1 > channels2 + 1) {
      throw new Error(`image2 has ${channels2} channels, image1 ${channels1}: cannot blend them`);
    }
    const result = await withScope(async (track) => {
      const b = backend;
      let img2 = image2;
      // the channel counts agree first: extra channels of image2 dropped, a missing alpha added as 1
      if (channels2 > channels1) {
        img2 = track(await b.slice(img2, [0, 0, 0, 0], [batch2, height2, width2, channels1]));
      } else if (channels2 < channels1) {
        const ones = track(b.full([batch2, height2, width2, 1], 1));
        img2 = track(await b.concat([img2, ones], 3));
      }
      // a same-sized bicubic resize is the identity, so only other sizes are resized
      if (height2 !== height || width2 !== width) {
        img2 = track(await resize(b, img2, 'BHWC', height, width, 'bicubic', 'center'));
      }
      const blended = await blendMode(b, track, image1, img2, blend_mode);
      // image1 * (1 - factor) + blended * factor, clamped to 0..1
      const kept = track(await b.binary('mul', image1, 1 - blend_factor));
      const mixed = track(await b.binary('mul', blended, blend_factor));
      const sum = track(await b.binary('add', kept, mixed));
      return b.clamp(sum, 0, 1);
    });
    return [result];
  }
}

async function blendMode(
  b: TensorBackend,
  track: (t: Tensor) => Tensor,
  img1: Tensor,
  img2: Tensor,
  mode: BlendMode,
): Promise<Tensor> {
  const op = async (name: 'add' | 'sub' | 'mul', x: Tensor | number, y: Tensor | number) =>
    track(await b.binary(name, x, y));
  switch (mode) {
    case 'normal':
      return img2;
    case 'multiply':
      return op('mul', img1, img2);
    case 'screen':
      return op('sub', 1, await op('mul', await op('sub', 1, img1), await op('sub', 1, img2)));
    case 'overlay': {
      const dark = await op('mul', await op('mul', 2, img1), img2);
      const inv = await op('mul', await op('mul', 2, await op('sub', 1, img1)), await op('sub', 1, img2));
      const light = await op('sub', 1, inv);
      const cond = track(await b.compare('lessEqual', img1, 0.5));
      return track(await b.where(cond, dark, light));
    }
    case 'soft_light': {
      const oneMinus1 = await op('sub', 1, img1);
      // img1 - (1 - 2 * img2) * img1 * (1 - img1)
      const darkTerm = await op(
        'mul',
        await op('mul', await op('sub', 1, await op('mul', 2, img2)), img1),
        oneMinus1,
      );
      const dark = await op('sub', img1, darkTerm);
      // img1 + (2 * img2 - 1) * (g(img1) - img1), g(x) = ((16x - 12)x + 4)x up to 0.25, else sqrt(x)
      const poly = await op(
        'mul',
        await op('add', await op('mul', await op('sub', await op('mul', 16, img1), 12), img1), 4),
        img1,
      );
      const root = track(await b.unary('sqrt', img1));
      const low = track(await b.compare('lessEqual', img1, 0.25));
      const g = track(await b.where(low, poly, root));
      const light = await op(
        'add',
        img1,
        await op('mul', await op('sub', await op('mul', 2, img2), 1), await op('sub', g, img1)),
      );
      const cond = track(await b.compare('lessEqual', img2, 0.5));
      return track(await b.where(cond, dark, light));
    }
    case 'difference':
      return op('sub', img1, img2);
  }
}

// --- ImageBlur and ImageSharpen -----------------------------------------------------------------

/** torch.linspace(-1, 1, n) in float32: from the start up to the middle, from the end after it. */
function linspace(n: number): Float32Array {
  const out = new Float32Array(n);
  if (n === 1) {
    out[0] = -1;
    return out;
  }
  const step = f32(2 / (n - 1));
  const half = Math.floor(n / 2);
  for (let i = 0; i < n; i++) out[i] = i < half ? f32(-1 + f32(step * i)) : f32(1 - f32(step * (n - 1 - i)));
  return out;
}

/**
 * ComfyUI's gaussian_kernel: a size x size Gaussian over coordinates spread from -1 to 1
 * (whatever the size), normalised to sum 1; float32 like torch.
 */
function gaussianKernel(size: number, sigma: number): Float32Array {
  const axis = linspace(size);
  const denominator = f32(2 * sigma * sigma);
  const kernel = new Float32Array(size * size);
  let sum = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = f32(Math.sqrt(f32(f32(axis[y] * axis[y]) + f32(axis[x] * axis[x]))));
      const g = f32(Math.exp(f32(-f32(d * d) / denominator)));
      kernel[y * size + x] = g;
      sum = f32(sum + g);
    }
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] = f32(kernel[i] / sum);
  return kernel;
}

/**
 * Convolves every channel with the same size x size `kernel` (odd size), over the image padded
 * by mirroring (torch's reflect padding): the output has the input's size.
 */
async function convolveReflect(
  backend: TensorBackend,
  image: Tensor,
  kernel: Float32Array,
  size: number,
  input: string,
): Promise<Tensor> {
  const [, height, width, channels] = image.shape;
  const radius = (size - 1) / 2;
  if (radius >= height || radius >= width) {
    throw new Error(
      `${input} ${radius} is too large for a ${width}x${height} image: it must be smaller than its width and height`,
    );
  }
  const weights = new Float32Array(channels * size * size);
  for (let c = 0; c < channels; c++) weights.set(kernel, c * size * size);
  return withScope(async (track) => {
    const weight = track(backend.fromHost(weights, [channels, 1, size, size]));
    const nchw = track(await backend.transpose(image, [0, 3, 1, 2]));
    const padded = track(
      await backend.pad(
        nchw,
        [
          [0, 0],
          [0, 0],
          [radius, radius],
          [radius, radius],
        ],
        'reflect',
      ),
    );
    const convolved = track(await backend.conv2d(padded, weight, { groups: channels }));
    return backend.transpose(convolved, [0, 2, 3, 1]);
  });
}

/** A Gaussian blur over (2 * blur_radius + 1)-pixel windows. */
@Node({ ...FILTERS, classType: 'ImageBlur', displayName: 'Blur Image' })
export class ImageBlur {
  @Input('IMAGE') image!: Tensor;
  @Input.int({ default: 1, min: 1, max: 31, step: 1 }) blur_radius!: number;
  @Input.float({ default: 1, min: 0.1, max: 10, step: 0.1 }) sigma!: number;

  async execute(
    { image, blur_radius, sigma }: NodeInputs<ImageBlur>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    checkImage('image', image);
    if (blur_radius === 0) return [image];
    const size = blur_radius * 2 + 1;
    return [await convolveReflect(backend, image, gaussianKernel(size, sigma), size, 'blur_radius')];
  }
}

/** Unsharp masking: the image minus alpha * 10 times its Gaussian blur, rebalanced to keep brightness. */
@Node({ ...FILTERS, classType: 'ImageSharpen', displayName: 'Sharpen Image' })
export class ImageSharpen {
  @Input('IMAGE') image!: Tensor;
  @Input.int({ advanced: true, default: 1, min: 1, max: 31, step: 1 }) sharpen_radius!: number;
  @Input.float({ advanced: true, default: 1, min: 0.1, max: 10, step: 0.01 }) sigma!: number;
  @Input.float({ advanced: true, default: 1, min: 0, max: 5, step: 0.01 }) alpha!: number;

  async execute(
    { image, sharpen_radius, sigma, alpha }: NodeInputs<ImageSharpen>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    checkImage('image', image);
    if (sharpen_radius === 0) return [image];
    const size = sharpen_radius * 2 + 1;
    const kernel = gaussianKernel(size, sigma);
    const factor = f32(-(alpha * 10));
    let sum = 0;
    for (let i = 0; i < kernel.length; i++) {
      kernel[i] = f32(kernel[i] * factor);
      sum = f32(sum + kernel[i]);
    }
    const center = sharpen_radius * size + sharpen_radius;
    kernel[center] = f32(f32(kernel[center] - sum) + 1);
    const sharpened = await convolveReflect(backend, image, kernel, size, 'sharpen_radius');
    try {
      return [await backend.clamp(sharpened, 0, 1)];
    } finally {
      sharpened.dispose();
    }
  }
}

// --- ImageQuantize ------------------------------------------------------------------------------

const DITHERS = ['none', 'floyd-steinberg', 'bayer-2', 'bayer-4', 'bayer-8', 'bayer-16'] as const;
type Dither = (typeof DITHERS)[number];

/**
 * Reduces every image to at most `colors` colours, like ComfyUI through Pillow: the palette is
 * Pillow's median cut of the 8-bit pixels, each pixel then takes its nearest palette colour
 * (optionally Floyd-Steinberg dithered, or with an ordered Bayer threshold added first).
 *
 * The 8-bit conversion, the Bayer thresholds and the final palette lookup run on the backend.
 * Building the palette and mapping the pixels to it run on the host: the median cut is a
 * sequence of data-dependent splits, and the colour lookup and error diffusion are Pillow's
 * integer algorithms, whose exact results (the outputs are multiples of 1/255) need them as they are.
 */
@Node({ ...FILTERS, classType: 'ImageQuantize', displayName: 'Quantize Image' })
export class ImageQuantize {
  @Input('IMAGE') image!: Tensor;
  @Input.int({ default: 256, min: 1, max: 256, step: 1 }) colors!: number;
  @Input.combo(DITHERS) dither!: Dither;

  async execute(
    { image, colors, dither }: NodeInputs<ImageQuantize>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    checkImage('image', image);
    const [batch, height, width, channels] = image.shape;
    if (channels !== 3)
      throw new Error(`ImageQuantize needs RGB images (3 channels), got ${channels} channels`);
    if (!Number.isInteger(colors) || colors < 1 || colors > 256) {
      throw new Error(`colors must be an integer from 1 to 256, got ${colors}`);
    }
    if (!DITHERS.includes(dither)) throw new Error(`unknown dither ${JSON.stringify(dither)}`);

    const plane = height * width * 3;
    const bytes8 = await withScope(async (track) => toBytes(backend, track, image));
    let source: Uint8Array;
    const palettes: Uint8Array[] = [];
    try {
      const pixels = (await backend.read(bytes8)) as Uint8Array;
      for (let b = 0; b < batch; b++) {
        palettes.push(medianCutPalette(pixels.subarray(b * plane, (b + 1) * plane), colors));
      }
      source = pixels;
      if (dither.startsWith('bayer')) {
        const order = Number(dither.slice('bayer-'.length));
        const dithered = await withScope(async (track) => addBayer(backend, track, bytes8, order, palettes));
        source = (await backend.read(dithered)) as Uint8Array;
        dithered.dispose();
      }
    } finally {
      bytes8.dispose();
    }

    // indices into the palettes of all images, laid end to end
    const indices = new Int32Array(batch * height * width);
    let offset = 0;
    for (let b = 0; b < batch; b++) {
      const palette = palettes[b];
      const image8 = source.subarray(b * plane, (b + 1) * plane);
      const out = indices.subarray(b * height * width, (b + 1) * height * width);
      if (dither === 'floyd-steinberg') floydSteinberg(image8, width, height, palette, out);
      else mapClosest(image8, palette, out);
      for (let i = 0; i < out.length; i++) out[i] += offset;
      offset += palette.length / 3;
    }
    const table = new Float32Array(offset * 3);
    let k = 0;
    for (const palette of palettes) for (const v of palette) table[k++] = f32(v / 255);
    const colorsTensor = backend.fromHost(table, [offset, 3]);
    const indexTensor = backend.fromHost(indices, [batch, height, width], 'int32');
    try {
      return [await backend.gather(colorsTensor, indexTensor, 0)];
    } finally {
      colorsTensor.dispose();
      indexTensor.dispose();
    }
  }
}

/**
 * ComfyUI's `(image * 255).to(torch.uint8)`: the float32 product truncated towards zero, and
 * (for values outside 0..1, as the CPU conversion does) wrapped into 0..255.
 */
async function toBytes(b: TensorBackend, track: (t: Tensor) => Tensor, image: Tensor): Promise<Tensor> {
  const scaled = track(await b.binary('mul', image, 255));
  const down = track(await b.unary('floor', scaled));
  const up = track(await b.unary('ceil', scaled));
  const negative = track(await b.compare('less', scaled, 0));
  const truncated = track(await b.where(negative, up, down));
  const wraps = track(await b.unary('floor', track(await b.binary('div', truncated, 256))));
  const wrapped = track(await b.binary('sub', truncated, track(await b.binary('mul', wraps, 256))));
  return b.cast(wrapped, 'uint8');
}

/**
 * ComfyUI's Bayer dithering before the palette lookup: an order x order threshold matrix scaled
 * by 512 / palette size (per image) plus 0.5, tiled over the image, added to the 8-bit values,
 * clamped to 0..255 and truncated back to bytes.
 */
async function addBayer(
  b: TensorBackend,
  track: (t: Tensor) => Tensor,
  bytes8: Tensor,
  order: number,
  palettes: readonly Uint8Array[],
): Promise<Tensor> {
  const [batch, height, width] = bytes8.shape;
  const matrix = bayerMatrix(Math.round(Math.log2(order)));
  const thresholds = new Float32Array(batch * order * order);
  palettes.forEach((palette, i) => {
    const spread = f32((2 * 256) / (palette.length / 3));
    matrix.forEach((v, k) => (thresholds[i * order * order + k] = f32(f32(spread * v) + 0.5)));
  });
  const pattern = track(b.fromHost(thresholds, [batch, order, order, 1]));
  const tiled = track(await b.tile(pattern, [1, Math.ceil(height / order), Math.ceil(width / order), 1]));
  const cropped = track(await b.slice(tiled, [0, 0, 0, 0], [batch, height, width, 1]));
  const values = track(await b.cast(bytes8, 'float32'));
  const sum = track(await b.binary('add', values, cropped));
  const clamped = track(await b.clamp(sum, 0, 255));
  const floored = track(await b.unary('floor', clamped));
  return b.cast(floored, 'uint8');
}

/** The normalised Bayer matrix of size 2^n, row-major, computed in float32 like NumPy does. */
function bayerMatrix(n: number): Float32Array {
  if (n === 0) return new Float32Array(1);
  const q = 4 ** n;
  const inner = bayerMatrix(n - 1);
  const half = 2 ** (n - 1);
  const size = half * 2;
  const out = new Float32Array(size * size);
  // [[m - 1.5, m + 0.5], [m + 1.5, m - 0.5]] / q, with m = q * inner
  const offsets = [
    [-1.5, 0.5],
    [1.5, -0.5],
  ];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const m = f32(q * inner[(y % half) * half + (x % half)]);
      const offset = offsets[y < half ? 0 : 1][x < half ? 0 : 1];
      out[y * size + x] = f32(f32(m + offset) / q);
    }
  }
  return out;
}

// Pillow's median cut (libImaging/Quant.c): the colours are counted (at most 65536 distinct ones:
// beyond that, every channel loses low bits until they fit), then the box of colours with the
// most pixels is split, again and again, across its widest channel (weighted 77, 150 and 29 for
// red, green and blue) at the median pixel, keeping equal values together; a box of one colour is
// never split. Palette entries are the rounded mean pixel of each final box, in tree order.

interface Box {
  /** Indices of the distinct colours in the box. */
  entries: Int32Array;
  count: number;
  left?: Box;
  right?: Box;
}

const MAX_HASH_ENTRIES = 65536;

/** The palette as `[r, g, b, r, g, b, ...]`, at most `colors` entries. */
function medianCutPalette(pixels: Uint8Array, colors: number): Uint8Array {
  const n = pixels.length / 3;
  // distinct colours at the smallest bit reduction that gives at most 65536 of them
  let scale = 0;
  let keyIndex: Map<number, number>;
  let entryOf: Int32Array;
  for (;;) {
    keyIndex = new Map();
    entryOf = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const key =
        ((pixels[i * 3] >> scale) << 16) | ((pixels[i * 3 + 1] >> scale) << 8) | (pixels[i * 3 + 2] >> scale);
      let entry = keyIndex.get(key);
      if (entry === undefined) {
        entry = keyIndex.size;
        keyIndex.set(key, entry);
      }
      entryOf[i] = entry;
    }
    if (keyIndex.size <= MAX_HASH_ENTRIES) break;
    scale++;
  }
  const distinct = keyIndex.size;
  const values = new Uint8Array(distinct * 3);
  for (const [key, entry] of keyIndex) {
    values[entry * 3] = key >> 16;
    values[entry * 3 + 1] = (key >> 8) & 0xff;
    values[entry * 3 + 2] = key & 0xff;
  }
  const counts = new Uint32Array(distinct);
  for (let i = 0; i < n; i++) counts[entryOf[i]]++;

  const root: Box = { entries: Int32Array.from({ length: distinct }, (_, i) => i), count: n };
  const heap = new BoxHeap();
  heap.add(root);
  for (let remaining = colors - 1; remaining > 0; remaining--) {
    let box: Box | undefined;
    do box = heap.remove();
    while (box !== undefined && volume(box, values) === 1);
    if (box === undefined) break;
    splitBox(box, values, counts);
    heap.add(box.left!);
    heap.add(box.right!);
  }

  // the leaves, left (higher values) first, are the palette entries
  const leaves: Box[] = [];
  const walk = (box: Box): void => {
    if (box.left && box.right) {
      walk(box.left);
      walk(box.right);
    } else if (box.entries.length > 0) leaves.push(box);
  };
  walk(root);
  const boxOfEntry = new Int32Array(distinct);
  leaves.forEach((leaf, index) => {
    for (const e of leaf.entries) boxOfEntry[e] = index;
  });
  // mean of the real (not bit-reduced) pixels of each box, in Pillow's uint32 sums
  const sums = new Uint32Array(leaves.length * 3);
  const sizes = new Uint32Array(leaves.length);
  for (let i = 0; i < n; i++) {
    const box = boxOfEntry[entryOf[i]];
    sums[box * 3] += pixels[i * 3];
    sums[box * 3 + 1] += pixels[i * 3 + 1];
    sums[box * 3 + 2] += pixels[i * 3 + 2];
    sizes[box]++;
  }
  const palette = new Uint8Array(leaves.length * 3);
  for (let i = 0; i < palette.length; i++) palette[i] = Math.trunc(0.5 + sums[i] / sizes[Math.floor(i / 3)]);
  return palette;
}

function volume(box: Box, values: Uint8Array): number {
  const [lo, hi] = bounds(box, values);
  return (hi[0] - lo[0] + 1) * (hi[1] - lo[1] + 1) * (hi[2] - lo[2] + 1);
}

function bounds(box: Box, values: Uint8Array): [number[], number[]] {
  const lo = [255, 255, 255];
  const hi = [0, 0, 0];
  for (const e of box.entries) {
    for (let c = 0; c < 3; c++) {
      const v = values[e * 3 + c];
      if (v < lo[c]) lo[c] = v;
      if (v > hi[c]) hi[c] = v;
    }
  }
  return [lo, hi];
}

function splitBox(box: Box, values: Uint8Array, counts: Uint32Array): void {
  const [lo, hi] = bounds(box, values);
  const weighted = [(hi[0] - lo[0]) * 77, (hi[1] - lo[1]) * 150, (hi[2] - lo[2]) * 29];
  let axis = 0;
  for (let c = 1; c < 3; c++) if (weighted[axis] < weighted[c]) axis = c;
  // pixel counts per value along the axis, walked from the highest value down
  const histogram = new Float64Array(256);
  for (const e of box.entries) histogram[values[e * 3 + axis]] += counts[e];
  let cumulative = 0;
  let threshold = lo[axis];
  for (let v = hi[axis]; v >= lo[axis]; v--) {
    if (histogram[v] === 0) continue;
    cumulative += histogram[v];
    if (cumulative * 2 > box.count) {
      threshold = v;
      break;
    }
  }
  // the lowest value always goes right, so both halves have pixels
  if (threshold === lo[axis]) {
    let next = lo[axis] + 1;
    while (histogram[next] === 0) next++;
    threshold = next;
  }
  const left: number[] = [];
  const right: number[] = [];
  let leftCount = 0;
  let rightCount = 0;
  for (const e of box.entries) {
    if (values[e * 3 + axis] >= threshold) {
      left.push(e);
      leftCount += counts[e];
    } else {
      right.push(e);
      rightCount += counts[e];
    }
  }
  box.left = { entries: Int32Array.from(left), count: leftCount };
  box.right = { entries: Int32Array.from(right), count: rightCount };
}

/** Pillow's QuantHeap: a binary max-heap on pixel counts, with its exact order among equal counts. */
class BoxHeap {
  private readonly heap: (Box | undefined)[] = [undefined];

  add(box: Box): void {
    let k = this.heap.length;
    this.heap.push(box);
    while (k !== 1) {
      const parent = this.heap[k >> 1]!;
      if (box.count - parent.count <= 0) break;
      this.heap[k] = parent;
      k >>= 1;
    }
    this.heap[k] = box;
  }

  remove(): Box | undefined {
    if (this.heap.length === 1) return undefined;
    const top = this.heap[1];
    const last = this.heap.pop()!;
    const count = this.heap.length - 1;
    if (count === 0) return top;
    let k = 1;
    while (k * 2 <= count) {
      let l = k * 2;
      if (l < count && this.heap[l]!.count - this.heap[l + 1]!.count < 0) l++;
      if (last.count - this.heap[l]!.count > 0) break;
      this.heap[k] = this.heap[l];
      k = l;
    }
    this.heap[k] = last;
    return top;
  }
}

/**
 * Pillow's palette lookup (libImaging/Palette.c): a colour maps to the palette entry nearest
 * (squared distance, the lowest index on ties) to the colour with its two low bits cleared,
 * memoised per such 4x4x4 cell.
 */
class PaletteLookup {
  private readonly cache = new Int16Array(64 * 64 * 64).fill(-1);

  constructor(readonly palette: Uint8Array) {}

  index(r: number, g: number, b: number): number {
    const slot = (r >> 2) + (g >> 2) * 64 + (b >> 2) * 4096;
    let found = this.cache[slot];
    if (found < 0) {
      const pr = r & 0xfc;
      const pg = g & 0xfc;
      const pb = b & 0xfc;
      const p = this.palette;
      let best = Infinity;
      found = 0;
      for (let i = 0; i < p.length / 3; i++) {
        const dr = pr - p[i * 3];
        const dg = pg - p[i * 3 + 1];
        const db = pb - p[i * 3 + 2];
        const d = dr * dr + dg * dg + db * db;
        if (d < best) {
          best = d;
          found = i;
        }
      }
      this.cache[slot] = found;
    }
    return found;
  }
}

function mapClosest(image: Uint8Array, palette: Uint8Array, out: Int32Array): void {
  const lookup = new PaletteLookup(palette);
  for (let i = 0; i < out.length; i++)
    out[i] = lookup.index(image[i * 3], image[i * 3 + 1], image[i * 3 + 2]);
}

const clip8 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/**
 * Pillow's Floyd-Steinberg dithering (libImaging/ConvertToPalette.c), integer for integer:
 * 7/16 of a pixel's error to the right, 3/16, 5/16 and 1/16 to the row below, C's truncating
 * division, and its carry of the last blue errors into the next row's last pixel.
 */
function floydSteinberg(
  image: Uint8Array,
  width: number,
  height: number,
  palette: Uint8Array,
  out: Int32Array,
): void {
  const lookup = new PaletteLookup(palette);
  const errors = new Int32Array(3 * (width + 1));
  for (let y = 0; y < height; y++) {
    let r = 0;
    let r0 = 0;
    let r1 = 0;
    let g = 0;
    let g0 = 0;
    let g1 = 0;
    let b = 0;
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let e = 0;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      r = clip8(image[i] + Math.trunc((r + errors[e + 3]) / 16));
      g = clip8(image[i + 1] + Math.trunc((g + errors[e + 4]) / 16));
      b = clip8(image[i + 2] + Math.trunc((b + errors[e + 5]) / 16));
      const index = lookup.index(r, g, b);
      out[y * width + x] = index;
      r -= palette[index * 3];
      g -= palette[index * 3 + 1];
      b -= palette[index * 3 + 2];
      // r carries 7 * error to the next pixel; below-left gets 3, below 5 and below-right 1
      const r2 = r;
      errors[e] = 3 * r + r0;
      r0 = 5 * r + r1;
      r1 = r2;
      r *= 7;
      const g2 = g;
      errors[e + 1] = 3 * g + g0;
      g0 = 5 * g + g1;
      g1 = g2;
      g *= 7;
      b2 = b;
      errors[e + 2] = 3 * b + b0;
      b0 = 5 * b + b1;
      b1 = b2;
      b *= 7;
      e += 3;
    }
    errors[e] = b0;
    errors[e + 1] = b1;
    errors[e + 2] = b2;
  }
}
