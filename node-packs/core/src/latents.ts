import {
  Input,
  Node,
  centerCropBox,
  resize,
  roundHalfEven,
  type Latent,
  type NodeContext,
  type NodeInputs,
  type NodeReturn,
  type Tensor,
  type TensorBackend,
} from '@easel/core';

// ComfyUI's latent nodes of nodes.py. A LATENT is a dict: `samples` ([B, C, h, w], h and w in
// latent pixels, one per 8 image pixels) plus keys that travel with it (`batch_index`,
// `noise_mask`, `downscale_ratio_spacial`, ...). Every node returns a copy of its input dict
// with `samples` replaced, so the keys keep their order and unknown keys pass through, as
// Python's `dict.copy()` does.

const LATENT_NODE = { pythonModule: 'nodes', schema: 'v1' } as const;
/** ComfyUI's MAX_RESOLUTION. */
const MAX_RESOLUTION = 16384;
/** Image pixels per latent pixel for the nodes whose sizes are given in image pixels. */
const LATENT_SCALE = 8;

const UPSCALE_METHODS = ['nearest-exact', 'bilinear', 'area', 'bicubic', 'bislerp'] as const;
type LatentUpscaleMethod = (typeof UPSCALE_METHODS)[number];
const CROP_METHODS = ['disabled', 'center'] as const;

type Track = <T extends Tensor>(tensor: T) => T;

/** Runs `body`, then disposes the intermediate tensors it tracked (never its inputs or its result). */
async function withScratch<T>(body: (track: Track) => Promise<T>): Promise<T> {
  const scratch: Tensor[] = [];
  const track: Track = (tensor) => {
    scratch.push(tensor);
    return tensor;
  };
  const result = await body(track);
  const kept = new Set<unknown>([result]);
  if (result !== null && typeof result === 'object')
    for (const value of Object.values(result)) kept.add(value);
  for (const tensor of scratch) if (!kept.has(tensor) && !tensor.disposed) tensor.dispose();
  return result;
}

/** The `[B, C, h, w]` samples of a LATENT. */
function samplesOf(latent: Latent, what = 'LATENT'): Tensor {
  const samples = latent?.samples;
  if (samples === undefined || samples === null || !Array.isArray(samples.shape)) {
    throw new Error(`${what} has no samples tensor`);
  }
  if (samples.shape.length !== 4) {
    throw new Error(
      `${what} samples must have the shape [batch, channels, height, width], got [${samples.shape.join(', ')}]`,
    );
  }
  return samples;
}

/** `latent` with `samples` replaced and the other keys where they were (`dict.copy()` then assignment). */
const withSamples = (latent: Latent, samples: Tensor): Latent => ({ ...latent, samples });

/** Python's slice bounds `[start:stop]` on a sequence of `length`, as `[begin, end)` with `end >= begin`. */
function pythonSlice(length: number, start: number | null, stop: number | null): [number, number] {
  const bound = (value: number | null, fallback: number) => {
    if (value === null) return fallback;
    if (value < 0) return Math.max(0, value + length);
    return Math.min(value, length);
  };
  const begin = bound(start, 0);
  const end = bound(stop, length);
  return [begin, Math.max(begin, end)];
}

/** The rows `[y0, y1)` and columns `[x0, x1)` of a `[B, C, h, w]` tensor. */
async function sliceSpatial(
  backend: TensorBackend,
  samples: Tensor,
  [y0, y1]: readonly [number, number],
  [x0, x1]: readonly [number, number],
): Promise<Tensor> {
  const [batch, channels] = samples.shape;
  return backend.slice(samples, [0, 0, y0, x0], [batch, channels, y1, x1]);
}

@Node({
  ...LATENT_NODE,
  classType: 'EmptyLatentImage',
  displayName: 'Empty Latent Image',
  category: 'model/latent',
  description: 'Makes a batch of empty (all zero) latent images to start sampling from.',
  outputs: [{ type: 'LATENT', tooltip: 'The empty latent image batch.' }],
  searchAliases: ['empty', 'empty latent', 'new latent', 'create latent', 'blank latent', 'blank'],
})
export class EmptyLatentImage {
  @Input.int({
    default: 512,
    min: 16,
    max: MAX_RESOLUTION,
    step: 8,
    tooltip: 'Width of the images in pixels.',
  })
  width!: number;
  @Input.int({
    default: 512,
    min: 16,
    max: MAX_RESOLUTION,
    step: 8,
    tooltip: 'Height of the images in pixels.',
  })
  height!: number;
  @Input.int({ default: 1, min: 1, max: 4096, tooltip: 'How many latent images in the batch.' })
  batch_size!: number;

  execute({ width, height, batch_size }: NodeInputs<EmptyLatentImage>, { backend }: NodeContext): NodeReturn {
    const shape = [batch_size, 4, Math.floor(height / LATENT_SCALE), Math.floor(width / LATENT_SCALE)];
    return [{ samples: backend.full(shape, 0), downscale_ratio_spacial: LATENT_SCALE }];
  }
}

// bislerp (comfy.utils.bislerp): a bilinear resize that interpolates each latent pixel's channel
// vector spherically (direction by slerp, length linearly), one axis after the other.

/** Abramowitz & Stegun 4.4.46: acos(x) = sqrt(1 - x) * P(x) on [0, 1], error below 2e-8. */
const ACOS_COEFFICIENTS = [
  1.570796305, -0.2145988016, 0.0889789874, -0.0501743046, 0.030891881, -0.0170881256, 0.0066700901,
  -0.0012624911,
];

/** acos, element-wise, composed of backend operations (the port has no inverse trigonometry). */
async function arccos(backend: TensorBackend, x: Tensor, track: Track): Promise<Tensor> {
  const magnitude = track(await backend.unary('abs', x));
  // Horner's scheme in float32, from the highest coefficient down
  let poly: Tensor | number = ACOS_COEFFICIENTS[ACOS_COEFFICIENTS.length - 1];
  for (let i = ACOS_COEFFICIENTS.length - 2; i >= 0; i--) {
    const product: Tensor = track(await backend.binary('mul', magnitude, poly));
    poly = track(await backend.binary('add', product, ACOS_COEFFICIENTS[i]));
  }
  const root = track(await backend.unary('sqrt', track(await backend.binary('sub', 1, magnitude))));
  const positive = track(await backend.binary('mul', root, poly));
  const negative = track(await backend.binary('sub', Math.PI, positive));
  return track(await backend.where(track(await backend.compare('less', x, 0)), negative, positive));
}

/**
 * ComfyUI's slerp of channel vectors (axis 1) `b1` to `b2` by `ratio` (broadcast over the
 * channels): unit directions interpolated on the sphere, lengths linearly; `b1` itself where the
 * directions agree, plain linear interpolation where they are opposite.
 */
async function slerp(
  backend: TensorBackend,
  b1: Tensor,
  b2: Tensor,
  ratio: Tensor,
  track: Track,
): Promise<Tensor> {
  const norm = async (v: Tensor) =>
    track(
      await backend.unary(
        'sqrt',
        track(await backend.reduce('sum', track(await backend.binary('mul', v, v)), [1], true)),
      ),
    );
  const normalized = async (v: Tensor, n: Tensor) =>
    track(
      await backend.where(
        track(await backend.compare('equal', n, 0)),
        0,
        track(await backend.binary('div', v, n)),
      ),
    );
  const n1 = await norm(b1);
  const n2 = await norm(b2);
  const u1 = await normalized(b1, n1);
  const u2 = await normalized(b2, n2);
  const dot = track(await backend.reduce('sum', track(await backend.binary('mul', u1, u2)), [1], true));
  const omega = await arccos(backend, dot, track);
  const sinOmega = track(await backend.unary('sin', omega));
  const inverse = track(await backend.binary('sub', 1, ratio));
  const weight = async (r: Tensor) =>
    track(
      await backend.binary(
        'div',
        track(await backend.unary('sin', track(await backend.binary('mul', r, omega)))),
        sinOmega,
      ),
    );
  const w1 = await weight(inverse);
  const w2 = await weight(ratio);
  let result = track(
    await backend.binary(
      'add',
      track(await backend.binary('mul', w1, u1)),
      track(await backend.binary('mul', w2, u2)),
    ),
  );
  const length = track(
    await backend.binary(
      'add',
      track(await backend.binary('mul', n1, inverse)),
      track(await backend.binary('mul', n2, ratio)),
    ),
  );
  result = track(await backend.binary('mul', result, length));
  const same = track(await backend.compare('greater', dot, 1 - 1e-5));
  result = track(await backend.where(same, b1, result));
  const linear = track(
    await backend.binary(
      'add',
      track(await backend.binary('mul', b1, inverse)),
      track(await backend.binary('mul', b2, ratio)),
    ),
  );
  const opposite = track(await backend.compare('less', dot, 1e-5 - 1));
  return track(await backend.where(opposite, linear, result));
}

const f32 = Math.fround;

/**
 * The gather plan of one bislerp axis: ComfyUI resizes the coordinates 0..n-1 (and 1..n, the
 * last one kept at n-1) with a float32 bilinear interpolation; the integer parts are the two
 * source indices, the fraction of the first the ratio.
 */
function bislerpPlan(
  oldLength: number,
  newLength: number,
): { first: Int32Array; second: Int32Array; ratios: Float32Array } {
  const first = new Int32Array(newLength);
  const second = new Int32Array(newLength);
  const ratios = new Float32Array(newLength);
  const scale = f32(oldLength / newLength);
  const secondSource = (i: number) => (i === oldLength - 1 ? i : i + 1);
  for (let i = 0; i < newLength; i++) {
    const real = Math.max(f32(f32(scale * (i + 0.5)) - 0.5), 0);
    const i0 = Math.min(Math.floor(real), oldLength - 1);
    const lambda = Math.min(Math.max(f32(real - i0), 0), 1);
    const i1 = i0 + (i0 < oldLength - 1 ? 1 : 0);
    const w0 = f32(1 - lambda);
    const at = (source: (k: number) => number) => f32(f32(w0 * source(i0)) + f32(lambda * source(i1)));
    const coordinate = at((k) => k);
    first[i] = Math.trunc(coordinate);
    ratios[i] = f32(coordinate - Math.floor(coordinate));
    second[i] = Math.trunc(at(secondSource));
  }
  return { first, second, ratios };
}

/** ComfyUI's `bislerp`: `[B, C, h, w]` samples to `height` x `width`, width first. */
async function bislerp(
  backend: TensorBackend,
  samples: Tensor,
  width: number,
  height: number,
): Promise<Tensor> {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`cannot resize a latent to ${width} x ${height}`);
  }
  return withScratch(async (track) => {
    let current = samples;
    for (const [axis, size] of [
      [3, width],
      [2, height],
    ] as const) {
      const plan = bislerpPlan(current.shape[axis], size);
      const ratioShape = [1, 1, 1, 1];
      ratioShape[axis] = size;
      const ratio = track(backend.fromHost(plan.ratios, ratioShape));
      const b1 = track(await backend.gather(current, plan.first, axis));
      const b2 = track(await backend.gather(current, plan.second, axis));
      current = await slerp(backend, b1, b2, ratio, track);
    }
    return current;
  });
}

/** ComfyUI's `common_upscale` on latent samples, with bislerp besides the interpolations. */
async function upscaleSamples(
  backend: TensorBackend,
  samples: Tensor,
  width: number,
  height: number,
  method: LatentUpscaleMethod,
  crop: (typeof CROP_METHODS)[number],
): Promise<Tensor> {
  if (!UPSCALE_METHODS.includes(method)) throw new Error(`unknown upscale method ${JSON.stringify(method)}`);
  if (method !== 'bislerp') {
    return resize(backend, samples, 'BCHW', height, width, method, crop);
  }
  if (crop !== 'center') return bislerp(backend, samples, width, height);
  const box = centerCropBox(samples.shape[2], samples.shape[3], height, width);
  const cropped = await sliceSpatial(
    backend,
    samples,
    [box.top, box.top + box.height],
    [box.left, box.left + box.width],
  );
  try {
    return await bislerp(backend, cropped, width, height);
  } finally {
    cropped.dispose();
  }
}

@Node({
  ...LATENT_NODE,
  classType: 'LatentUpscale',
  displayName: 'Upscale Latent',
  category: 'model/latent',
  outputs: ['LATENT'],
  searchAliases: ['enlarge latent', 'resize latent'],
})
export class LatentUpscale {
  @Input('LATENT') samples!: Latent;
  @Input.combo(UPSCALE_METHODS) upscale_method!: LatentUpscaleMethod;
  @Input.int({ default: 512, min: 0, max: MAX_RESOLUTION, step: 8 }) width!: number;
  @Input.int({ default: 512, min: 0, max: MAX_RESOLUTION, step: 8 }) height!: number;
  @Input.combo(CROP_METHODS) crop!: (typeof CROP_METHODS)[number];

  async execute(
    { samples, upscale_method, width, height, crop }: NodeInputs<LatentUpscale>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    if (width === 0 && height === 0) return [samples];
    const x = samplesOf(samples);
    const [, , rows, columns] = x.shape;
    // a size of 0 follows the other one's aspect ratio; sizes below 64 pixels are raised to 64
    let w: number;
    let h: number;
    if (width === 0) {
      h = Math.max(64, height);
      w = Math.max(64, roundHalfEven((columns * h) / rows));
    } else if (height === 0) {
      w = Math.max(64, width);
      h = Math.max(64, roundHalfEven((rows * w) / columns));
    } else {
      w = Math.max(64, width);
      h = Math.max(64, height);
    }
    const out = await upscaleSamples(
      backend,
      x,
      Math.floor(w / LATENT_SCALE),
      Math.floor(h / LATENT_SCALE),
      upscale_method,
      crop,
    );
    return [withSamples(samples, out)];
  }
}

@Node({
  ...LATENT_NODE,
  classType: 'LatentUpscaleBy',
  displayName: 'Upscale Latent By',
  category: 'model/latent',
  outputs: ['LATENT'],
  searchAliases: ['enlarge latent', 'resize latent', 'scale latent'],
})
export class LatentUpscaleBy {
  @Input('LATENT') samples!: Latent;
  @Input.combo(UPSCALE_METHODS) upscale_method!: LatentUpscaleMethod;
  @Input.float({ default: 1.5, min: 0.01, max: 8, step: 0.01 }) scale_by!: number;

  async execute(
    { samples, upscale_method, scale_by }: NodeInputs<LatentUpscaleBy>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const x = samplesOf(samples);
    const width = roundHalfEven(x.shape[3] * scale_by);
    const height = roundHalfEven(x.shape[2] * scale_by);
    const out = await upscaleSamples(backend, x, width, height, upscale_method, 'disabled');
    return [withSamples(samples, out)];
  }
}

const ROTATIONS = ['none', '90 degrees', '180 degrees', '270 degrees'] as const;

@Node({
  ...LATENT_NODE,
  classType: 'LatentRotate',
  displayName: 'Rotate Latent',
  category: 'model/latent/transform',
  outputs: ['LATENT'],
})
export class LatentRotate {
  @Input('LATENT') samples!: Latent;
  @Input.combo(ROTATIONS) rotation!: (typeof ROTATIONS)[number];

  async execute(
    { samples, rotation }: NodeInputs<LatentRotate>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const x = samplesOf(samples);
    // torch.rot90(k, dims=[3, 2]): a quarter turn clockwise per step
    const swap = [0, 1, 3, 2];
    let out: Tensor;
    if (rotation.startsWith('90')) {
      const flipped = await backend.flip(x, [2]);
      out = await backend.transpose(flipped, swap);
      flipped.dispose();
    } else if (rotation.startsWith('180')) {
      out = await backend.flip(x, [2, 3]);
    } else if (rotation.startsWith('270')) {
      const flipped = await backend.flip(x, [3]);
      out = await backend.transpose(flipped, swap);
      flipped.dispose();
    } else {
      out = x;
    }
    return [withSamples(samples, out)];
  }
}

const FLIP_METHODS = ['x-axis: vertically', 'y-axis: horizontally'] as const;

@Node({
  ...LATENT_NODE,
  classType: 'LatentFlip',
  displayName: 'Flip Latent',
  category: 'model/latent/transform',
  outputs: ['LATENT'],
  searchAliases: ['mirror latent'],
})
export class LatentFlip {
  @Input('LATENT') samples!: Latent;
  @Input.combo(FLIP_METHODS) flip_method!: (typeof FLIP_METHODS)[number];

  async execute(
    { samples, flip_method }: NodeInputs<LatentFlip>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const x = samplesOf(samples);
    if (flip_method.startsWith('x')) return [withSamples(samples, await backend.flip(x, [2]))];
    if (flip_method.startsWith('y')) return [withSamples(samples, await backend.flip(x, [3]))];
    return [withSamples(samples, x)];
  }
}

/**
 * The feathering weights of LatentComposite over a pasted block of `rows` x `columns`: on each
 * side that does not touch the destination's edge, the `feather` outermost lines fade in
 * (line t from the edge weighs (t + 1) / feather; weights multiply where sides meet). Computed
 * with ComfyUI's float32 steps and Python's slice rules, so blocks thinner than the feather get
 * the same weights as in ComfyUI.
 */
function featherMask(
  rows: number,
  columns: number,
  feather: number,
  sides: { top: boolean; bottom: boolean; left: boolean; right: boolean },
): Float32Array {
  const mask = new Float32Array(rows * columns).fill(1);
  const scaleRows = ([r0, r1]: [number, number], factor: number) => {
    for (let r = r0; r < r1; r++)
      for (let c = 0; c < columns; c++) mask[r * columns + c] = f32(mask[r * columns + c] * factor);
  };
  const scaleColumns = ([c0, c1]: [number, number], factor: number) => {
    for (let r = 0; r < rows; r++)
      for (let c = c0; c < c1; c++) mask[r * columns + c] = f32(mask[r * columns + c] * factor);
  };
  for (let t = 0; t < feather; t++) {
    const factor = f32((1 / feather) * (t + 1));
    if (sides.top) scaleRows(pythonSlice(rows, t, t + 1), factor);
    if (sides.bottom) scaleRows(pythonSlice(rows, rows - 1 - t, rows - t), factor);
    if (sides.left) scaleColumns(pythonSlice(columns, t, t + 1), factor);
    if (sides.right) scaleColumns(pythonSlice(columns, columns - 1 - t, columns - t), factor);
  }
  return mask;
}

@Node({
  ...LATENT_NODE,
  classType: 'LatentComposite',
  displayName: 'Latent Composite',
  category: 'model/latent',
  outputs: ['LATENT'],
  searchAliases: ['overlay latent', 'layer latent', 'paste latent'],
})
export class LatentComposite {
  @Input('LATENT') samples_to!: Latent;
  @Input('LATENT') samples_from!: Latent;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 8 }) x!: number;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 8 }) y!: number;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 8 }) feather!: number;

  async execute(
    { samples_to, samples_from, x, y, feather }: NodeInputs<LatentComposite>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const left = Math.floor(x / LATENT_SCALE);
    const top = Math.floor(y / LATENT_SCALE);
    const fade = Math.floor(feather / LATENT_SCALE);
    const to = samplesOf(samples_to, 'samples_to');
    const from = samplesOf(samples_from, 'samples_from');
    const [batch, channels, height, width] = to.shape;
    const out = await withScratch(async (track) => {
      // ComfyUI: samples_from[:, :, :H - y, :W - x] goes to s[:, :, y:y + h, x:x + w]
      const sourceRows = pythonSlice(from.shape[2], null, height - top);
      const sourceColumns = pythonSlice(from.shape[3], null, width - left);
      const rows = sourceRows[1] - sourceRows[0];
      const columns = sourceColumns[1] - sourceColumns[0];
      const targetRows = pythonSlice(height, top, top + from.shape[2]);
      const targetColumns = pythonSlice(width, left, left + from.shape[3]);
      if (targetRows[1] - targetRows[0] !== rows || targetColumns[1] - targetColumns[0] !== columns) {
        throw new Error(
          `samples_from of ${rows} x ${columns} does not fit at (${left}, ${top}) in a ${height} x ${width} latent`,
        );
      }
      if (rows === 0 || columns === 0) return to;
      let block =
        rows === from.shape[2] && columns === from.shape[3]
          ? from
          : track(await sliceSpatial(backend, from, sourceRows, sourceColumns));
      if (fade > 0) {
        const weights = featherMask(rows, columns, fade, {
          top: top !== 0,
          bottom: top + rows < height,
          left: left !== 0,
          right: left + columns < width,
        });
        const mask = track(backend.fromHost(weights, [1, 1, rows, columns]));
        const inverse = track(await backend.binary('sub', 1, mask));
        const under = track(await sliceSpatial(backend, to, targetRows, targetColumns));
        block = track(
          await backend.binary(
            'add',
            track(await backend.binary('mul', block, mask)),
            track(await backend.binary('mul', under, inverse)),
          ),
        );
      }
      const placed = track(
        await backend.pad(block, [
          [0, 0],
          [0, 0],
          [top, height - top - rows],
          [left, width - left - columns],
        ]),
      );
      const inside = new Uint8Array(height * width);
      for (let r = top; r < top + rows; r++) inside.fill(1, r * width + left, r * width + left + columns);
      const where = track(backend.fromHost(inside, [1, 1, height, width], 'bool'));
      return backend.where(where, placed, to);
    });
    if (out.shape.join() !== [batch, channels, height, width].join()) {
      const shape = `[${out.shape.join(', ')}]`;
      if (out !== to) out.dispose();
      throw new Error(`samples_from (batch ${from.shape[0]}) cannot be pasted into samples_to: ${shape}`);
    }
    return [withSamples(samples_to, out)];
  }
}

@Node({
  ...LATENT_NODE,
  classType: 'LatentBlend',
  displayName: 'Latent Blend',
  category: 'experimental',
  outputs: ['LATENT'],
  searchAliases: ['mix latents', 'interpolate latents'],
})
export class LatentBlend {
  @Input('LATENT') samples1!: Latent;
  @Input('LATENT') samples2!: Latent;
  @Input.float({ default: 0.5, min: 0, max: 1, step: 0.01 }) blend_factor!: number;

  async execute(
    { samples1, samples2, blend_factor }: NodeInputs<LatentBlend>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const a = samplesOf(samples1, 'samples1');
    const b = samplesOf(samples2, 'samples2');
    const out = await withScratch(async (track) => {
      let other = b;
      if (a.shape.join() !== b.shape.join()) {
        // ComfyUI resizes samples2 to samples1's size: bicubic, centre crop
        other = track(await resize(backend, b, 'BCHW', a.shape[2], a.shape[3], 'bicubic', 'center'));
      }
      return backend.binary(
        'add',
        track(await backend.binary('mul', a, blend_factor)),
        track(await backend.binary('mul', other, 1 - blend_factor)),
      );
    });
    return [withSamples(samples1, out)];
  }
}

@Node({
  ...LATENT_NODE,
  classType: 'LatentCrop',
  displayName: 'Crop Latent',
  category: 'model/latent/transform',
  outputs: ['LATENT'],
  searchAliases: ['trim latent', 'cut latent'],
})
export class LatentCrop {
  @Input('LATENT') samples!: Latent;
  @Input.int({ default: 512, min: 64, max: MAX_RESOLUTION, step: 8 }) width!: number;
  @Input.int({ default: 512, min: 64, max: MAX_RESOLUTION, step: 8 }) height!: number;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 8 }) x!: number;
  @Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 8 }) y!: number;

  async execute(
    { samples, width, height, x, y }: NodeInputs<LatentCrop>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const s = samplesOf(samples);
    const [, , rows, columns] = s.shape;
    // the crop starts at most 8 latent pixels (64 image pixels) before the far edges
    const left = Math.min(Math.floor(x / LATENT_SCALE), columns - 8);
    const top = Math.min(Math.floor(y / LATENT_SCALE), rows - 8);
    const right = left + Math.floor(width / LATENT_SCALE);
    const bottom = top + Math.floor(height / LATENT_SCALE);
    const out = await sliceSpatial(
      backend,
      s,
      pythonSlice(rows, top, bottom),
      pythonSlice(columns, left, right),
    );
    return [withSamples(samples, out)];
  }
}

/** `tensor.repeat((count, 1, 1, 1))` of torch (leading axes added as torch does for lower ranks). */
async function repeatBatch(backend: TensorBackend, tensor: Tensor, count: number): Promise<Tensor> {
  if (tensor.shape.length >= 4) {
    return backend.tile(tensor, [count, ...tensor.shape.slice(1).map(() => 1)]);
  }
  const lifted = await backend.reshape(tensor, [
    ...new Array<number>(4 - tensor.shape.length).fill(1),
    ...tensor.shape,
  ]);
  try {
    return await backend.tile(lifted, [count, 1, 1, 1]);
  } finally {
    lifted.dispose();
  }
}

@Node({
  ...LATENT_NODE,
  classType: 'RepeatLatentBatch',
  displayName: 'Repeat Latent Batch',
  category: 'model/latent/batch',
  outputs: ['LATENT'],
  searchAliases: ['duplicate latent', 'clone latent'],
})
export class RepeatLatentBatch {
  @Input('LATENT') samples!: Latent;
  @Input.int({ default: 1, min: 1, max: 64 }) amount!: number;

  async execute(
    { samples, amount }: NodeInputs<RepeatLatentBatch>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const s = samplesOf(samples);
    const out: Latent = withSamples(samples, await repeatBatch(backend, s, amount));
    const mask = samples.noise_mask;
    // ComfyUI repeats a per-image noise mask as it is (a shorter mask batch stays short)
    if (mask !== undefined && mask !== null && mask.shape[0] > 1) {
      out.noise_mask = await repeatBatch(backend, mask, amount);
    }
    const indices = out.batch_index;
    if (Array.isArray(indices)) {
      const offset = Math.max(...indices) - Math.min(...indices) + 1;
      const repeated = [...indices];
      for (let i = 1; i < amount; i++) for (const index of indices) repeated.push(index + i * offset);
      out.batch_index = repeated;
    }
    return [out];
  }
}

@Node({
  ...LATENT_NODE,
  classType: 'LatentFromBatch',
  displayName: 'Latent From Batch',
  category: 'model/latent/batch',
  outputs: ['LATENT'],
  searchAliases: ['select from batch', 'pick latent', 'batch subset'],
})
export class LatentFromBatch {
  @Input('LATENT') samples!: Latent;
  @Input.int({ default: 0, min: -MAX_RESOLUTION, max: MAX_RESOLUTION }) batch_index!: number;
  @Input.int({ default: 1, min: 1, max: 64 }) length!: number;

  async execute(
    { samples, batch_index, length }: NodeInputs<LatentFromBatch>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const s = samplesOf(samples);
    const [batch, ...rest] = s.shape;
    // a negative index counts from the end; the range is clamped into the batch
    const first = Math.max(0, Math.min(batch - 1, batch_index < 0 ? batch + batch_index : batch_index));
    const count = Math.min(batch - first, length);
    const out: Latent = withSamples(
      samples,
      await backend.slice(s, [first, 0, 0, 0], [first + count, ...rest]),
    );
    const mask = samples.noise_mask;
    if (mask !== undefined && mask !== null) {
      let masks: Tensor = mask;
      if (mask.shape[0] !== 1) {
        if (mask.shape[0] < batch) {
          const tiled = await repeatBatch(backend, mask, Math.ceil(batch / mask.shape[0]));
          masks = await backend.slice(
            tiled,
            tiled.shape.map(() => 0),
            [batch, ...tiled.shape.slice(1)],
          );
          tiled.dispose();
        }
        const [, ...maskRest] = masks.shape;
        const end = Math.min(first + count, masks.shape[0]);
        const picked = await backend.slice(masks, [first, ...maskRest.map(() => 0)], [end, ...maskRest]);
        if (masks !== mask) masks.dispose();
        masks = picked;
      }
      out.noise_mask = masks;
    }
    out.batch_index = Array.isArray(samples.batch_index)
      ? samples.batch_index.slice(first, first + count)
      : Array.from({ length: count }, (_, i) => first + i);
    return [out];
  }
}
