import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { OnnxBackend } from '@easel/backend-onnx';
import {
  Directories,
  buildNodeDefinition,
  describeNode,
  type ComboContext,
  type NodeContext,
  type NodeReturn,
  type Tensor,
} from '@easel/core';
import {
  ImageFileError,
  LoadImage,
  LoadImageMask,
  LoadImageOutput,
  compareCodePoints,
  isImageFileName,
  listInputImages,
  resolveImagePath,
} from './load-image.js';

// The loaders against ComfyUI 0.24's recorded LoadImage* cases (the PNG bytes it was given and
// the exact tensors it returned), and the file handling around them: the live combo list, the
// checks before a prompt runs, the fingerprint, formats beyond the recorded PNGs.

const backend = new OnnxBackend();
const context = { backend } as unknown as NodeContext;

const GOLDENS = new URL('../../../tools/fixtures/comfyui-0.24-goldens/', import.meta.url);

interface TensorRecord {
  shape: number[];
  data_b64: string;
}

interface LoadGolden {
  case: string;
  node: 'LoadImage' | 'LoadImageMask';
  inputs: { image: string; channel?: string };
  input_files: { image: { filename: string; png_b64: string } };
  outputs: TensorRecord[];
}

function decodeFloats(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

async function goldenCases(): Promise<LoadGolden[]> {
  const names = (await readdir(GOLDENS)).filter((n) => /^LoadImage(Mask)?_.*\.json$/.test(n)).sort();
  return Promise.all(
    names.map(async (n) => JSON.parse(await readFile(new URL(n, GOLDENS), 'utf8')) as LoadGolden),
  );
}

async function tensors(
  result: NodeReturn | Promise<NodeReturn>,
): Promise<{ shape: number[]; data: Float32Array }[]> {
  const values = (await result) as Tensor[];
  return Promise.all(
    values.map(async (t) => ({ shape: [...t.shape], data: (await backend.read(t)) as Float32Array })),
  );
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** ComfyUI's float for the 16-bit sample `v`: FFmpeg's `(1/65535f) * v` in float32. */
const u16 = (v: number) => Math.fround(Math.fround(1 / 65535) * v);

describe('LoadImage, LoadImageMask, LoadImageOutput', () => {
  let base: string;
  let directories: Directories;
  let services: ComboContext;

  const put = async (name: string, bytes: Buffer | string, folder = directories.input) => {
    await mkdir(join(folder, name, '..'), { recursive: true });
    await writeFile(join(folder, name), bytes);
  };
  const load = (image: string) => tensors(new LoadImage(directories).execute({ image }, context));
  const loadMask = (image: string, channel: string) =>
    tensors(new LoadImageMask(directories).execute({ image, channel }, context));

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'easel-load-image-'));
    directories = {
      base,
      input: join(base, 'input'),
      output: join(base, 'output'),
      temp: join(base, 'temp'),
      user: join(base, 'user'),
      models: join(base, 'models'),
      customNodes: join(base, 'custom_nodes'),
    };
    for (const folder of [directories.input, directories.output, directories.temp]) await mkdir(folder);
    services = { resolve: <T>(token: unknown) => (token === Directories ? directories : undefined) as T };
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  describe("ComfyUI 0.24's recorded cases", () => {
    it('has them all', async () => {
      expect((await goldenCases()).map((c) => c.case)).toEqual([
        'LoadImageMask_png_rgb8_alpha',
        'LoadImageMask_png_rgba8_alpha',
        'LoadImageMask_png_rgba8_green',
        'LoadImage_png_gray8',
        'LoadImage_png_gray_alpha8',
        'LoadImage_png_palette',
        'LoadImage_png_palette_transparency',
        'LoadImage_png_rgb16',
        'LoadImage_png_rgb8',
        'LoadImage_png_rgba8',
      ]);
    });

    it('gives the recorded tensors, bit for bit (16-bit RGB within 4e-4)', async () => {
      for (const golden of await goldenCases()) {
        const file = golden.input_files.image;
        await put(file.filename, Buffer.from(file.png_b64, 'base64'));
        expect(golden.inputs.image).toBe(file.filename);
        const outputs =
          golden.node === 'LoadImage'
            ? await load(golden.inputs.image)
            : await loadMask(golden.inputs.image, golden.inputs.channel!);
        expect([golden.case, outputs.length]).toEqual([golden.case, golden.outputs.length]);
        golden.outputs.forEach((expected, i) => {
          const want = decodeFloats(expected.data_b64);
          const got = outputs[i];
          expect([golden.case, i, got.shape]).toEqual([golden.case, i, expected.shape]);
          // FFmpeg converts 16-bit RGB through YUV, which moves values by up to 26/65535
          const tolerance = golden.case === 'LoadImage_png_rgb16' && i === 0 ? 4e-4 : 0;
          expect([golden.case, i, maxDifference(got.data, want) <= tolerance]).toEqual([
            golden.case,
            i,
            true,
          ]);
        });
      }
    });
  });

  describe('decoding', () => {
    const rgba = (width: number, height: number, f: (x: number, y: number) => number[]) =>
      Buffer.from(
        Array.from({ length: width * height }, (_, i) => f(i % width, Math.floor(i / width))).flat(),
      );

    it('gives 8-bit RGB as k/255 and a 64x64 zero MASK, alpha as MASK = 1 - alpha', async () => {
      const pixels = rgba(3, 2, (x, y) => [x * 100, y * 255, 7, 255 - x * 60]);
      await put(
        'rgba.png',
        await sharp(pixels, { raw: { width: 3, height: 2, channels: 4 } })
          .png()
          .toBuffer(),
      );
      await put(
        'rgb.png',
        await sharp(pixels, { raw: { width: 3, height: 2, channels: 4 } })
          .removeAlpha()
          .png()
          .toBuffer(),
      );
      const [image, mask] = await load('rgba.png');
      expect(image.shape).toEqual([1, 2, 3, 3]);
      expect(Array.from(image.data)).toEqual(
        Array.from(
          Float32Array.from(
            [0, 0, 7, 100, 0, 7, 200, 0, 7, 0, 255, 7, 100, 255, 7, 200, 255, 7],
            (v) => v / 255,
          ),
        ),
      );
      expect(mask.shape).toEqual([1, 2, 3]);
      expect(Array.from(mask.data)).toEqual(
        Array.from(Float32Array.from([255, 195, 135, 255, 195, 135], (a) => 1 - Math.fround(a / 255))),
      );
      const [rgbImage, rgbMask] = await load('rgb.png');
      expect(rgbImage.data).toEqual(image.data);
      expect(rgbMask.shape).toEqual([1, 64, 64]);
      expect(rgbMask.data.every((v) => v === 0)).toBe(true);
    });

    it('converts gray and 16-bit PNGs as FFmpeg does', async () => {
      const gray = Buffer.from([0, 1, 128, 255]);
      await put(
        'gray.png',
        await sharp(gray, { raw: { width: 4, height: 1, channels: 1 } })
          .toColourspace('b-w')
          .png()
          .toBuffer(),
      );
      const [image, mask] = await load('gray.png');
      const expected = [0, 1, 128, 255].flatMap((k) => [u16(k * 256), u16(k * 256), u16(k * 256)]);
      expect(Array.from(image.data)).toEqual(expected);
      expect(image.data[9]).toBeCloseTo(0.99611, 5);
      expect(mask.shape).toEqual([1, 64, 64]);

      const gray16 = new Uint16Array([0, 1, 40000, 65535]);
      await put(
        'gray16.png',
        await sharp(gray16, { raw: { width: 4, height: 1, channels: 1 } })
          .toColourspace('grey16')
          .png()
          .toBuffer(),
      );
      const [image16] = await load('gray16.png');
      expect(Array.from(image16.data)).toEqual([...gray16].flatMap((v) => [u16(v), u16(v), u16(v)]));

      const rgba16 = new Uint16Array([0, 1, 40000, 65535, 300, 65535, 12345, 0]);
      await put(
        'rgba16.png',
        await sharp(rgba16, { raw: { width: 2, height: 1, channels: 4 } })
          .toColourspace('rgb16')
          .png()
          .toBuffer(),
      );
      expect((await sharp(join(directories.input, 'rgba16.png')).metadata()).depth).toBe('ushort');
      const [imageRgba16, maskRgba16] = await load('rgba16.png');
      expect(Array.from(imageRgba16.data)).toEqual([0, 1, 40000, 300, 65535, 12345].map(u16));
      expect(Array.from(maskRgba16.data)).toEqual([65535, 0].map((a) => Math.fround(1 - u16(a))));
    });

    it('treats palette images as having alpha, as PyAV does', async () => {
      const pixels = rgba(4, 4, (x, y) => [x * 80, y * 80, 0, 255]);
      await put(
        'palette.png',
        await sharp(pixels, { raw: { width: 4, height: 4, channels: 4 } })
          .removeAlpha()
          .png({ palette: true, colours: 16, dither: 0 })
          .toBuffer(),
      );
      expect((await sharp(join(directories.input, 'palette.png')).metadata()).isPalette).toBe(true);
      const [image, mask] = await load('palette.png');
      expect(image.shape).toEqual([1, 4, 4, 3]);
      expect(mask.shape).toEqual([1, 4, 4]);
      expect(mask.data.every((v) => v === 0)).toBe(true);
    });

    it('applies the EXIF orientation', async () => {
      // 3 wide, 2 high; orientation 6 shows it turned 90 degrees clockwise: 2 wide, 3 high
      const pixels = rgba(3, 2, (x, y) => [x === 0 && y === 0 ? 255 : 0, 0, 0, 255]);
      const png = await sharp(pixels, { raw: { width: 3, height: 2, channels: 4 } })
        .removeAlpha()
        .withMetadata({ orientation: 6 })
        .png()
        .toBuffer();
      expect((await sharp(png).metadata()).orientation).toBe(6);
      await put('turned.png', png);
      const [image] = await load('turned.png');
      expect(image.shape).toEqual([1, 3, 2, 3]);
      // the top-left pixel moves to the top right
      const red = Array.from({ length: 6 }, (_, p) => image.data[p * 3]);
      expect(red).toEqual([0, 1, 0, 0, 0, 0]);
    });

    it('loads every frame of an animation, and every page of a TIFF, as a batch', async () => {
      const frames = [0, 1, 2].map((f) =>
        rgba(2, 2, (x, y) => [f * 100, x * 255, y * 255, f === 1 ? 128 : 255]),
      );
      const strip = Buffer.concat(frames);
      await put(
        'anim.webp',
        await sharp(strip, { raw: { width: 2, height: 6, channels: 4, pageHeight: 2 } })
          .webp({ lossless: true, loop: 0, delay: [100, 100, 100] })
          .toBuffer(),
      );
      const [image, mask] = await load('anim.webp');
      expect(image.shape).toEqual([3, 2, 2, 3]);
      expect(mask.shape).toEqual([3, 2, 2]);
      expect(Array.from({ length: 3 }, (_, f) => Math.round(image.data[f * 12] * 255))).toEqual([
        0, 100, 200,
      ]);
      expect(Array.from({ length: 3 }, (_, f) => mask.data[f * 4])).toEqual([
        0,
        Math.fround(1 - Math.fround(128 / 255)),
        0,
      ]);

      await put(
        'anim.gif',
        await sharp(strip, { raw: { width: 2, height: 6, channels: 4, pageHeight: 2 } })
          .gif({ loop: 0, delay: [100, 100, 100] })
          .toBuffer(),
      );
      const [gif, gifMask] = await load('anim.gif');
      expect(gif.shape).toEqual([3, 2, 2, 3]);
      expect(gifMask.shape).toEqual([3, 2, 2]);

      await put(
        'pages.tiff',
        await sharp(strip, { raw: { width: 2, height: 6, channels: 4, pageHeight: 2 } })
          .removeAlpha()
          .tiff({ compression: 'lzw' })
          .toBuffer(),
      );
      expect((await sharp(join(directories.input, 'pages.tiff'), { pages: -1 }).metadata()).pages).toBe(3);
      const [tiff, tiffMask] = await load('pages.tiff');
      expect(tiff.shape).toEqual([3, 2, 2, 3]);
      expect(Array.from({ length: 3 }, (_, f) => Math.round(tiff.data[f * 12] * 255))).toEqual([0, 100, 200]);
      expect(tiffMask.shape).toEqual([3, 64, 64]);
    });

    it('fails naming the file when it is corrupt, truncated, not an image or missing', async () => {
      const png = await sharp(
        rgba(8, 8, () => [1, 2, 3, 4]),
        { raw: { width: 8, height: 8, channels: 4 } },
      )
        .png()
        .toBuffer();
      await put('truncated.png', png.subarray(0, png.length - 30));
      await put('garbage.png', Buffer.from('certainly not a PNG file'));
      await put('notes.png', 'plain text');
      for (const name of ['truncated.png', 'garbage.png', 'notes.png']) {
        const error = await load(name).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ImageFileError);
        expect((error as Error).message).toContain(`image file ${name}`);
      }
      await expect(load('missing.png')).rejects.toThrow('Image file not found: missing.png');
      await expect(load('../outside.png')).rejects.toThrow('Invalid image file: ../outside.png');
    });
  });

  describe('LoadImageMask', () => {
    it('takes a colour channel of the image, or 1 - alpha', async () => {
      const pixels = Buffer.from([10, 20, 30, 40, 50, 60, 70, 80]);
      await put(
        'two.png',
        await sharp(pixels, { raw: { width: 2, height: 1, channels: 4 } })
          .png()
          .toBuffer(),
      );
      const channel = async (name: string) => {
        const [mask] = await loadMask('two.png', name);
        expect(mask.shape).toEqual([1, 1, 2]);
        return Array.from(mask.data);
      };
      expect(await channel('red')).toEqual([Math.fround(10 / 255), Math.fround(50 / 255)]);
      expect(await channel('green')).toEqual([Math.fround(20 / 255), Math.fround(60 / 255)]);
      expect(await channel('blue')).toEqual([Math.fround(30 / 255), Math.fround(70 / 255)]);
      expect(await channel('alpha')).toEqual([40, 80].map((a) => Math.fround(1 - Math.fround(a / 255))));
    });
  });

  describe('LoadImageOutput', () => {
    it('loads "name [output]" from the output folder', async () => {
      const png = await sharp(Buffer.from([255, 0, 0]), { raw: { width: 1, height: 1, channels: 3 } })
        .png()
        .toBuffer();
      await put('result.png', png, directories.output);
      const [image, mask] = await tensors(
        new LoadImageOutput(directories).execute({ image: 'result.png [output]' }, context),
      );
      expect(Array.from(image.data)).toEqual([1, 0, 0]);
      expect(mask.shape).toEqual([1, 64, 64]);
      expect(await LoadImageOutput.validateInputs({ image: 'result.png [output]' }, services)).toBe(true);
      expect(await LoadImageOutput.validateInputs({ image: 'result.png' }, services)).toBe(
        'Invalid image file: result.png',
      );
    });
  });

  describe('files', () => {
    it('lists the image files of input/ live, sorted as Python sorts, without subfolders', async () => {
      const definition = async () => {
        const built = await buildNodeDefinition(describeNode(LoadImage, '@easel/core-nodes'), services);
        return built.input.required.image;
      };
      expect(await definition()).toEqual([[], { image_upload: true }]);
      for (const name of ['b.png', 'A.JPG', 'a.webp', 'z.tif', 'é.png', '😀.png', 'ｚ.png', 'x.png.gz']) {
        await put(name, '');
      }
      for (const name of ['notes.txt', 'noext', '.png', 'clip.mp4', 'model.safetensors']) await put(name, '');
      await put('sub/inner.png', '');
      await mkdir(join(directories.input, 'folder.png'));
      await writeFile(join(base, 'linked.png'), '');
      await symlink(join(base, 'linked.png'), join(directories.input, 'link.png'));
      await symlink(join(base, 'nowhere.png'), join(directories.input, 'dangling.png'));
      expect(await definition()).toEqual([
        ['A.JPG', 'a.webp', 'b.png', 'link.png', 'x.png.gz', 'z.tif', 'é.png', 'ｚ.png', '😀.png'],
        { image_upload: true },
      ]);
      // a file added later appears in the next definition
      await put('c.png', '');
      expect(((await definition())[0] as string[]).includes('c.png')).toBe(true);
      expect(await listInputImages(join(base, 'missing'))).toEqual([]);
    });

    it('knows image names as Python mimetypes does', () => {
      for (const name of [
        'a.png',
        'a.PNG',
        'a.jpeg',
        'a.webp',
        'a.svg',
        'a.svgz',
        'a.bmp',
        'a.avif',
        'b.png.gz',
      ]) {
        expect([name, isImageFileName(name)]).toEqual([name, true]);
      }
      for (const name of ['a.txt', 'png', '.png', '..png', 'a.png.zip', 'a.mp4', 'a.gz', 'a.']) {
        expect([name, isImageFileName(name)]).toEqual([name, false]);
      }
      expect(['b', 'a', '\u{1F600}', '\uFF5A'].sort(compareCodePoints)).toEqual([
        'a',
        'b',
        '\uFF5A',
        '\u{1F600}',
      ]);
    });

    it('resolves names inside their folder only', () => {
      expect(resolveImagePath('a.png', directories)).toBe(join(directories.input, 'a.png'));
      expect(resolveImagePath('sub/a.png', directories)).toBe(join(directories.input, 'sub', 'a.png'));
      expect(resolveImagePath('a.png [output]', directories)).toBe(join(directories.output, 'a.png'));
      expect(resolveImagePath('a.png [temp]', directories)).toBe(join(directories.temp, 'a.png'));
      for (const name of [
        '',
        '../a.png',
        'sub/../../a.png',
        '/etc/passwd',
        '..',
        '.',
        'a\0.png',
        ' [output]',
      ]) {
        expect([name, resolveImagePath(name, directories)]).toEqual([name, null]);
      }
    });

    it("validates ComfyUI's way: Invalid image file for a missing file", async () => {
      await put('here.png', '');
      await put('sub/deep.png', '');
      expect(await LoadImage.validateInputs({ image: 'here.png' }, services)).toBe(true);
      expect(await LoadImage.validateInputs({ image: 'sub/deep.png' }, services)).toBe(true);
      expect(await LoadImage.validateInputs({ image: null }, services)).toBe(true);
      for (const image of ['gone.png', '../here.png', 'here.png [output]', 'sub']) {
        expect(await LoadImage.validateInputs({ image }, services)).toBe(`Invalid image file: ${image}`);
      }
      expect(await LoadImageMask.validateInputs({ image: 'gone.png' }, services)).toBe(
        'Invalid image file: gone.png',
      );
      const schema = describeNode(LoadImageMask, '@easel/core-nodes');
      expect(schema.hooks.validateInputs).toEqual({ inputs: ['image'], inputTypes: false });
      expect(schema.hooks.fingerprintInputs).toBe(true);
    });

    it('fingerprints the file content, so a changed file runs again', async () => {
      await put('a.png', 'one');
      await put('b.png', 'one');
      const first = await LoadImage.fingerprintInputs({ image: 'a.png' }, services);
      expect(first).toBe('7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed');
      expect(await LoadImageMask.fingerprintInputs({ image: 'b.png', channel: 'red' }, services)).toBe(first);
      await put('a.png', 'two');
      expect(await LoadImage.fingerprintInputs({ image: 'a.png' }, services)).not.toBe(first);
      await expect(LoadImage.fingerprintInputs({ image: 'gone.png' }, services)).rejects.toThrow(
        ImageFileError,
      );
    });
  });
});
