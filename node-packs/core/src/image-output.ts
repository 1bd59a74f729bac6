import { randomInt } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  Directories,
  Hidden,
  ImageOutputOptions,
  Input,
  Node,
  inject,
  injectable,
  type NodeContext,
  type NodeInputs,
  type NodeResult,
  type Tensor,
  type TensorBackend,
} from '@easel/core';
import { pythonJson, withPngText } from './png-text.js';
import { applyPromptReplacements, getSaveImagePath, saveImageFileName } from './save-image-path.js';

/** A file entry of a node's `images` UI output, as the frontend loads it from `/view`. */
export interface ImageFileEntry {
  readonly filename: string;
  readonly subfolder: string;
  readonly type: 'output' | 'temp';
}

/** One image of a batch as 8-bit pixels, interleaved `channels` per pixel. */
export interface ImagePixels {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
  readonly data: Buffer;
}

/**
 * An IMAGE batch (float32 `[B, H, W, C]`, 0..1) as 8-bit images, converted like ComfyUI's
 * `clip(255 * x, 0, 255).astype(uint8)`: the float32 product, clipped, truncated (NaN as 0).
 */
export async function imagePixels(backend: TensorBackend, images: Tensor): Promise<ImagePixels[]> {
  const { shape } = images;
  if (shape.length !== 4) {
    throw new Error(`IMAGE must have the shape [batch, height, width, channels], got [${shape.join(', ')}]`);
  }
  const [batch, height, width, channels] = shape as [number, number, number, number];
  if (channels < 1 || channels > 4) throw new Error(`cannot save an image with ${channels} channels`);
  const data = await backend.read(images);
  const size = height * width * channels;
  const result: ImagePixels[] = [];
  for (let b = 0; b < batch; b++) {
    const pixels = Buffer.alloc(size);
    const offset = b * size;
    for (let i = 0; i < size; i++) {
      const value = Math.fround(data[offset + i] * 255);
      pixels[i] = value >= 255 ? 255 : value > 0 ? Math.trunc(value) : 0;
    }
    result.push({ width, height, channels: channels as ImagePixels['channels'], data: pixels });
  }
  return result;
}

/** The `tEXt` entries ComfyUI writes: `prompt`, then one per key of the extra PNG info. */
export function pngTextEntries(prompt: unknown, extraPngInfo: unknown): [string, string][] {
  const entries: [string, string][] = [];
  if (prompt !== null && prompt !== undefined) entries.push(['prompt', pythonJson(prompt)]);
  if (extraPngInfo !== null && typeof extraPngInfo === 'object') {
    for (const [key, value] of Object.entries(extraPngInfo)) entries.push([key, pythonJson(value)]);
  }
  return entries;
}

/** What SaveImage and PreviewImage share: ComfyUI's `SaveImage.save_images`. */
abstract class ImageSaver {
  protected abstract readonly folder: string;
  protected abstract readonly type: ImageFileEntry['type'];
  protected abstract readonly prefixAppend: string;
  protected abstract readonly compressionLevel: number;

  constructor(private readonly outputOptions: ImageOutputOptions | undefined) {}

  protected async saveImages(
    images: Tensor,
    filenamePrefix: string,
    prompt: unknown,
    extraPngInfo: unknown,
    context: NodeContext,
  ): Promise<NodeResult> {
    const pixels = await imagePixels(context.backend, images);
    const now = new Date();
    let prefix = filenamePrefix + this.prefixAppend;
    if (prefix.includes('%')) prefix = applyPromptReplacements(prefix, prompt, now);
    const [first] = pixels;
    const target = await getSaveImagePath(prefix, this.folder, first?.width ?? 0, first?.height ?? 0, now);
    const text = this.outputOptions?.disableMetadata ? [] : pngTextEntries(prompt, extraPngInfo);
    const results: ImageFileEntry[] = [];
    let counter = target.counter;
    for (const [batchNumber, image] of pixels.entries()) {
      let encoder = sharp(image.data, {
        raw: { width: image.width, height: image.height, channels: image.channels },
      });
      // grey (and grey + alpha) images stay grey; sharp would write them as RGB
      if (image.channels <= 2) encoder = encoder.toColourspace('b-w');
      const png = await encoder.png({ compressionLevel: this.compressionLevel }).toBuffer();
      const file = saveImageFileName(target.filename, batchNumber, counter);
      await writeFile(join(target.folder, file), withPngText(png, text));
      results.push({ filename: file, subfolder: target.subfolder, type: this.type });
      counter += 1;
    }
    return { ui: { images: results } };
  }
}

const IMAGE_NODE = {
  category: 'image',
  pythonModule: 'nodes',
  outputNode: true,
  essentialsCategory: 'Basics',
} as const;

/** ComfyUI's SaveImage: PNG files in the output folder, numbered after those already there. */
@Node({
  ...IMAGE_NODE,
  classType: 'SaveImage',
  displayName: 'Save Image',
  description: 'Writes each image of the batch as a PNG file into the output folder.',
  searchAliases: ['save', 'save image', 'export image', 'output image', 'write image', 'download'],
})
@injectable()
export class SaveImage extends ImageSaver {
  @Input('IMAGE', { tooltip: 'The images to write, one file per image of the batch.' })
  images!: Tensor;

  @Input.string({
    default: 'ComfyUI',
    tooltip:
      'Start of the file names; "folder/name" saves into a subfolder of the output folder. ' +
      'Tokens such as %date:yyyy-MM-dd%, %width% or %KSampler.seed% are replaced.',
  })
  filename_prefix!: string;

  @Hidden('PROMPT') prompt!: unknown;
  @Hidden('EXTRA_PNGINFO') extra_pnginfo!: unknown;

  protected readonly folder: string;
  protected readonly type = 'output';
  protected readonly prefixAppend = '';
  protected readonly compressionLevel = 4;

  constructor(
    @inject(Directories) directories: Directories,
    @inject(ImageOutputOptions, { isOptional: true }) outputOptions?: ImageOutputOptions,
  ) {
    super(outputOptions);
    this.folder = directories.output;
  }

  execute(
    { images, filename_prefix, prompt, extra_pnginfo }: NodeInputs<SaveImage>,
    context: NodeContext,
  ): Promise<NodeResult> {
    return this.saveImages(images, filename_prefix, prompt, extra_pnginfo, context);
  }
}

/** ComfyUI's letters for preview names (its alphabet has two p's and no w). */
const PREVIEW_LETTERS = 'abcdefghijklmnopqrstupvxyz';

/** ComfyUI's PreviewImage: PNG files in the temp folder, shown by the frontend and removed at restart. */
@Node({
  ...IMAGE_NODE,
  classType: 'PreviewImage',
  displayName: 'Preview Image',
  description: 'Shows the images in the frontend; the files are temporary and go when the server restarts.',
  searchAliases: ['preview', 'preview image', 'show image', 'view image', 'display image', 'image viewer'],
})
@injectable()
export class PreviewImage extends ImageSaver {
  @Input('IMAGE') images!: Tensor;

  @Hidden('PROMPT') prompt!: unknown;
  @Hidden('EXTRA_PNGINFO') extra_pnginfo!: unknown;

  protected readonly folder: string;
  protected readonly type = 'temp';
  /** Chosen once per node instance, as ComfyUI does. */
  protected readonly prefixAppend =
    '_temp_' + Array.from({ length: 5 }, () => PREVIEW_LETTERS[randomInt(PREVIEW_LETTERS.length)]).join('');
  protected readonly compressionLevel = 1;

  constructor(
    @inject(Directories) directories: Directories,
    @inject(ImageOutputOptions, { isOptional: true }) outputOptions?: ImageOutputOptions,
  ) {
    super(outputOptions);
    this.folder = directories.temp;
  }

  execute(
    { images, prompt, extra_pnginfo }: NodeInputs<PreviewImage>,
    context: NodeContext,
  ): Promise<NodeResult> {
    return this.saveImages(images, 'ComfyUI', prompt, extra_pnginfo, context);
  }
}
