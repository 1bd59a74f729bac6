import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { isInside } from '../files/view-path.js';

/** A pack's frontend extension folder, served at `/extensions/<url name>/...`. */
export interface PackWeb {
  /** The name in its URLs (unquoted): the folder name under custom_nodes, else the package name. */
  readonly name: string;
  /** The folder, absolute, links resolved. */
  readonly path: string;
}

/**
 * How a pack name appears in its extension URLs: Python's `urllib.parse.quote(name, safe='')`,
 * so a plain name reads as in ComfyUI and a scoped `@scope/pkg` is one path segment
 * (`%40scope%2Fpkg`).
 */
export function quoteExtensionName(name: string): string {
  return encodeURIComponent(name).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Why a manifest's `easel.web` cannot be served; the pack does not load. */
export class PackWebError extends Error {}

/**
 * The folder `easel.web` names under the pack folder `root` (already a real path), or null when
 * the field is absent or the folder does not exist (ComfyUI skips a missing web directory). A
 * value that is not a non-empty string, or a folder that leads out of the pack (by `..`, an
 * absolute path or a link), throws.
 */
export async function resolvePackWebFolder(root: string, field: unknown): Promise<string | null> {
  if (field === undefined) return null;
  if (typeof field !== 'string' || field.trim() === '' || field.includes('\0')) {
    throw new PackWebError('package.json "easel.web" must name a folder of the pack');
  }
  const folder = resolve(root, field);
  const inside = relative(root, folder);
  if (inside === '..' || inside.startsWith('..' + sep) || isAbsolute(inside)) {
    throw new PackWebError(`"easel.web" (${field}) points outside the pack folder`);
  }
  let real: string;
  try {
    real = await realpath(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if (!isInside(root, real)) {
    throw new PackWebError(`"easel.web" (${field}) leads outside the pack folder through a link`);
  }
  if (!(await stat(real)).isDirectory()) {
    throw new PackWebError(`"easel.web" (${field}) is not a folder`);
  }
  return real;
}
