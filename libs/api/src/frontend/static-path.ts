import { extname, resolve, sep } from 'node:path';
import { contentTypeOf } from '../files/mime-types.js';
import { allDecodings } from '../files/decodings.js';
import { isInside } from '../files/view-path.js';

/**
 * The file a static URL path names under `root`, or null when it names nothing that may be
 * served: the path is decoded once (as aiohttp does), and a path that is malformed, holds a NUL or a
 * backslash, leaves `root` after resolving `..`, or would hold a `..`, NUL or backslash segment
 * once decoded again (`%252e%252e`) is refused.
 * Symbolic links are checked by the caller on the real path.
 */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?', 1)[0]);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  // a name that would lead out once decoded again is refused too, not served as a literal name
  if (allDecodings(decoded).slice(1).some(hasDotDotSegment)) return null;
  const base = resolve(root);
  const path = resolve(base, '.' + sep + decoded);
  if (path === base || !isInside(base, path)) return null;
  return path;
}

function hasDotDotSegment(form: string): boolean {
  return form.includes('\0') || form.split(/[\\/]/).includes('..');
}

// Frontend build files the server-wide table does not know (Python's `mimetypes` knows them)
const FRONTEND_TYPES: Record<string, string> = {
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
};

/** The content type a frontend file is served with (`.js` as ComfyUI: `application/javascript; charset=utf-8`). */
export function frontendContentType(filename: string): string {
  return FRONTEND_TYPES[extname(filename).toLowerCase()] ?? contentTypeOf(filename);
}
