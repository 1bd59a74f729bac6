import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { pillowLanczosResize } from './pillow-resize.js';

interface TensorRecord {
  shape: number[];
  data_b64: string;
}

interface GoldenCase {
  inputs: Record<string, unknown>;
  input_tensors: { image: TensorRecord };
  outputs: TensorRecord[];
}

function loadGolden(name: string): GoldenCase {
  const url = new URL(`../../../../tools/fixtures/comfyui-0.24-goldens/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as GoldenCase;
}

/** base64 of little-endian float32 values, as described in the fixtures README. */
function decodeFloat32(record: TensorRecord): Float32Array {
  const bytes = Buffer.from(record.data_b64, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

/** ComfyUI's float -> uint8 step: trunc(clip(255 * v, 0, 255)), the product in float32. */
function toUint8(value: number): number {
  return Math.trunc(Math.min(Math.max(Math.fround(255 * value), 0), 255));
}

/** Python's round(): half to even. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** ComfyUI's `crop: "center"` margins before scaling to width x height. */
function centerCropMargins(W: number, H: number, width: number, height: number): { x: number; y: number } {
  const oldAspect = W / H;
  const newAspect = width / height;
  if (oldAspect > newAspect) return { x: roundHalfEven((W - W * (newAspect / oldAspect)) / 2), y: 0 };
  if (oldAspect < newAspect) return { x: 0, y: roundHalfEven((H - H * (oldAspect / newAspect)) / 2) };
  return { x: 0, y: 0 };
}

/** One image of the batch as uint8 HWC, cropped by (x, y) on each side. */
function batchItemAsUint8(
  values: Float32Array,
  shape: number[],
  index: number,
  crop: { x: number; y: number },
): { pixels: Uint8Array; width: number; height: number } {
  const [, H, W, C] = shape;
  const width = W - 2 * crop.x;
  const height = H - 2 * crop.y;
  const pixels = new Uint8Array(width * height * C);
  let o = 0;
  for (let y = crop.y; y < H - crop.y; y++) {
    for (let x = crop.x; x < W - crop.x; x++) {
      const base = ((index * H + y) * W + x) * C;
      for (let c = 0; c < C; c++) pixels[o++] = toUint8(values[base + c]);
    }
  }
  return { pixels, width, height };
}

/** Runs a ComfyUI lanczos case through the port and returns [actual, expected] as floats. */
function runLanczosCase(name: string): { actual: Float32Array; expected: Float32Array } {
  const golden = loadGolden(name);
  const input = golden.input_tensors.image;
  const output = golden.outputs[0];
  const [B, H, W, C] = input.shape;
  const [, outHeight, outWidth] = output.shape;
  const values = decodeFloat32(input);
  const crop =
    golden.inputs.crop === 'center' ? centerCropMargins(W, H, outWidth, outHeight) : { x: 0, y: 0 };

  const actual = new Float32Array(B * outHeight * outWidth * C);
  for (let b = 0; b < B; b++) {
    const { pixels, width, height } = batchItemAsUint8(values, input.shape, b, crop);
    const resized = pillowLanczosResize(pixels, width, height, C as 1 | 2 | 3 | 4, outWidth, outHeight);
    const offset = b * resized.length;
    for (let i = 0; i < resized.length; i++) actual[offset + i] = resized[i] / 255;
  }
  return { actual, expected: decodeFloat32(output) };
}

describe('pillowLanczosResize', () => {
  it('returns an equal copy when the size does not change', () => {
    const pixels = Uint8Array.from({ length: 5 * 4 * 4 }, (_, i) => (i * 37) % 256);
    const out = pillowLanczosResize(pixels, 5, 4, 4, 5, 4);
    expect(out).toEqual(pixels);
    expect(out).not.toBe(pixels);
  });

  it.each([
    [1, 1, [77]],
    [3, 3, [10, 200, 255]],
    [4, 4, [10, 200, 90, 255]],
    [2, 2, [123, 255]],
  ] as const)('keeps a constant %i-channel image constant (%#)', (_, channels, pixel) => {
    const [w, h] = [9, 7];
    const pixels = new Uint8Array(w * h * channels).map((__, i) => pixel[i % channels]);
    for (const [ow, oh] of [
      [20, 3],
      [4, 15],
      [9, 2],
      [31, 7],
    ]) {
      const out = pillowLanczosResize(pixels, w, h, channels, ow, oh);
      expect(out.length).toBe(ow * oh * channels);
      expect(out.every((v, i) => v === pixel[i % channels])).toBe(true);
    }
  });

  it('premultiplies alpha: a fully transparent neighbour does not tint the colour', () => {
    // Opaque red next to transparent green; straight per-channel resizing would mix in green.
    const pixels = Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 0]);
    const out = pillowLanczosResize(pixels, 2, 1, 4, 3, 1);
    for (let p = 0; p < out.length; p += 4) {
      if (out[p + 3] !== 0) expect(out[p + 1]).toBe(0);
    }
  });

  it('rejects a buffer of the wrong length', () => {
    expect(() => pillowLanczosResize(new Uint8Array(5), 2, 2, 1, 3, 3)).toThrow(RangeError);
  });

  it.each([
    'ImageScale_lanczos_disabled',
    'ImageScale_lanczos_center',
    'ImageScale_lanczos_rgba',
    'ImageScaleBy_lanczos_1.3',
  ])('matches ComfyUI golden %s exactly', (name) => {
    const { actual, expected } = runLanczosCase(name);
    expect(actual.length).toBe(expected.length);
    const mismatches: string[] = [];
    for (let i = 0; i < expected.length; i++) {
      if (actual[i] !== expected[i]) {
        mismatches.push(`#${i}: ${Math.round(actual[i] * 255)} vs ${Math.round(expected[i] * 255)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
