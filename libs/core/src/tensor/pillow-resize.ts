/**
 * A byte-exact TypeScript port of Pillow's `Image.resize(size, Image.LANCZOS)` for 8-bit images
 * (the behaviour of Pillow 12, `src/libImaging/Resample.c` and the RGBA/LA paths of `Image.py`).
 *
 * Pillow resamples separably: a horizontal pass into an intermediate 8-bit image, then a vertical
 * pass, each with per-output-pixel filter weights turned into 22-bit fixed-point integers. Each
 * pass rounds and clips to 0..255, so the order of the passes and the integer rounding are part of
 * the result and are reproduced here exactly. Images with alpha are resized premultiplied.
 */

/** Bits of fraction in the fixed-point weights: 8 bits of result plus 2 bits of headroom. */
const PRECISION_BITS = 32 - 8 - 2;
/** Rounding offset added before the accumulated sum is shifted back down. */
const HALF = 1 << (PRECISION_BITS - 1);
/** Lanczos-3: the filter is non-zero on [-3, 3). */
const LANCZOS_SUPPORT = 3;

/** Filter weights for one axis: for each output index, which input span it reads and how. */
interface AxisCoefficients {
  /** Slots reserved per output index in `weights` (the widest possible span). */
  ksize: number;
  /** Pairs (first input index, number of inputs) per output index. */
  bounds: Int32Array;
  /** Fixed-point weights, `ksize` slots per output index; only the first `count` are used. */
  weights: Int32Array;
}

/** A tightly packed HWC 8-bit image. */
interface Raster {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

/** Truncated sinc windowed by a wider sinc, with Pillow's half-open interval [-3, 3). */
function lanczos(x: number): number {
  if (x >= -LANCZOS_SUPPORT && x < LANCZOS_SUPPORT) return sinc(x) * sinc(x / 3);
  return 0;
}

/**
 * Pillow's `precompute_coeffs` for the whole-image box: floating-point weights, normalised to sum
 * to 1 per output index. The truncating `Math.trunc` calls mirror C's `(int)` casts.
 */
function computeWeights(
  inSize: number,
  outSize: number,
): { ksize: number; bounds: Int32Array; weights: Float64Array } {
  // Pillow passes the box edges as C floats, so the input span is a float before widening.
  const scale = Math.fround(inSize) / outSize;
  // Downscaling stretches the filter so that every input pixel contributes.
  const filterScale = Math.max(scale, 1);
  const support = LANCZOS_SUPPORT * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const invFilterScale = 1 / filterScale;

  const bounds = new Int32Array(outSize * 2);
  const weights = new Float64Array(outSize * ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const first = Math.max(Math.trunc(center - support + 0.5), 0);
    const count = Math.min(Math.trunc(center + support + 0.5), inSize) - first;
    const base = xx * ksize;
    let total = 0;
    for (let x = 0; x < count; x++) {
      const w = lanczos((x + first - center + 0.5) * invFilterScale);
      weights[base + x] = w;
      total += w;
    }
    if (total !== 0) {
      for (let x = 0; x < count; x++) weights[base + x] /= total;
    }
    bounds[xx * 2] = first;
    bounds[xx * 2 + 1] = count;
  }
  return { ksize, bounds, weights };
}

/** Pillow's `normalize_coeffs_8bpc`: scale to fixed point, rounding half away from zero. */
function toFixedPoint(weights: Float64Array): Int32Array {
  const scaled = new Int32Array(weights.length);
  const one = 1 << PRECISION_BITS;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    scaled[i] = Math.trunc(w < 0 ? -0.5 + w * one : 0.5 + w * one);
  }
  return scaled;
}

function axisCoefficients(inSize: number, outSize: number): AxisCoefficients {
  const { ksize, bounds, weights } = computeWeights(inSize, outSize);
  return { ksize, bounds, weights: toFixedPoint(weights) };
}

/** Pillow's `clip8`: drop the fraction bits (arithmetic shift) and clamp to a byte. */
function clip8(sum: number): number {
  const v = sum >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Resamples one row horizontally, writing `outWidth * channels` bytes at `outStart`. The
 * per-channel sums are kept in locals; the 3- and 4-channel kernels are unrolled for speed.
 */
type RowKernel = (
  data: Uint8Array,
  rowStart: number,
  out: Uint8Array,
  outStart: number,
  outWidth: number,
  channels: number,
  coeffs: AxisCoefficients,
) => void;

const rowKernelAny: RowKernel = (data, rowStart, out, outStart, outWidth, channels, coeffs) => {
  const { ksize, bounds, weights } = coeffs;
  let o = outStart;
  for (let xx = 0; xx < outWidth; xx++) {
    const first = bounds[xx * 2];
    const count = bounds[xx * 2 + 1];
    const kBase = xx * ksize;
    for (let ch = 0; ch < channels; ch++) {
      let sum = HALF;
      let p = rowStart + first * channels + ch;
      for (let x = 0; x < count; x++, p += channels) sum += data[p] * weights[kBase + x];
      out[o++] = clip8(sum);
    }
  }
};

const rowKernel3: RowKernel = (data, rowStart, out, outStart, outWidth, _channels, coeffs) => {
  const { ksize, bounds, weights } = coeffs;
  let o = outStart;
  for (let xx = 0; xx < outWidth; xx++) {
    const count = bounds[xx * 2 + 1];
    const kBase = xx * ksize;
    let s0 = HALF;
    let s1 = HALF;
    let s2 = HALF;
    let p = rowStart + bounds[xx * 2] * 3;
    for (let x = 0; x < count; x++, p += 3) {
      const k = weights[kBase + x];
      s0 += data[p] * k;
      s1 += data[p + 1] * k;
      s2 += data[p + 2] * k;
    }
    out[o++] = clip8(s0);
    out[o++] = clip8(s1);
    out[o++] = clip8(s2);
  }
};

const rowKernel4: RowKernel = (data, rowStart, out, outStart, outWidth, _channels, coeffs) => {
  const { ksize, bounds, weights } = coeffs;
  let o = outStart;
  for (let xx = 0; xx < outWidth; xx++) {
    const count = bounds[xx * 2 + 1];
    const kBase = xx * ksize;
    let s0 = HALF;
    let s1 = HALF;
    let s2 = HALF;
    let s3 = HALF;
    let p = rowStart + bounds[xx * 2] * 4;
    for (let x = 0; x < count; x++, p += 4) {
      const k = weights[kBase + x];
      s0 += data[p] * k;
      s1 += data[p + 1] * k;
      s2 += data[p + 2] * k;
      s3 += data[p + 3] * k;
    }
    out[o++] = clip8(s0);
    out[o++] = clip8(s1);
    out[o++] = clip8(s2);
    out[o++] = clip8(s3);
  }
};

/** Horizontal pass over rows [firstRow, firstRow + rowCount) of `src`. */
function resampleHorizontal(
  src: Raster,
  firstRow: number,
  rowCount: number,
  outWidth: number,
  coeffs: AxisCoefficients,
): Raster {
  const { data, width, channels } = src;
  const kernel = channels === 3 ? rowKernel3 : channels === 4 ? rowKernel4 : rowKernelAny;
  const outRowLength = outWidth * channels;
  const out = new Uint8Array(outRowLength * rowCount);
  for (let y = 0; y < rowCount; y++) {
    const rowStart = (firstRow + y) * width * channels;
    kernel(data, rowStart, out, y * outRowLength, outWidth, channels, coeffs);
  }
  return { data: out, width: outWidth, height: rowCount, channels };
}

/**
 * Vertical pass. `rowShift` is subtracted from the coefficient bounds when `src` holds only the
 * rows the vertical filter needs (as Pillow's intermediate image does). Each output row is a
 * weighted sum of whole input rows, so channels need no special handling; four neighbouring
 * bytes are summed at once to keep the sums in locals.
 */
function resampleVertical(
  src: Raster,
  rowShift: number,
  outHeight: number,
  coeffs: AxisCoefficients,
): Raster {
  const { data, width, channels } = src;
  const { ksize, bounds, weights } = coeffs;
  const rowLength = width * channels;
  const out = new Uint8Array(rowLength * outHeight);
  for (let yy = 0; yy < outHeight; yy++) {
    const inStart = (bounds[yy * 2] - rowShift) * rowLength;
    const count = bounds[yy * 2 + 1];
    const kBase = yy * ksize;
    const outStart = yy * rowLength;
    let i = 0;
    for (; i + 3 < rowLength; i += 4) {
      let s0 = HALF;
      let s1 = HALF;
      let s2 = HALF;
      let s3 = HALF;
      let p = inStart + i;
      for (let y = 0; y < count; y++, p += rowLength) {
        const k = weights[kBase + y];
        s0 += data[p] * k;
        s1 += data[p + 1] * k;
        s2 += data[p + 2] * k;
        s3 += data[p + 3] * k;
      }
      out[outStart + i] = clip8(s0);
      out[outStart + i + 1] = clip8(s1);
      out[outStart + i + 2] = clip8(s2);
      out[outStart + i + 3] = clip8(s3);
    }
    for (; i < rowLength; i++) {
      let sum = HALF;
      let p = inStart + i;
      for (let y = 0; y < count; y++, p += rowLength) sum += data[p] * weights[kBase + y];
      out[outStart + i] = clip8(sum);
    }
  }
  return { data: out, width, height: outHeight, channels };
}

/** Pillow's `ImagingResampleInner` for the whole-image box: horizontal pass first, then vertical. */
function resample(src: Raster, outWidth: number, outHeight: number): Raster {
  const needHorizontal = outWidth !== src.width;
  const needVertical = outHeight !== src.height;
  const vertical = axisCoefficients(src.height, outHeight);

  let current = src;
  let rowShift = 0;
  if (needHorizontal) {
    // Only the rows the vertical pass will read go through the horizontal pass.
    const firstRow = vertical.bounds[0];
    const lastRow = vertical.bounds[outHeight * 2 - 2] + vertical.bounds[outHeight * 2 - 1];
    const horizontal = axisCoefficients(src.width, outWidth);
    current = resampleHorizontal(src, firstRow, lastRow - firstRow, outWidth, horizontal);
    rowShift = firstRow;
  }
  if (needVertical) current = resampleVertical(current, rowShift, outHeight, vertical);
  return current;
}

/** Pillow's `MULDIV255`: round(a * b / 255) computed with shifts. */
function mulDiv255(a: number, b: number): number {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

/**
 * RGBA -> RGBa / LA -> La: multiply the colour channels by alpha (alpha is the last channel).
 * Pillow does this before resampling so transparent pixels do not bleed their colour.
 */
function premultiply(data: Uint8Array, channels: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let p = 0; p < data.length; p += channels) {
    const alpha = data[p + channels - 1];
    for (let ch = 0; ch < channels - 1; ch++) out[p + ch] = mulDiv255(data[p + ch], alpha);
    out[p + channels - 1] = alpha;
  }
  return out;
}

/**
 * RGBa -> RGBA / La -> LA, in place: integer division by alpha, clipped to 255. Pixels with
 * alpha 0 or 255 are left as they are.
 */
function unpremultiplyInPlace(data: Uint8Array, channels: number): void {
  for (let p = 0; p < data.length; p += channels) {
    const alpha = data[p + channels - 1];
    if (alpha === 0 || alpha === 255) continue;
    for (let ch = 0; ch < channels - 1; ch++) {
      data[p + ch] = Math.min(Math.trunc((255 * data[p + ch]) / alpha), 255);
    }
  }
}

function checkSize(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
}

/**
 * Resize an interleaved (HWC) 8-bit image exactly as Pillow's `Image.resize(size, LANCZOS)`
 * does. `channels` selects the Pillow mode: 1 = L, 2 = LA, 3 = RGB, 4 = RGBA. LA and RGBA are
 * resized premultiplied by alpha, as Pillow does. The same size returns a copy, unchanged.
 */
export function pillowLanczosResize(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 2 | 3 | 4,
  outWidth: number,
  outHeight: number,
): Uint8Array {
  checkSize('width', width);
  checkSize('height', height);
  checkSize('outWidth', outWidth);
  checkSize('outHeight', outHeight);
  if (![1, 2, 3, 4].includes(channels)) {
    throw new RangeError(`channels must be 1, 2, 3 or 4, got ${channels}`);
  }
  if (pixels.length !== width * height * channels) {
    throw new RangeError(
      `expected ${width * height * channels} bytes for ${width}x${height}x${channels}, got ${pixels.length}`,
    );
  }
  // Pillow returns a plain copy before any alpha conversion when the size does not change.
  if (outWidth === width && outHeight === height) return pixels.slice();

  const hasAlpha = channels === 2 || channels === 4;
  const data = hasAlpha ? premultiply(pixels, channels) : pixels;
  const result = resample({ data, width, height, channels }, outWidth, outHeight).data;
  if (hasAlpha) unpremultiplyInPlace(result, channels);
  return result;
}
