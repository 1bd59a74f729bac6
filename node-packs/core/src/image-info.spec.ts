import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  Directories,
  ImageOutputOptions,
  createServiceContainer,
  type NodeContext,
  type Tensor,
} from '@easel/core';
import { OnnxBackend } from '@easel/backend-onnx';
import { GetImageSize, ImageScaleToMaxDimension, MaskPreview, ResizeAndPadImage } from './image-info.js';
import type { ImageFileEntry } from './image-output.js';
import { readPngText } from './png-text.js';

// Expectations are computed here from ComfyUI's formulas in plain JS (PyTorch's nearest-exact and
// bilinear interpolation, Python's rounding and int()), then compared element-wise.

const backend = new OnnxBackend({ device: 'cpu' });
const texts: string[] = [];
const quiet = () => undefined;
const context = {
  nodeId: '7',
  promptId: 'p',
  signal: new AbortController().signal,
  progress: { update: quiet, text: (text: string) => texts.push(text) },
  logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
  backend,
} as unknown as NodeContext;
const TOLERANCE = 1e-6;

/** A host array: shape and row-major values. */
interface Arr {
  shape: number[];
  data: number[];
}

function make(shape: number[], at: (index: number[]) => number): Arr {
  const data: number[] = [];
  const index = shape.map(() => 0);
  const size = shape.reduce((a, b) => a * b, 1);
  for (let n = 0; n < size; n++) {
    data.push(at([...index]));
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++index[k] < shape[k]) break;
      index[k] = 0;
    }
  }
  return { shape, data };
}

function get(a: Arr, index: readonly number[]): number {
  let offset = 0;
  for (let k = 0; k < a.shape.length; k++) offset = offset * a.shape[k] + index[k];
  return a.data[offset];
}

/** Deterministic image values in [0, 1]. */
const imagePattern = (shape: number[], seed = 1): Arr =>
  make(shape, (index) => {
    const i = index.reduce((o, v, k) => o * shape[k] + v, 0);
    return Math.fround(0.5 + 0.5 * Math.sin(0.7 * i + seed));
  });

const toTensor = (a: Arr): Tensor => backend.fromHost(Float32Array.from(a.data), a.shape);

async function expectClose(actual: Tensor, expected: Arr, tolerance = TOLERANCE): Promise<void> {
  expect([...actual.shape]).toEqual(expected.shape);
  const got = Array.from(await backend.read(actual));
  const worst = got.reduce((w, v, i) => Math.max(w, Math.abs(v - expected.data[i])), 0);
  if (!(worst <= tolerance)) throw new Error(`largest difference ${worst} exceeds ${tolerance}`);
}

/** PyTorch's per-axis taps: [index, weight] pairs for each output index. */
function taps(method: 'nearest-exact' | 'bilinear', inSize: number, outSize: number): [number, number][][] {
  const scale = Math.fround(inSize / outSize);
  return Array.from({ length: outSize }, (_, i): [number, number][] => {
    if (method === 'nearest-exact') return [[Math.min(Math.floor((i + 0.5) * scale), inSize - 1), 1]];
    const real = Math.max(scale * (i + 0.5) - 0.5, 0);
    const i0 = Math.min(Math.floor(real), inSize - 1);
    const lambda = Math.min(real - i0, 1);
    return [
      [i0, 1 - lambda],
      [i0 < inSize - 1 ? i0 + 1 : i0, lambda],
    ];
  });
}

/** F.interpolate of an IMAGE batch `[B, H, W, C]` to height x width. */
function interpolate(image: Arr, method: 'nearest-exact' | 'bilinear', height: number, width: number): Arr {
  const [batch, inH, inW, channels] = image.shape;
  const ys = taps(method, inH, height);
  const xs = taps(method, inW, width);
  return make([batch, height, width, channels], ([b, i, j, c]) => {
    let sum = 0;
    for (const [y, wy] of ys[i]) for (const [x, wx] of xs[j]) sum += wy * wx * get(image, [b, y, x, c]);
    return sum;
  });
}

/** Python's round(). */
function pyRound(v: number): number {
  const floor = Math.floor(v);
  const diff = v - floor;
  if (diff !== 0.5) return diff > 0.5 ? floor + 1 : floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

describe('GetImageSize', () => {
  beforeEach(() => texts.splice(0));

  it('gives width, height and batch size, and shows them on the node', () => {
    const image = toTensor(imagePattern([3, 5, 7, 4]));
    expect(new GetImageSize().execute({ image, unique_id: '7' }, context)).toEqual([7, 5, 3]);
    expect(texts).toEqual(['width: 7, height: 5\n batch size: 3']);
  });

  it('shows nothing without a node id', () => {
    const image = toTensor(imagePattern([1, 2, 3, 3]));
    expect(new GetImageSize().execute({ image, unique_id: '' }, context)).toEqual([3, 2, 1]);
    expect(texts).toEqual([]);
  });

  it('rejects what is not an IMAGE', () => {
    const mask = toTensor(imagePattern([1, 2, 3]));
    expect(() => new GetImageSize().execute({ image: mask, unique_id: '7' }, context)).toThrow(/IMAGE/);
  });
});

describe('MaskPreview', () => {
  let base: string;
  let directories: Directories;

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'easel-mask-preview-'));
    directories = {
      base,
      input: join(base, 'input'),
      output: join(base, 'output'),
      temp: join(base, 'temp'),
      user: join(base, 'user'),
      models: join(base, 'models'),
      customNodes: join(base, 'custom_nodes'),
    };
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  const PROMPT = { '1': { class_type: 'MaskPreview', inputs: { mask: ['2', 0] } } };

  it('writes each mask as a grey RGB PNG in the temp folder, without text chunks', async () => {
    // values outside 0..1 are clipped; the rest truncated after * 255, as ComfyUI converts them
    const values = [0, 0.5, 1, -0.25, 1.5, 0.999, 0.1, 0.2, 0.3, 0.4, 0.6, 0.7];
    const mask = make([2, 2, 3], ([b, i, j]) => Math.fround(values[b * 6 + i * 3 + j]));
    const node = new MaskPreview(directories);
    const result = await node.execute(
      { mask: toTensor(mask), prompt: PROMPT, extra_pnginfo: { workflow: {} } },
      context,
    );
    expect(Object.keys(result)).toEqual(['ui']);
    expect(Object.keys(result.ui!)).toEqual(['images', 'animated']);
    expect(result.ui!.animated).toEqual([false]);
    const entries = result.ui!.images as ImageFileEntry[];
    expect(entries).toHaveLength(2);
    const match = /^ComfyUI_temp_([abcdefghijklmnopqrstuvxyz]{5})_00001_\.png$/.exec(entries[0].filename);
    expect(match).not.toBeNull();
    expect(entries[1]).toEqual({
      filename: `ComfyUI_temp_${match![1]}_00002_.png`,
      subfolder: '',
      type: 'temp',
    });

    for (const [b, entry] of entries.entries()) {
      expect(entry.type).toBe('temp');
      const png = await readFile(join(directories.temp, entry.filename));
      expect(readPngText(png)).toEqual([]);
      const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([3, 2, 3]);
      const expected: number[] = [];
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 3; j++) {
          const v = Math.fround(get(mask, [b, i, j]) * 255);
          const byte = v >= 255 ? 255 : v > 0 ? Math.trunc(v) : 0;
          expected.push(byte, byte, byte);
        }
      }
      expect([...data]).toEqual(expected);
    }
  });

  it('previews a single [H, W] mask and is built by the service container', async () => {
    const services = createServiceContainer();
    services.register(Directories, { useValue: directories });
    services.register(ImageOutputOptions, { useValue: { disableMetadata: false } });
    const node = services.resolve(MaskPreview);
    const mask = make([2, 2], ([i, j]) => (i * 2 + j) / 3);
    const result = await node.execute({ mask: toTensor(mask), prompt: PROMPT, extra_pnginfo: null }, context);
    const [entry] = result.ui!.images as ImageFileEntry[];
    const { data, info } = await sharp(join(directories.temp, entry.filename))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([2, 2, 3]);
    expect([...data]).toEqual([0, 0, 0, 85, 85, 85, 170, 170, 170, 255, 255, 255]);
  });
});

describe('ImageScaleToMaxDimension', () => {
  it.each([
    // [height, width, largest_size, new height, new width]
    [3, 5, 7, pyRound((3 / 5) * 7), 7],
    [5, 3, 7, 7, pyRound((3 / 5) * 7)],
    [4, 8, 5, 2, 5], // 2.5 rounds to the even 2
    [4, 8, 7, 4, 7], // 3.5 rounds to the even 4
    [4, 4, 6, 6, 6],
  ])('scales %i x %i (h x w) to a largest side of %i: %i x %i', async (h, w, largest, newH, newW) => {
    const image = imagePattern([2, h, w, 3]);
    for (const method of ['nearest-exact', 'bilinear'] as const) {
      const [out] = (await new ImageScaleToMaxDimension().execute(
        { image: toTensor(image), upscale_method: method, largest_size: largest },
        context,
      )) as Tensor[];
      await expectClose(out, interpolate(image, method, newH, newW));
    }
  });

  it('fails when nothing is left of the image', async () => {
    const image = toTensor(imagePattern([1, 2, 3, 3]));
    await expect(
      new ImageScaleToMaxDimension().execute({ image, upscale_method: 'bilinear', largest_size: 0 }, context),
    ).rejects.toThrow(/no pixels left/);
  });
});

/** ResizeAndPadImage's formula: fit (sizes truncated), centre, pad. */
function resizeAndPadRef(
  image: Arr,
  targetW: number,
  targetH: number,
  pad: number,
  method: 'nearest-exact' | 'bilinear',
): Arr {
  const [batch, h, w, channels] = image.shape;
  const scale = Math.min(targetW / w, targetH / h);
  const newW = Math.trunc(w * scale);
  const newH = Math.trunc(h * scale);
  const resized = interpolate(image, method, newH, newW);
  const top = Math.floor((targetH - newH) / 2);
  const left = Math.floor((targetW - newW) / 2);
  return make([batch, targetH, targetW, channels], ([b, i, j, c]) => {
    const y = i - top;
    const x = j - left;
    return y >= 0 && y < newH && x >= 0 && x < newW ? get(resized, [b, y, x, c]) : pad;
  });
}

describe('ResizeAndPadImage', () => {
  it.each([
    // [height, width, target width, target height]
    [4, 6, 8, 8],
    [6, 4, 8, 8],
    [3, 7, 10, 5],
    [5, 5, 4, 7],
    [2, 3, 9, 6],
    [4, 6, 6, 4],
  ])('fits a %i x %i (h x w) image into %i x %i (w x h)', async (h, w, targetW, targetH) => {
    const image = imagePattern([2, h, w, 4], h + w);
    for (const [color, pad] of [
      ['white', 1],
      ['black', 0],
    ] as const) {
      for (const method of ['nearest-exact', 'bilinear'] as const) {
        const [out] = (await new ResizeAndPadImage().execute(
          {
            image: toTensor(image),
            target_width: targetW,
            target_height: targetH,
            padding_color: color,
            interpolation: method,
          },
          context,
        )) as Tensor[];
        await expectClose(out, resizeAndPadRef(image, targetW, targetH, pad, method));
      }
    }
  });

  it('fails when the fitted image has no pixels', async () => {
    const image = toTensor(imagePattern([1, 1, 40, 3]));
    await expect(
      new ResizeAndPadImage().execute(
        { image, target_width: 20, target_height: 20, padding_color: 'white', interpolation: 'area' },
        context,
      ),
    ).rejects.toThrow(/no pixels left/);
  });
});
