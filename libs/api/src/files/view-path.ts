import { isAbsolute, join, resolve, sep } from 'node:path';
import type { Directories } from '@easel/core';
import { allDecodings } from './decodings.js';

/** The folders reachable over HTTP (ComfyUI's `get_directory_by_type`). */
export type FileType = 'output' | 'input' | 'temp';

/** The query parameters of `GET /view` that name a file (first values when repeated). */
export interface ViewFileQuery {
  readonly filename?: string;
  readonly type?: string;
  readonly subfolder?: string;
}

/** A file to serve, or the bare status ComfyUI answers instead. */
export type ViewPath =
  | { readonly ok: true; readonly path: string; readonly filename: string }
  | { readonly ok: false; readonly status: 400 | 403 | 404 };

/** `name [output]`, `name [input]`, `name [temp]`: the suffix picks the folder (ComfyUI's `annotated_filepath`). */
export function annotatedName(name: string): { name: string; type: FileType | null } {
  // ComfyUI cuts the suffix plus the one character before it (normally a space)
  if (name.endsWith('[output]')) return { name: name.slice(0, -9), type: 'output' };
  if (name.endsWith('[input]')) return { name: name.slice(0, -8), type: 'input' };
  if (name.endsWith('[temp]')) return { name: name.slice(0, -7), type: 'temp' };
  return { name, type: null };
}

export function folderOfType(
  type: string,
  directories: Pick<Directories, 'output' | 'input' | 'temp'>,
): string | null {
  if (type === 'output') return directories.output;
  if (type === 'input') return directories.input;
  if (type === 'temp') return directories.temp;
  return null;
}

/** True when `path` is `root` or inside it (both absolute and normalised). */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** ComfyUI's refused names: starting with `/`, containing `..` or a NUL (a backslash counts as `/`). */
function isUnsafeName(form: string): boolean {
  return form.startsWith('/') || form.startsWith('\\') || form.includes('..') || form.includes('\0');
}

/** A subfolder that is absolute, holds a NUL, or resolves outside `root`. */
function subfolderLeadsOut(root: string, form: string): boolean {
  const slashed = form.replace(/\\/g, '/');
  if (isAbsolute(slashed) || slashed.includes('\0')) return true;
  return !isInside(root, resolve(root, slashed));
}

/**
 * ComfyUI's checks for `GET /view`, decided on the (once URL-decoded) strings alone, before
 * anything on disk is looked at:
 * - no `filename` (or an asset hash, as there is no asset database): 404;
 * - an empty name, one starting with `/`, containing `..` or a NUL: 400 (Easel: also when any
 *   further percent-decoding of it does, so `%252e%252e%252f` is refused rather than looked up);
 * - a `type` other than output, input, temp (an annotation suffix wins over `type`): 400;
 * - a `subfolder` that is absolute or resolves outside the folder, as given or decoded again: 403;
 * - only the last component of `filename` is used (ComfyUI's quirk: directories go in `subfolder`).
 */
export function resolveViewPath(
  query: ViewFileQuery,
  directories: Pick<Directories, 'output' | 'input' | 'temp'>,
): ViewPath {
  if (query.filename === undefined || query.filename.startsWith('blake3:')) return { ok: false, status: 404 };
  const annotated = annotatedName(query.filename);
  const name = annotated.name;
  if (name === '' || allDecodings(name).some(isUnsafeName)) return { ok: false, status: 400 };
  const folder = folderOfType(annotated.type ?? query.type ?? 'output', directories);
  if (folder === null) return { ok: false, status: 400 };
  const root = resolve(folder);
  let dir = root;
  if (query.subfolder !== undefined) {
    if (allDecodings(query.subfolder).some((form) => subfolderLeadsOut(root, form))) {
      return { ok: false, status: 403 };
    }
    dir = resolve(root, query.subfolder);
  }
  const filename = name.slice(name.lastIndexOf('/') + 1);
  if (filename === '') return { ok: false, status: 404 };
  return { ok: true, path: join(dir, filename), filename };
}
