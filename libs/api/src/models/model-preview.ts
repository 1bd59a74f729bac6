import { readdir, realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { contentTypeOf } from '../files/mime-types.js';
import { isInside } from '../files/view-path.js';
import type { ModelFolderRegistry } from './model-folder-registry.js';
import { withoutExtension } from './model-folders.js';
import { PREVIEW_HEADER_LIMIT, metadataOf, readSafetensorsHeader } from './safetensors-header.js';

/** A preview image: a file beside the model, or one embedded in its safetensors metadata. */
export type PreviewCandidate =
  { readonly kind: 'file'; readonly path: string } | { readonly kind: 'embedded'; readonly data: Buffer };

/** The answer of `GET /experiment/models/preview/...`: a WebP image, or a bare status. */
export type ModelPreview =
  { readonly ok: true; readonly webp: Buffer } | { readonly ok: false; readonly status: 400 | 403 | 404 };

/** Images sharp can decode that a browser shows (SVG is left out: ComfyUI's Pillow cannot open it). */
function isPreviewImage(name: string): boolean {
  const type = contentTypeOf(name);
  return type.startsWith('image/') && type !== 'image/svg+xml';
}

/**
 * ComfyUI's `get_model_previews`: images beside the model named like it (`model.png`,
 * `model.preview.jpeg`), in name order, then the base64 images of the safetensors metadata's
 * `ssmd_cover_images` list.
 */
export async function previewCandidates(modelPath: string): Promise<PreviewCandidate[]> {
  const dir = dirname(modelPath);
  const base = withoutExtension(basename(modelPath));
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.startsWith(`${base}.`)).sort();
  } catch {
    return [];
  }
  const candidates: PreviewCandidate[] = names
    .filter((name) => isPreviewImage(name))
    .filter((name) => {
      const stem = withoutExtension(name);
      return stem === base || stem === `${base}.preview`;
    })
    .map((name) => ({ kind: 'file', path: join(dir, name) }));

  const safetensors = names.includes(`${base}.safetensors`)
    ? `${base}.safetensors`
    : names.find((name) => name.endsWith('.safetensors'));
  if (safetensors !== undefined) {
    const metadata = metadataOf(await readSafetensorsHeader(join(dir, safetensors), PREVIEW_HEADER_LIMIT));
    for (const image of coverImages(metadata?.ssmd_cover_images)) {
      candidates.push({ kind: 'embedded', data: Buffer.from(image, 'base64') });
    }
  }
  return candidates;
}

/** The `ssmd_cover_images` value: a JSON list of base64 strings; anything else has none. */
function coverImages(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

/** The real path of `path`, or of its nearest existing parent with the rest appended. */
async function realpathOfAny(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(await realpathOfAny(parent), basename(path));
  }
}

/** True when `path`, links resolved, is `root` (links resolved) or inside it. */
async function staysInside(root: string, path: string): Promise<boolean> {
  return isInside(await realpathOfAny(resolve(root)), await realpathOfAny(resolve(path)));
}

/** Python's `int()` of a path segment: optional sign, digits (with `_` between), spaces around. */
function parseIndex(text: string): number | null {
  return /^\s*[+-]?\d+(_\d+)*\s*$/.test(text) ? Number(text.replace(/_/g, '').trim()) : null;
}

/**
 * `GET /experiment/models/preview/{folder}/{path_index}/{filename}`, with ComfyUI's checks in
 * its order: unknown folder 404, empty name 400, index not a number 400, index out of range
 * 404, the model or the chosen preview file outside the place (links resolved) 403, no preview
 * or one that is not an image 404. The preview is always re-encoded as WebP.
 */
export async function modelPreview(
  registry: ModelFolderRegistry,
  folder: string,
  pathIndex: string,
  filename: string,
): Promise<ModelPreview> {
  if (!registry.has(folder)) return { ok: false, status: 404 };
  if (filename === '') return { ok: false, status: 400 };
  const index = parseIndex(pathIndex);
  if (index === null) return { ok: false, status: 400 };
  const places = registry.folderPaths(folder);
  if (index < 0 || index >= places.length) return { ok: false, status: 404 };
  if (filename.includes('\0')) return { ok: false, status: 400 };
  const root = places[index];
  const modelPath = resolve(root, filename);
  if (!(await staysInside(root, modelPath))) return { ok: false, status: 403 };

  const [preview] = await previewCandidates(modelPath);
  if (preview === undefined) return { ok: false, status: 404 };
  if (preview.kind === 'file' && !(await staysInside(root, preview.path))) return { ok: false, status: 403 };
  try {
    const input = preview.kind === 'file' ? preview.path : preview.data;
    return { ok: true, webp: await sharp(input).webp().toBuffer() };
  } catch {
    return { ok: false, status: 404 };
  }
}
