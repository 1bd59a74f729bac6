import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import sharp, { type Metadata, type Sharp, type SharpOptions } from 'sharp';
import {
  Directories,
  Input,
  Node,
  inject,
  injectable,
  type ComboContext,
  type NodeContext,
  type NodeInputs,
  type NodeReturn,
  type Tensor,
  type TensorBackend,
} from '@easel/core';

// ComfyUI's LoadImage, LoadImageMask and LoadImageOutput (nodes.py). ComfyUI decodes through
// PyAV (FFmpeg) and falls back to Pillow; Easel decodes with sharp and converts the pixels the
// way ComfyUI's PyAV path does for the formats it reads exactly (see `toFloat`).

// ---------------------------------------------------------------------------------------------
// File names

/** The folders a file name can point into. */
type Folders = Pick<Directories, 'input' | 'output' | 'temp'>;

/**
 * ComfyUI's `annotated_filepath`: `name [output]`, `name [input]` and `name [temp]` pick the
 * folder (the suffix and the character before it are cut); any other name is in `defaultFolder`.
 */
export function splitAnnotatedName(
  name: string,
  folders: Folders,
  defaultFolder: string = folders.input,
): { name: string; folder: string } {
  if (name.endsWith('[output]')) return { name: name.slice(0, -9), folder: folders.output };
  if (name.endsWith('[input]')) return { name: name.slice(0, -8), folder: folders.input };
  if (name.endsWith('[temp]')) return { name: name.slice(0, -7), folder: folders.temp };
  return { name, folder: defaultFolder };
}

/**
 * The absolute path an image name stands for (ComfyUI's `get_annotated_filepath`), or null when
 * it is empty or leads out of its folder (`..`, an absolute path, a NUL): ComfyUI joins the name
 * as it is, Easel refuses names that would read files outside the folders.
 */
export function resolveImagePath(name: string, folders: Folders): string | null {
  const annotated = splitAnnotatedName(name, folders);
  if (annotated.name === '' || annotated.name.includes('\0')) return null;
  const root = resolve(annotated.folder);
  const path = resolve(root, annotated.name);
  if (path === root || !path.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  return path;
}

// Extensions Python's `mimetypes` (with a Linux mime.types file, and ComfyUI's own registrations)
// maps to an `image/*` type: ComfyUI lists a file in LoadImage's combo when it does.
const IMAGE_EXTENSIONS = new Set([
  '.apng',
  '.art',
  '.avif',
  '.bmp',
  '.cdr',
  '.cdt',
  '.cr2',
  '.crw',
  '.djv',
  '.djvu',
  '.dng',
  '.erf',
  '.exr',
  '.gif',
  '.heic',
  '.heif',
  '.ico',
  '.ief',
  '.jng',
  '.jp2',
  '.jpe',
  '.jpeg',
  '.jpf',
  '.jpg',
  '.jpg2',
  '.jpm',
  '.jpx',
  '.jxl',
  '.nef',
  '.orf',
  '.pat',
  '.pbm',
  '.pct',
  '.pcx',
  '.pgm',
  '.pic',
  '.pict',
  '.png',
  '.pnm',
  '.ppm',
  '.psd',
  '.ras',
  '.rgb',
  '.svg',
  '.svgz',
  '.tif',
  '.tiff',
  '.wbmp',
  '.webp',
  '.xbm',
  '.xcf',
  '.xpm',
  '.xwd',
]);

/** Python's `posixpath.splitext`: leading dots do not start an extension. */
function splitExtension(path: string): [string, string] {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  if (dot <= slash + 1) return [path, ''];
  // only dots before it: ".hidden" and "..x" have no extension
  for (let i = slash + 1; i < dot; i++) if (path[i] !== '.') return [path.slice(0, dot), path.slice(dot)];
  return [path, ''];
}

const SUFFIXES: Record<string, string> = {
  '.svgz': '.svg.gz',
  '.tgz': '.tar.gz',
  '.taz': '.tar.gz',
  '.tz': '.tar.gz',
  '.tbz2': '.tar.bz2',
  '.txz': '.tar.xz',
};
const ENCODINGS = new Set(['.gz', '.Z', '.bz2', '.xz', '.br']);

/**
 * ComfyUI's `filter_files_content_types(files, ["image"])` for one name: Python's
 * `mimetypes.guess_type` (compression suffixes such as `.gz` are looked through) gives an
 * `image/*` type.
 */
export function isImageFileName(name: string): boolean {
  let [base, ext] = splitExtension(name);
  while (SUFFIXES[ext.toLowerCase()] !== undefined) {
    [base, ext] = splitExtension(base + SUFFIXES[ext.toLowerCase()]);
  }
  if (ENCODINGS.has(ext)) [, ext] = splitExtension(base);
  return IMAGE_EXTENSIONS.has(ext.toLowerCase());
}

/** Python's string order: by code points (JavaScript's `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/**
 * LoadImage's choices: the image files directly in the input folder (subfolders are not
 * listed, as in ComfyUI; their files load by `sub/name.png`), sorted as Python sorts them.
 */
export async function listInputImages(folder: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries) {
    if (!isImageFileName(entry.name)) continue;
    // os.path.isfile follows symlinks
    const isFile =
      entry.isFile() ||
      (entry.isSymbolicLink() &&
        (await stat(join(folder, entry.name)).then(
          (s) => s.isFile(),
          () => false,
        )));
    if (isFile) files.push(entry.name);
  }
  return files.sort(compareCodePoints);
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** The file cannot be read as an image (corrupt, truncated, not an image, gone). */
export class ImageFileError extends Error {
  override name = 'ImageFileError';
}

/** One frame as ComfyUI's float32 values: RGB interleaved, and `1 - alpha` when the file has alpha. */
export interface DecodedFrame {
  readonly width: number;
  readonly height: number;
  readonly rgb: Float32Array;
  readonly mask: Float32Array | null;
}

/** An image's frames (pages), all the size of the first: ComfyUI's batch. */
export interface DecodedImage {
  readonly frames: DecodedFrame[];
  /** The file has an alpha channel (or a palette, which PyAV always gives alpha): MASK is `1 - alpha`. */
  readonly hasAlpha: boolean;
}

/** How ComfyUI's PyAV path turns the decoded samples into floats. */
type Conversion = 'u8' | 'gray' | 'u16';

/** `1 / 65535` as FFmpeg's float conversion holds it (a float32). */
const FLOAT_MULT = Math.fround(1 / 65535);

/** Exactly `k / 255` in float32, as `uint8_tensor.float() / 255.0`. */
const DIV255 = Float32Array.from({ length: 256 }, (_, k) => k / 255);

/**
 * A sample as ComfyUI's float. 8-bit RGB, RGBA and palette frames come from PyAV as `rgb24` /
 * `rgba` and are divided by 255. Other formats go through FFmpeg's float conversion
 * (`gbrpf32le`): 8-bit gray becomes the 16-bit value `k * 256` times `1/65535` (so gray
 * `255` is 0.99611, not 1), 16-bit samples their value times `1/65535`.
 */
function toFloat(conversion: Conversion, sample: number): number {
  if (conversion === 'u8') return DIV255[sample];
  return Math.fround(FLOAT_MULT * (conversion === 'gray' ? sample * 256 : sample));
}

const OPEN: SharpOptions = { failOn: 'warning', ignoreIcc: true, limitInputPixels: 0x3fff * 0x3fff };

function conversionOf(metadata: Metadata): Conversion {
  if (metadata.depth === 'ushort') return 'u16';
  if (metadata.space === 'b-w' && metadata.depth === 'uchar') return 'gray';
  return 'u8';
}

/** PyAV reports alpha for formats with an alpha component, and for every palette format. */
function hasAlphaChannel(metadata: Metadata): boolean {
  return metadata.hasAlpha || metadata.isPalette === true || metadata.format === 'gif';
}

async function rawFrames(
  pipeline: Sharp,
  conversion: Conversion,
  alpha: boolean,
  frameHeight: number | null,
): Promise<DecodedFrame[]> {
  let colour = pipeline.toColourspace(conversion === 'u16' ? 'rgb16' : 'srgb');
  colour = alpha ? colour.ensureAlpha(1) : colour.removeAlpha();
  const { data, info } = await colour
    .raw({ depth: conversion === 'u16' ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const channels = info.channels;
  if (channels !== (alpha ? 4 : 3)) throw new Error(`decoded ${channels} channels`);
  const samples =
    conversion === 'u16'
      ? new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength))
      : data;
  const width = info.width;
  const height = frameHeight ?? info.height;
  const count = Math.floor(info.height / height);
  const frames: DecodedFrame[] = [];
  const pixels = width * height;
  for (let f = 0; f < count; f++) {
    const rgb = new Float32Array(pixels * 3);
    const mask = alpha ? new Float32Array(pixels) : null;
    const offset = f * pixels * channels;
    for (let p = 0; p < pixels; p++) {
      const at = offset + p * channels;
      rgb[p * 3] = toFloat(conversion, samples[at]);
      rgb[p * 3 + 1] = toFloat(conversion, samples[at + 1]);
      rgb[p * 3 + 2] = toFloat(conversion, samples[at + 2]);
      if (mask) mask[p] = Math.fround(1 - toFloat(conversion, samples[at + 3]));
    }
    frames.push({ width, height, rgb, mask });
  }
  return frames;
}

/**
 * Decodes an image file's frames as ComfyUI's LoadImage sees them: the EXIF orientation
 * applied, every frame of an animation (GIF, WebP, APNG) and every page of a TIFF, frames of
 * another size than the first left out (as ComfyUI's Pillow path does).
 */
export async function decodeImage(bytes: Buffer): Promise<DecodedImage> {
  const metadata = await sharp(bytes, { ...OPEN, pages: -1 }).metadata();
  const conversion = conversionOf(metadata);
  const alpha = hasAlphaChannel(metadata);
  const pages = metadata.pages ?? 1;
  let frames: DecodedFrame[];
  if (pages <= 1) {
    frames = await rawFrames(sharp(bytes, { ...OPEN, autoOrient: true }), conversion, alpha, null);
  } else if (metadata.pageHeight !== undefined && metadata.height === metadata.pageHeight * pages) {
    // frames of one size: decoded at once, one above the other
    frames = await rawFrames(sharp(bytes, { ...OPEN, pages: -1 }), conversion, alpha, metadata.pageHeight);
  } else {
    frames = [];
    for (let page = 0; page < pages; page++) {
      const [frame] = await rawFrames(
        sharp(bytes, { ...OPEN, page, pages: 1, autoOrient: true }),
        conversion,
        alpha,
        null,
      );
      if (frames.length === 0 || (frame.width === frames[0].width && frame.height === frames[0].height)) {
        frames.push(frame);
      }
    }
  }
  if (frames.length === 0) throw new Error('the image has no frames');
  return { frames, hasAlpha: alpha };
}

/** The IMAGE and MASK tensors of a decoded image; without alpha, MASK is ComfyUI's `zeros(B, 64, 64)`. */
export function imageTensors(backend: TensorBackend, image: DecodedImage): [Tensor, Tensor] {
  const { frames } = image;
  const { width, height } = frames[0];
  const pixels = width * height;
  const rgb = new Float32Array(frames.length * pixels * 3);
  frames.forEach((frame, i) => rgb.set(frame.rgb, i * pixels * 3));
  const images = backend.fromHost(rgb, [frames.length, height, width, 3]);
  if (!image.hasAlpha) {
    return [images, backend.fromHost(new Float32Array(frames.length * 64 * 64), [frames.length, 64, 64])];
  }
  const mask = new Float32Array(frames.length * pixels);
  frames.forEach((frame, i) => mask.set(frame.mask!, i * pixels));
  return [images, backend.fromHost(mask, [frames.length, height, width])];
}

async function readImageFile(name: string, folders: Folders): Promise<Buffer> {
  const path = resolveImagePath(name, folders);
  if (path === null) throw new ImageFileError(`Invalid image file: ${name}`);
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ImageFileError(
      code === 'ENOENT' ? `Image file not found: ${name}` : `Cannot read image file ${name} (${code})`,
    );
  }
}

/** Reads and decodes the named image; a file that is not a readable image fails naming it. */
export async function loadImageFile(name: string, folders: Folders): Promise<DecodedImage> {
  const bytes = await readImageFile(name, folders);
  try {
    return await decodeImage(bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ImageFileError(`Cannot decode image file ${name}: ${reason.trim()}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Nodes

function inputImageChoices(services: ComboContext): Promise<string[]> {
  return listInputImages(services.resolve<Directories>(Directories).input);
}

/** ComfyUI's `VALIDATE_INPUTS`: the file must exist (a linked name is checked when it runs). */
async function validateImage(image: unknown, services: ComboContext): Promise<true | string> {
  if (typeof image !== 'string') return true;
  const path = resolveImagePath(image, services.resolve<Directories>(Directories));
  const exists =
    path !== null &&
    (await stat(path).then(
      (s) => s.isFile(),
      () => false,
    ));
  return exists || `Invalid image file: ${image}`;
}

/** ComfyUI's `IS_CHANGED`: the SHA-256 of the file, so a changed file runs again. */
async function fingerprintImage(image: unknown, services: ComboContext): Promise<string> {
  if (typeof image !== 'string') return '';
  const bytes = await readImageFile(image, services.resolve<Directories>(Directories));
  return createHash('sha256').update(bytes).digest('hex');
}

/** ComfyUI's LoadImage: an image of the input folder as IMAGE, and `1 - alpha` as MASK. */
@Node({
  classType: 'LoadImage',
  displayName: 'Load Image',
  category: 'image',
  pythonModule: 'nodes',
  outputs: ['IMAGE', 'MASK'],
  validatedInputs: ['image'],
  searchAliases: [
    'load image',
    'open image',
    'import image',
    'image input',
    'upload image',
    'read image',
    'image loader',
  ],
  essentialsCategory: 'Basics',
})
@injectable()
export class LoadImage {
  @Input.combo(inputImageChoices, { image_upload: true })
  image!: string;

  constructor(@inject(Directories) private readonly directories: Directories) {}

  static validateInputs({ image }: Record<string, unknown>, services: ComboContext): Promise<true | string> {
    return validateImage(image, services);
  }

  static fingerprintInputs({ image }: Record<string, unknown>, services: ComboContext): Promise<string> {
    return fingerprintImage(image, services);
  }

  async execute({ image }: NodeInputs<LoadImage>, { backend }: NodeContext): Promise<NodeReturn> {
    return imageTensors(backend, await loadImageFile(image, this.directories));
  }
}

/** ComfyUI's LoadImageMask: one channel of an input image as a MASK (`alpha` is `1 - alpha`). */
@Node({
  classType: 'LoadImageMask',
  displayName: 'Load Image (as Mask)',
  category: 'image',
  pythonModule: 'nodes',
  outputs: ['MASK'],
  validatedInputs: ['image'],
  searchAliases: ['import mask', 'alpha mask', 'channel mask'],
  essentialsCategory: 'Image Tools',
})
@injectable()
export class LoadImageMask {
  @Input.combo(inputImageChoices, { image_upload: true })
  image!: string;

  @Input.combo(['alpha', 'red', 'green', 'blue'])
  channel!: string;

  constructor(@inject(Directories) private readonly directories: Directories) {}

  static validateInputs({ image }: Record<string, unknown>, services: ComboContext): Promise<true | string> {
    return validateImage(image, services);
  }

  static fingerprintInputs({ image }: Record<string, unknown>, services: ComboContext): Promise<string> {
    return fingerprintImage(image, services);
  }

  async execute(
    { image, channel }: NodeInputs<LoadImageMask>,
    { backend }: NodeContext,
  ): Promise<NodeReturn> {
    const decoded = await loadImageFile(image, this.directories);
    const c = channel.charAt(0).toUpperCase();
    if (c === 'A') return [imageTensors(backend, decoded)[1]];
    // ComfyUI: the channel of the loaded IMAGE (red for any other letter)
    const index = c === 'G' ? 1 : c === 'B' ? 2 : 0;
    const { width, height } = decoded.frames[0];
    const pixels = width * height;
    const mask = new Float32Array(decoded.frames.length * pixels);
    decoded.frames.forEach((frame, f) => {
      for (let p = 0; p < pixels; p++) mask[f * pixels + p] = frame.rgb[p * 3 + index];
    });
    return [backend.fromHost(mask, [decoded.frames.length, height, width])];
  }
}

/** ComfyUI's LoadImageOutput: LoadImage for images of the output folder (`name.png [output]`). */
@Node({
  classType: 'LoadImageOutput',
  displayName: 'Load Image (from Outputs)',
  category: 'image',
  pythonModule: 'nodes',
  description:
    'Loads an image from the output folder. The refresh button updates the list and selects ' +
    'the first image, so the latest result is one click away.',
  outputs: ['IMAGE', 'MASK'],
  validatedInputs: ['image'],
  experimental: true,
  searchAliases: ['output image', 'previous generation'],
  essentialsCategory: 'Basics',
})
@injectable()
export class LoadImageOutput {
  // the frontend lists the choices itself, from /internal/files/output
  @Input('COMBO', {
    extra: {
      image_upload: true,
      image_folder: 'output',
      remote: { route: '/internal/files/output', refresh_button: true, control_after_refresh: 'first' },
    },
  })
  image!: string;

  constructor(@inject(Directories) private readonly directories: Directories) {}

  static validateInputs({ image }: Record<string, unknown>, services: ComboContext): Promise<true | string> {
    return validateImage(image, services);
  }

  static fingerprintInputs({ image }: Record<string, unknown>, services: ComboContext): Promise<string> {
    return fingerprintImage(image, services);
  }

  async execute({ image }: NodeInputs<LoadImageOutput>, { backend }: NodeContext): Promise<NodeReturn> {
    return imageTensors(backend, await loadImageFile(image, this.directories));
  }
}
