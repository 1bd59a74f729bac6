import type { Tensor, TensorBackend } from '@easel/core';

export interface TiledScaleOptions {
  /** Tile edge in input pixels (ComfyUI: 512). */
  tile: number;
  /** Overlap between neighbouring tiles in input pixels (ComfyUI: 32). */
  overlap: number;
  /** Output pixels per input pixel. */
  scale: number;
  /** Called after each tile with (tiles done, tiles in all). */
  onTile?: (done: number, total: number) => void;
  /** Checked before each tile; an aborted signal stops the work with its reason. */
  signal?: AbortSignal;
  /**
   * Applied to what `scaleTile` returns: multiplied by `multiply`, then clamped to
   * `[min, max]`. On the blended path this happens on the host while blending, which saves
   * two passes over the full-size result.
   */
  output?: { multiply: number; min: number; max: number };
}

/** Tiles one image of `height` x `width` takes (ComfyUI's `get_tiled_scale_steps`). */
export function tileCount(height: number, width: number, tile: number, overlap: number): number {
  const along = (size: number) => (size <= tile ? 1 : Math.ceil((size - overlap) / (tile - overlap)));
  return along(height) * along(width);
}

/** Tile origins along one axis: every `tile - overlap` pixels, like ComfyUI's `tiled_scale_multidim`. */
function origins(size: number, tile: number, overlap: number): number[] {
  if (size <= tile) return [0];
  const out: number[] = [];
  for (let p = 0; p < size - overlap; p += tile - overlap) out.push(Math.max(0, Math.min(size - overlap, p)));
  return out;
}

/** Weights that fade a tile's first and last `feather` rows in: (t + 1) / feather. */
function featherRamp(length: number, feather: number): Float32Array {
  const ramp = new Float32Array(length).fill(1);
  if (feather >= length) return ramp;
  for (let t = 0; t < feather; t++) {
    const a = (t + 1) / feather;
    ramp[t] = Math.fround(ramp[t] * a);
    ramp[length - 1 - t] = Math.fround(ramp[length - 1 - t] * a);
  }
  return ramp;
}

/**
 * ComfyUI's `tiled_scale`: runs `scaleTile` on overlapping tiles of each image of `images`
 * (`[B, H, W, C]`) and blends the scaled tiles with feathered edges, so images of any size fit in
 * memory. An image that fits in one tile is scaled in one call. Each call gets `[1, h, w, C]` and
 * returns `[1, h * scale, w * scale, C']`. Returns `[B, H * scale, W * scale, C']`.
 */
export async function tiledScale(
  backend: TensorBackend,
  images: Tensor,
  scaleTile: (tile: Tensor) => Promise<Tensor>,
  options: TiledScaleOptions,
): Promise<Tensor> {
  const { tile, overlap, scale } = options;
  const [batch, height, width, channels] = images.shape;
  const outHeight = Math.round(height * scale);
  const outWidth = Math.round(width * scale);
  const total = batch * tileCount(height, width, tile, overlap);
  let done = 0;
  const step = () => options.onTile?.(++done, total);
  const checkInterrupt = () => {
    if (options.signal?.aborted)
      throw options.signal.reason instanceof Error ? options.signal.reason : new Error('interrupted');
  };

  const results: Tensor[] = [];
  try {
    for (let b = 0; b < batch; b++) {
      checkInterrupt();
      const image = await backend.slice(images, [b, 0, 0, 0], [b + 1, height, width, channels]);
      try {
        if (height <= tile && width <= tile) {
          results.push(await finish(backend, await scaleTile(image), options.output));
          step();
          continue;
        }
        results.push(
          await blendTiles(backend, image, scaleTile, options, [outHeight, outWidth], step, checkInterrupt),
        );
      } finally {
        image.dispose();
      }
    }
    return results.length === 1 ? results[0] : await backend.concat(results, 0);
  } finally {
    if (results.length > 1) for (const r of results) r.dispose();
  }
}

async function blendTiles(
  backend: TensorBackend,
  image: Tensor,
  scaleTile: (tile: Tensor) => Promise<Tensor>,
  { tile, overlap, scale, output }: TiledScaleOptions,
  [outHeight, outWidth]: [number, number],
  step: () => void,
  checkInterrupt: () => void,
): Promise<Tensor> {
  const [, height, width, channels] = image.shape;
  let sum: Float32Array | null = null;
  let weight: Float32Array | null = null;
  let outChannels = 0;
  const feather = Math.round(scale * overlap);
  for (const y0 of origins(height, tile, overlap)) {
    for (const x0 of origins(width, tile, overlap)) {
      checkInterrupt();
      const h = Math.min(tile, height - y0);
      const w = Math.min(tile, width - x0);
      const input = await backend.slice(image, [0, y0, x0, 0], [1, y0 + h, x0 + w, channels]);
      const scaled = await scaleTile(input).finally(() => input.dispose());
      const [, th, tw, tc] = scaled.shape;
      const pixels = (await backend.read(scaled)) as Float32Array;
      scaled.dispose();
      if (sum === null || weight === null) {
        outChannels = tc;
        sum = new Float32Array(outHeight * outWidth * tc);
        // one weight per pixel: ComfyUI's out_div is the same in every channel
        weight = new Float32Array(outHeight * outWidth);
      }
      const rows = featherRamp(th, feather);
      const cols = featherRamp(tw, feather);
      const top = Math.round(y0 * scale);
      const left = Math.round(x0 * scale);
      const mask = new Float32Array(tw);
      for (let y = 0; y < th && top + y < outHeight; y++) {
        // the tile's mask row: its row weight times each column weight (float32, like ComfyUI)
        for (let x = 0; x < tw; x++) mask[x] = rows[y] * cols[x];
        const visible = Math.min(tw, outWidth - left);
        let src = y * tw * tc;
        const pixel = (top + y) * outWidth + left;
        let dst = pixel * tc;
        for (let x = 0; x < visible; x++) {
          const m = mask[x];
          weight[pixel + x] += m;
          for (let c = 0; c < tc; c++, src++, dst++) sum[dst] += pixels[src] * m;
        }
      }
      step();
    }
  }
  if (sum === null || weight === null) throw new Error('no tiles were scaled');
  const { multiply = 1, min = -Infinity, max = Infinity } = output ?? {};
  for (let p = 0, i = 0; p < weight.length; p++) {
    const factor = multiply / weight[p];
    for (let c = 0; c < outChannels; c++, i++) sum[i] = Math.min(Math.max(sum[i] * factor, min), max);
  }
  return backend.fromHost(sum, [1, outHeight, outWidth, outChannels]);
}

/** The single-tile path of `output`: multiply, then clamp, on the backend. */
async function finish(
  backend: TensorBackend,
  scaled: Tensor,
  output: TiledScaleOptions['output'],
): Promise<Tensor> {
  if (!output) return scaled;
  const multiplied = output.multiply === 1 ? scaled : await backend.binary('mul', scaled, output.multiply);
  if (multiplied !== scaled) scaled.dispose();
  try {
    return await backend.clamp(multiplied, output.min, output.max);
  } finally {
    multiplied.dispose();
  }
}
