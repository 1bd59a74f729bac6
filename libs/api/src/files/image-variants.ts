import sharp, { type Sharp } from 'sharp';

// The converted answers of `GET /view`: `preview=<format>[;<quality>]` and `channel=rgb|a`.

/** An image re-encoded in memory, with its content type. */
export interface ImageVariant {
  readonly body: Buffer;
  readonly contentType: string;
}

/** The image could not be decoded (not an image, or a format sharp does not read). */
export class UndecodableImageError extends Error {
  override name = 'UndecodableImageError';
}

async function encode(pipeline: Sharp): Promise<Buffer> {
  try {
    return await pipeline.toBuffer();
  } catch (error) {
    throw new UndecodableImageError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * ComfyUI's preview: `webp` unless `jpeg` is asked for, and always `webp` when `channel`
 * contains an `a` (to keep the alpha); quality from the last `;` part when it is all digits,
 * else 90; converted to RGB for jpeg or `channel=rgb`.
 */
export async function previewVariant(
  path: string,
  preview: string,
  channel: string | undefined,
): Promise<ImageVariant> {
  const parts = preview.split(';');
  let format = parts[0];
  if ((format !== 'webp' && format !== 'jpeg') || (channel ?? '').includes('a')) format = 'webp';
  const last = parts.at(-1)!;
  const quality = Math.min(100, Math.max(1, /^\d+$/.test(last) ? Number(last) : 90));
  let pipeline = sharp(path);
  if (format === 'jpeg' || channel === 'rgb') pipeline = pipeline.removeAlpha().toColourspace('srgb');
  pipeline = format === 'jpeg' ? pipeline.jpeg({ quality }) : pipeline.webp({ quality });
  return { body: await encode(pipeline), contentType: `image/${format}` };
}

/** `channel=rgb`: the image as an RGB PNG, the alpha channel dropped (not composited). */
export async function rgbVariant(path: string): Promise<ImageVariant> {
  return {
    body: await encode(sharp(path).removeAlpha().toColourspace('srgb').png()),
    contentType: 'image/png',
  };
}

/**
 * `channel=a`: an RGBA PNG whose colour channels are 0 and whose alpha is the image's alpha,
 * fully opaque when the image has none.
 */
export async function alphaVariant(path: string): Promise<ImageVariant> {
  let width: number;
  let height: number;
  let alpha: Buffer | null = null;
  try {
    const metadata = await sharp(path).metadata();
    if (metadata.hasAlpha) {
      const extracted = await sharp(path)
        .toColourspace('srgb')
        .extractChannel(3)
        .raw()
        .toBuffer({ resolveWithObject: true });
      ({ width, height } = extracted.info);
      alpha = extracted.data;
    } else {
      width = metadata.width;
      height = metadata.pageHeight ?? metadata.height;
    }
  } catch (error) {
    throw new UndecodableImageError(error instanceof Error ? error.message : String(error));
  }
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba[i * 4 + 3] = alpha ? alpha[i] : 255;
  return {
    body: await encode(sharp(rgba, { raw: { width, height, channels: 4 } }).png()),
    contentType: 'image/png',
  };
}
