import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ComfyClient, type DecodedImage } from './testing/comfy-client.js';
import { startServerProcess, type ServerProcess } from './testing/server-process.js';

// The acceptance workflow, submitted as ComfyUI's workflow_api.json:
// LoadImage -> ImageScale -> ImageBlur -> ImageCompositeMasked -> SaveImage. The expected pixels
// are computed here, independently of Easel's nodes, with the formulas ComfyUI's code applies
// (PyTorch nearest-exact interpolation, ComfyUI's gaussian kernel with reflect padding, the
// masked composite, and SaveImage's trunc(clip(255 * v))), in double precision.

const WIDTH = 24;
const HEIGHT = 20;

/** A deterministic RGBA test image: gradients, a pattern and varied transparency. */
function sourceRgba(): Uint8Array {
  const data = new Uint8Array(WIDTH * HEIGHT * 4);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const i = (y * WIDTH + x) * 4;
      data[i] = (x * 11 + y * 3) % 256;
      data[i + 1] = (y * 13 + ((x * y) % 7) * 9) % 256;
      data[i + 2] = (x * 5 + y * 17 + 40) % 256;
      data[i + 3] = x < 6 ? 255 : (x * 23 + y * 29) % 256;
    }
  }
  return data;
}

type Plane = { width: number; height: number; channels: number; data: Float64Array };

const at = (p: Plane, x: number, y: number, c: number) => p.data[(y * p.width + x) * p.channels + c];

function nearestExact(src: Plane, width: number, height: number): Plane {
  const out = new Float64Array(width * height * src.channels);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(Math.floor((y + 0.5) * (src.height / height)), src.height - 1);
    for (let x = 0; x < width; x++) {
      const sx = Math.min(Math.floor((x + 0.5) * (src.width / width)), src.width - 1);
      for (let c = 0; c < src.channels; c++) out[(y * width + x) * src.channels + c] = at(src, sx, sy, c);
    }
  }
  return { width, height, channels: src.channels, data: out };
}

/** ComfyUI's ImageBlur: gaussian kernel over linspace(-1, 1), reflect padding. */
function blur(src: Plane, radius: number, sigma: number): Plane {
  const size = radius * 2 + 1;
  const axis = Array.from({ length: size }, (_, i) => -1 + (2 * i) / (size - 1));
  const kernel: number[][] = axis.map((u) =>
    axis.map((v) => Math.exp(-(u * u + v * v) / (2 * sigma * sigma))),
  );
  const total = kernel.flat().reduce((a, b) => a + b, 0);
  const reflect = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
  const out = new Float64Array(src.data.length);
  for (let y = 0; y < src.height; y++)
    for (let x = 0; x < src.width; x++)
      for (let c = 0; c < src.channels; c++) {
        let sum = 0;
        for (let i = 0; i < size; i++)
          for (let j = 0; j < size; j++)
            sum +=
              (kernel[i][j] / total) *
              at(src, reflect(x + j - radius, src.width), reflect(y + i - radius, src.height), c);
        out[(y * src.width + x) * src.channels + c] = sum;
      }
  return { ...src, data: out };
}

/** ComfyUI's masked composite with multiplier 1 and a mask of the source's size. */
function composite(destination: Plane, source: Plane, mask: Float64Array, left: number, top: number): Plane {
  const out = Float64Array.from(destination.data);
  for (let y = 0; y < source.height; y++)
    for (let x = 0; x < source.width; x++) {
      const dx = x + left;
      const dy = y + top;
      if (dx >= destination.width || dy >= destination.height) continue;
      const m = mask[y * source.width + x];
      for (let c = 0; c < 3; c++) {
        const i = (dy * destination.width + dx) * 3 + c;
        out[i] = m * at(source, x, y, c) + (1 - m) * destination.data[i];
      }
    }
  return { ...destination, data: out };
}

describe('LoadImage -> ImageScale -> ImageBlur -> ImageCompositeMasked -> SaveImage (end to end)', () => {
  let base: string;
  let server: ServerProcess;
  let client: ComfyClient;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'easel-workflow-'));
    server = await startServerProcess(['--base-directory', base], 60_000);
    client = await ComfyClient.connect(server.url);
  }, 90_000);
  afterAll(async () => {
    client?.close();
    await server?.stop();
    await rm(base, { recursive: true, force: true });
  });

  it("produces ComfyUI's pixels", async () => {
    const rgba = sourceRgba();
    const png = await sharp(Buffer.from(rgba), { raw: { width: WIDTH, height: HEIGHT, channels: 4 } })
      .png()
      .toBuffer();
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'workflow-source.png');
    const upload = await fetch(`${server.url}/upload/image`, { method: 'POST', body: form });
    expect(upload.status).toBe(200);
    const { name } = (await upload.json()) as { name: string };

    // workflow_api.json as ComfyUI's frontend exports it
    const workflowApi = {
      '10': { class_type: 'LoadImage', inputs: { image: name }, _meta: { title: 'Load Image' } },
      '11': {
        class_type: 'ImageScale',
        inputs: {
          image: ['10', 0],
          upscale_method: 'nearest-exact',
          width: 32,
          height: 28,
          crop: 'disabled',
        },
        _meta: { title: 'Upscale Image' },
      },
      '12': {
        class_type: 'ImageBlur',
        inputs: { image: ['11', 0], blur_radius: 2, sigma: 1.0 },
        _meta: { title: 'Image Blur' },
      },
      '13': {
        class_type: 'ImageCompositeMasked',
        inputs: {
          destination: ['12', 0],
          source: ['10', 0],
          x: 5,
          y: 3,
          resize_source: false,
          mask: ['10', 1],
        },
        _meta: { title: 'ImageCompositeMasked' },
      },
      '14': {
        class_type: 'SaveImage',
        inputs: { images: ['13', 0], filename_prefix: 'workflow' },
        _meta: { title: 'Save Image' },
      },
    };
    const result = await client.run(workflowApi);
    const [saved] = result.getImages('14');

    // the same computation, independently
    const image: Plane = {
      width: WIDTH,
      height: HEIGHT,
      channels: 3,
      data: Float64Array.from(
        { length: WIDTH * HEIGHT * 3 },
        (_, i) => rgba[Math.floor(i / 3) * 4 + (i % 3)] / 255,
      ),
    };
    const mask = Float64Array.from({ length: WIDTH * HEIGHT }, (_, i) => 1 - rgba[i * 4 + 3] / 255);
    const expected = composite(blur(nearestExact(image, 32, 28), 2, 1.0), image, mask, 5, 3);
    const pixels = Uint8Array.from(expected.data, (v) => Math.trunc(Math.min(255, Math.max(0, 255 * v))));

    expect([saved.width, saved.height, saved.channels]).toEqual([32, 28, 3]);
    expect(maxDifference(saved, pixels)).toBeLessThanOrEqual(1);
  });
});

/** Largest difference in 8-bit levels (1 = 1/255, the tolerance). */
function maxDifference(image: DecodedImage, expected: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(image.data[i] - expected[i]));
  return max;
}
