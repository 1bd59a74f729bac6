import { isAbsolute, join, resolve } from 'node:path';
import type { Directories } from '@easel/core';
import { annotatedName, folderOfType, isInside } from './view-path.js';
import { allDecodings } from './decodings.js';

// Where `POST /upload/image` and `/upload/mask` write, and which original `/upload/mask` reads:
// ComfyUI's checks (`image_upload`, `upload_mask`), decided on the strings alone before anything
// on disk is touched, plus Easel's refusal of names that only become a way out once decoded.

type Folders = Pick<Directories, 'output' | 'input' | 'temp'>;

/** Python's `posixpath.splitext`: leading dots do not start an extension. */
export function splitExtension(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  const slash = name.lastIndexOf('/');
  if (dot <= slash + 1) return [name, ''];
  for (let i = slash + 1; i < dot; i++) if (name[i] !== '.') return [name.slice(0, dot), name.slice(dot)];
  return [name, ''];
}

/** ComfyUI's next name for a taken one: `name (1).png`, `name (2).png`, ... */
export function numberedName(filename: string, n: number): string {
  const [stem, ext] = splitExtension(filename);
  return `${stem} (${n})${ext}`;
}

/** A subfolder (or its decoded forms) that is absolute, holds a NUL, or leads out of `root`. */
function subfolderEscapes(root: string, subfolder: string): boolean {
  return allDecodings(subfolder).some((form) => {
    const slashed = form.replace(/\\/g, '/');
    if (slashed.includes('\0') || isAbsolute(slashed)) return true;
    return !isInside(root, resolve(root, slashed));
  });
}

/** A file name that is not one plain name, as it is or in any decoded form. */
function filenameEscapes(filename: string): boolean {
  return allDecodings(filename).some(
    (form) =>
      form === '.' || form === '..' || form.includes('/') || form.includes('\\') || form.includes('\0'),
  );
}

/** Where an upload goes, or the status ComfyUI answers instead. */
export type UploadTarget =
  | { readonly ok: true; readonly folder: string; readonly filename: string; readonly path: string }
  | { readonly ok: false; readonly status: 400 };

/**
 * ComfyUI's target of an upload: `<type folder>/<normpath(subfolder)>/<filename>` must be inside
 * the type folder (else 400). Easel also refuses a file name with a path in it, and a subfolder
 * or file name whose percent-decoded form would lead out (`%2e%2e%2f`, `%252e%252e`).
 */
export function resolveUploadTarget(typeFolder: string, subfolder: string, filename: string): UploadTarget {
  const root = resolve(typeFolder);
  if (filename === '' || filenameEscapes(filename) || subfolderEscapes(root, subfolder)) {
    return { ok: false, status: 400 };
  }
  const folder = resolve(root, subfolder);
  const path = join(folder, filename);
  if (!isInside(root, path) || path === root) return { ok: false, status: 400 };
  return { ok: true, folder, filename, path };
}

/** `original_ref` of `/upload/mask`: the image whose alpha the mask replaces. */
export interface OriginalRef {
  readonly filename: string;
  readonly subfolder?: string;
  readonly type?: string;
}

/** Reads `original_ref`'s JSON; null when it is not an object with a string `filename`. */
export function parseOriginalRef(text: string): OriginalRef | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const { filename, subfolder, type } = value as Record<string, unknown>;
  if (typeof filename !== 'string') return null;
  if (subfolder !== undefined && typeof subfolder !== 'string') return null;
  if (type !== undefined && typeof type !== 'string') return null;
  return { filename, subfolder, type };
}

/** The original's path, or the status ComfyUI's checks intend (it answers 200 and writes nothing). */
export type OriginalPath =
  { readonly ok: true; readonly path: string } | { readonly ok: false; readonly status: 400 | 403 };

/**
 * ComfyUI's checks on `original_ref`: the annotation suffix or `type` (default output) picks the
 * folder; an empty name, one starting with `/` or holding `..` is refused (400), as is a bad
 * type (400) and a subfolder outside the folder (403).
 */
export function resolveOriginalPath(ref: OriginalRef, folders: Folders): OriginalPath {
  const annotated = annotatedName(ref.filename);
  const name = annotated.name;
  if (name === '' || name.startsWith('/') || name.includes('..') || name.includes('\0')) {
    return { ok: false, status: 400 };
  }
  const folder = folderOfType(annotated.type ?? ref.type ?? 'output', folders);
  if (folder === null) return { ok: false, status: 400 };
  const root = resolve(folder);
  let dir = root;
  const subfolder = ref.subfolder ?? '';
  if (subfolder !== '') {
    if (subfolderEscapes(root, subfolder)) return { ok: false, status: 403 };
    dir = resolve(root, subfolder);
  }
  const path = resolve(dir, name);
  if (!isInside(root, path) || path === root) return { ok: false, status: 400 };
  return { ok: true, path };
}
