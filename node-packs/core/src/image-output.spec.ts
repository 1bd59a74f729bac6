import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  Directories,
  ImageOutputOptions,
  JsonFloat,
  createServiceContainer,
  type NodeContext,
  type NodeInputs,
  type NodeResult,
  type Tensor,
  type TensorBackend,
} from '@easel/core';
import { PreviewImage, SaveImage } from './index.js';
import { imagePixels, type ImageFileEntry } from './image-output.js';
import { pythonFloat, pythonJson, readPngText } from './png-text.js';
import {
  applyPromptReplacements,
  computeServerVars,
  formatDate,
  getSaveImagePath,
  normpath,
} from './save-image-path.js';

/** A host tensor and a backend that only reads it: all these nodes need. */
interface HostTensor extends Tensor {
  readonly data: Float32Array;
}

function image(
  shape: [number, number, number, number],
  values: number[] | ((i: number) => number),
): HostTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: size }, (_, i) =>
    typeof values === 'function' ? values(i) : values[i],
  );
  return { shape, dtype: 'float32', size, backend: 'host', data, disposed: false, dispose: () => undefined };
}

const backend = {
  name: 'host',
  read: (t: HostTensor) => Promise.resolve(t.data),
} as unknown as TensorBackend;
const quiet = () => undefined;
// only what these nodes use (the context's interface keeps growing)
const context = {
  nodeId: '9',
  promptId: 'p',
  signal: new AbortController().signal,
  progress: { update: quiet, text: quiet },
  logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
  backend,
} as unknown as NodeContext;

const PROMPT = {
  '3': {
    class_type: 'KSampler',
    inputs: { seed: 42, cfg: new JsonFloat(8), model: ['4', 0] },
    _meta: { title: 'KSampler' },
  },
  '5': { class_type: 'EmptyImage', inputs: { width: 3, height: 2, color: 0 }, _meta: { title: 'My Canvas' } },
  '6': { class_type: 'CLIPTextEncode', inputs: { text: 'a cat/dog: "ü"' }, _meta: { title: 'Prompt' } },
  '9': { class_type: 'SaveImage', inputs: { images: ['5', 0], filename_prefix: 'ComfyUI' } },
};
const EXTRA = { workflow: { nodes: [{ id: 9, type: 'SaveImage' }], version: 0.4 }, note: 'café' };

function imagesOf(result: NodeResult): ImageFileEntry[] {
  return result.ui!.images as ImageFileEntry[];
}

async function pixelsOf(path: string) {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  return { data: [...data], width: info.width, height: info.height, channels: info.channels };
}

describe('SaveImage and PreviewImage', () => {
  let base: string;
  let directories: Directories;

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'easel-save-image-'));
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

  const save = (inputs: Partial<NodeInputs<SaveImage>>, options?: ImageOutputOptions) =>
    new SaveImage(directories, options).execute(
      {
        images: image([1, 1, 1, 3], [0, 0, 0]),
        filename_prefix: 'ComfyUI',
        prompt: null,
        extra_pnginfo: null,
        ...inputs,
      },
      context,
    );

  it('writes one PNG per batch item, with ComfyUI pixel values, names and UI output', async () => {
    // ComfyUI: clip(255 * x, 0, 255).astype(uint8), the product in float32, truncated
    const values = [
      0,
      0.5,
      1,
      1.5,
      -0.25,
      0.999,
      0.2,
      0.4,
      0.6,
      Number.NaN,
      0.0039,
      0.00393,
      1 / 3,
      2 / 3,
      0.1,
      0.9,
      0.75,
      0.25,
    ];
    const images = image([2, 1, 3, 3], values);
    const result = await save({ images });
    expect(result).toEqual({
      ui: {
        images: [
          { filename: 'ComfyUI_00001_.png', subfolder: '', type: 'output' },
          { filename: 'ComfyUI_00002_.png', subfolder: '', type: 'output' },
        ],
      },
    });
    const expected = values.map((v) => {
      const scaled = Math.fround(Math.fround(v) * 255);
      return Number.isNaN(scaled) ? 0 : Math.min(255, Math.max(0, Math.trunc(scaled)));
    });
    expect(expected.slice(0, 6)).toEqual([0, 127, 255, 255, 0, 254]);
    const first = await pixelsOf(join(directories.output, 'ComfyUI_00001_.png'));
    const second = await pixelsOf(join(directories.output, 'ComfyUI_00002_.png'));
    expect(first).toEqual({ data: expected.slice(0, 9), width: 3, height: 1, channels: 3 });
    expect(second).toEqual({ data: expected.slice(9), width: 3, height: 1, channels: 3 });
    const png = await readFile(join(directories.output, 'ComfyUI_00001_.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });

  it('keeps an alpha channel and grey images', async () => {
    await save({ images: image([1, 1, 2, 4], [1, 0, 0, 0.5, 0, 1, 0, 1]), filename_prefix: 'rgba' });
    expect(await pixelsOf(join(directories.output, 'rgba_00001_.png'))).toEqual({
      data: [255, 0, 0, 127, 0, 255, 0, 255],
      width: 2,
      height: 1,
      channels: 4,
    });
    await save({ images: image([1, 2, 1, 1], [0.2, 1]), filename_prefix: 'grey' });
    const grey = join(directories.output, 'grey_00001_.png');
    expect((await sharp(grey).metadata()).channels).toBe(1);
    expect((await sharp(grey).raw().toBuffer()).subarray(0, 6)).toEqual(
      Buffer.from([51, 51, 51, 255, 255, 255]),
    );
  });

  it('continues the counter from the files already in the folder', async () => {
    await mkdir(directories.output, { recursive: true });
    for (const name of [
      'ComfyUI_00007_.png',
      'ComfyUI_00003_.png',
      'ComfyUI_notes.txt', // counts as 0
      'ComfyUI_00012.json', // ComfyUI cuts at the first "." too: 12
      'ComfyUIx_00099_.png', // another prefix
      'Other_00050_.png',
    ]) {
      await writeFile(join(directories.output, name), '');
    }
    const result = await save({ images: image([2, 1, 1, 3], () => 0.5) });
    expect(imagesOf(result).map((i) => i.filename)).toEqual(['ComfyUI_00013_.png', 'ComfyUI_00014_.png']);
    const again = await save({});
    expect(imagesOf(again).map((i) => i.filename)).toEqual(['ComfyUI_00015_.png']);
    const other = await save({ filename_prefix: 'Other' });
    expect(imagesOf(other).map((i) => i.filename)).toEqual(['Other_00051_.png']);
  });

  it('saves into subfolders named in the prefix, creating them', async () => {
    const result = await save({ filename_prefix: 'portraits/2026//cat' });
    expect(imagesOf(result)).toEqual([
      { filename: 'cat_00001_.png', subfolder: 'portraits/2026', type: 'output' },
    ]);
    expect(existsSync(join(directories.output, 'portraits', '2026', 'cat_00001_.png'))).toBe(true);
    const inside = await save({ filename_prefix: 'a/../b/./c' });
    expect(imagesOf(inside)).toEqual([{ filename: 'c_00001_.png', subfolder: 'b', type: 'output' }]);
  });

  it('refuses a prefix that leads out of the output folder, writing nothing', async () => {
    for (const prefix of ['../escaped', 'a/../../escaped', '/tmp/escaped', '%width%/../../escaped']) {
      await expect(save({ filename_prefix: prefix })).rejects.toThrow(
        /^\*\*\*\* ERROR: Saving image outside the output folder is not allowed\.\n full_output_folder: /,
      );
    }
    expect(existsSync(join(base, 'escaped_00001_.png'))).toBe(false);
    expect(await readdir(base)).toEqual([]);
  });

  it('substitutes size, date, %batch_num% and node widget values in the prefix', async () => {
    const before = new Date();
    const result = await save({
      images: image([2, 2, 3, 3], () => 0),
      filename_prefix:
        '%KSampler.seed%/%width%x%height%_%My Canvas.color%_%Prompt.text%_%KSampler.cfg%_%year%_%date:yyyy%_%batch_num%',
      prompt: PROMPT,
    });
    const year = before.getFullYear();
    expect(imagesOf(result)).toEqual([
      { filename: `3x2_0_a cat_dog_ _ü__8_${year}_${year}_0_00001_.png`, subfolder: '42', type: 'output' },
      { filename: `3x2_0_a cat_dog_ _ü__8_${year}_${year}_1_00002_.png`, subfolder: '42', type: 'output' },
    ]);
    // unknown nodes, widgets and links stay as they are
    const kept = await save({
      filename_prefix: '%Nope.seed%_%KSampler.nope%_%KSampler.model%_%batch%',
      prompt: PROMPT,
    });
    expect(imagesOf(kept)[0].filename).toBe(
      '%Nope.seed%_%KSampler.nope%_%KSampler.model%_%batch%_00001_.png',
    );
  });

  it('writes the prompt and the extra PNG info as tEXt chunks, JSON as Python writes it', async () => {
    await save({ prompt: PROMPT, extra_pnginfo: EXTRA });
    const png = await readFile(join(directories.output, 'ComfyUI_00001_.png'));
    const chunks = readPngText(png);
    expect(chunks.map(([key]) => key)).toEqual(['prompt', 'workflow', 'note']);
    const text = Object.fromEntries(chunks);
    expect(JSON.parse(text.prompt)).toEqual(JSON.parse(JSON.stringify(PROMPT)));
    expect(JSON.parse(text.workflow)).toEqual(EXTRA.workflow);
    expect(JSON.parse(text.note)).toBe('café');
    expect(text.note).toBe('"caf\\u00e9"');
    expect(text.prompt).toContain(
      '"3": {"class_type": "KSampler", "inputs": {"seed": 42, "cfg": 8.0, "model": ["4", 0]}',
    );
    expect(text.prompt).toContain('"text": "a cat/dog: \\"\\u00fc\\""');
    // the chunks come right after IHDR, where PIL writes them, and other PNG readers see them
    expect(png.toString('latin1', 37, 41)).toBe('tEXt');
    const { comments } = await sharp(png).metadata();
    expect(comments?.map((c) => c.keyword)).toEqual(['prompt', 'workflow', 'note']);
    expect(comments?.[0]?.text).toBe(text.prompt);
  });

  it('omits metadata when the server disables it, and without a prompt', async () => {
    await save({ prompt: PROMPT, extra_pnginfo: EXTRA }, { disableMetadata: true });
    expect(readPngText(await readFile(join(directories.output, 'ComfyUI_00001_.png')))).toEqual([]);
    await save({ prompt: null, extra_pnginfo: { workflow: {} } }, { disableMetadata: false });
    expect(readPngText(await readFile(join(directories.output, 'ComfyUI_00002_.png')))).toEqual([
      ['workflow', '{}'],
    ]);
  });

  it('gets its folders and options from the service container; no options means metadata', async () => {
    const services = createServiceContainer();
    services.register(Directories, { useValue: directories });
    const node = services.resolve(SaveImage);
    await node.execute(
      { images: image([1, 1, 1, 3], [0, 0, 0]), filename_prefix: 'di', prompt: PROMPT, extra_pnginfo: null },
      context,
    );
    expect(readPngText(await readFile(join(directories.output, 'di_00001_.png'))).map(([k]) => k)).toEqual([
      'prompt',
    ]);

    services.register(ImageOutputOptions, { useValue: { disableMetadata: true } });
    const quietNode = services.resolve(PreviewImage);
    const result = await quietNode.execute(
      { images: image([1, 1, 1, 3], [0, 0, 0]), prompt: PROMPT, extra_pnginfo: null },
      context,
    );
    const [entry] = imagesOf(result);
    expect(readPngText(await readFile(join(directories.temp, entry.filename)))).toEqual([]);
  });

  it('PreviewImage writes temporary files with a random suffix kept per node', async () => {
    const node = new PreviewImage(directories);
    const run = () =>
      node.execute({ images: image([2, 1, 1, 3], () => 0.5), prompt: PROMPT, extra_pnginfo: EXTRA }, context);
    const first = imagesOf(await run());
    const second = imagesOf(await run());
    expect(first).toHaveLength(2);
    const match = /^ComfyUI_temp_([abcdefghijklmnopqrstuvxyz]{5})_00001_\.png$/.exec(first[0].filename);
    expect(match).not.toBeNull();
    const suffix = match![1];
    expect(first[1]).toEqual({ filename: `ComfyUI_temp_${suffix}_00002_.png`, subfolder: '', type: 'temp' });
    expect(second.map((e) => e.filename)).toEqual([
      `ComfyUI_temp_${suffix}_00003_.png`,
      `ComfyUI_temp_${suffix}_00004_.png`,
    ]);
    const png = await readFile(join(directories.temp, first[0].filename));
    expect(readPngText(png).map(([key]) => key)).toEqual(['prompt', 'workflow', 'note']);
    expect(existsSync(directories.output)).toBe(false);
  });

  it('refuses images that are not [B, H, W, C] with 1 to 4 channels', async () => {
    const flat = { ...image([1, 1, 1, 3], [0, 0, 0]), shape: [3] };
    await expect(imagePixels(backend, flat)).rejects.toThrow(
      /shape \[batch, height, width, channels\], got \[3\]/,
    );
    await expect(imagePixels(backend, image([1, 1, 1, 5], [0, 0, 0, 0, 0]))).rejects.toThrow(/5 channels/);
  });
});

describe('file naming (get_save_image_path)', () => {
  const now = new Date(2026, 0, 5, 7, 8, 9);

  it('substitutes the server tokens', () => {
    expect(
      computeServerVars(
        '%year%-%month%-%day% %hour%:%minute%:%second% %width%x%height% %year%',
        640,
        480,
        now,
      ),
    ).toBe('2026-01-05 07:08:09 640x480 2026');
  });

  it("formats %date:...% like ComfyUI's frontend", () => {
    expect(formatDate('yyyy-MM-dd hh:mm:ss', now)).toBe('2026-01-05 07:08:09');
    expect(formatDate('yy M d h m s yyy', now)).toBe('26 1 5 7 8 9 yyy');
    expect(applyPromptReplacements('%date:yyyyMMdd%_x', {}, now)).toBe('20260105_x');
  });

  it('normalises like os.path.normpath', () => {
    expect(normpath('')).toBe('.');
    expect(normpath('a//b/./c/')).toBe('a/b/c');
    expect(normpath('a/../../b')).toBe('../b');
    expect(normpath('/../a')).toBe('/a');
  });

  it('splits subfolder and name, and starts at 1 in a new folder', async () => {
    const base = await mkdtemp(join(tmpdir(), 'easel-save-path-'));
    try {
      const path = await getSaveImagePath('x/%width%/img', base, 8, 4, now);
      expect(path).toEqual({
        folder: join(base, 'x', '8'),
        filename: 'img',
        counter: 1,
        subfolder: 'x/8',
        filenamePrefix: 'x/8/img',
      });
      expect(existsSync(path.folder)).toBe(true);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

describe("Python's json.dumps", () => {
  it('writes floats as repr does', () => {
    const cases: [number, string][] = [
      [0.5, '0.5'],
      [8, '8.0'],
      [-0, '-0.0'],
      [1e16, '1e+16'],
      [1.5e16, '1.5e+16'],
      [123456789012345.6, '123456789012345.6'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [-2.5e-7, '-2.5e-07'],
      [1e100, '1e+100'],
      [Number.NaN, 'NaN'],
      [-Infinity, '-Infinity'],
    ];
    for (const [value, text] of cases) expect(pythonFloat(value)).toBe(text);
  });

  it('writes separators, escapes and numbers as Python', () => {
    expect(
      pythonJson({ a: [1, 2.5, new JsonFloat(3)], b: null, c: true, s: 'é\u2028😀\x7f\n"\\', e: {}, l: [] }),
    ).toBe(
      '{"a": [1, 2.5, 3.0], "b": null, "c": true, "s": "\\u00e9\\u2028\\ud83d\\ude00\\u007f\\n\\"\\\\", "e": {}, "l": []}',
    );
    expect(pythonJson(1e21)).toBe('1000000000000000000000');
  });
});
