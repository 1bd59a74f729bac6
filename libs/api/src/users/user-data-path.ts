import { isAbsolute, resolve } from 'node:path';
import { allDecodings, pythonUnquote } from '../files/decodings.js';
import { isInside } from '../files/view-path.js';

// Where a `/userdata` or `/v2/userdata` path points inside a user's folder, decided on the
// strings alone before anything on disk is looked at. ComfyUI joins the value (URL-decoded once
// more when it holds a `%`) to the user's folder and refuses a result outside it. Easel also
// refuses a value that would lead out after any further decoding, with backslashes read as
// separators, or that is absolute (POSIX, drive letter, UNC) or holds a NUL.

/** ComfyUI's extra decoding in `get_request_user_filepath`: once more when there is a `%`. */
export function comfyDecoded(value: string): string {
  return value.includes('%') ? pythonUnquote(value) : value;
}

/** A form that is absolute on some platform or holds a NUL, or that resolves outside `root`. */
function leadsOut(root: string, form: string): boolean {
  const slashed = form.replace(/\\/g, '/');
  if (slashed.includes('\0') || isAbsolute(slashed) || /^[a-zA-Z]:/.test(slashed)) return true;
  return !isInside(root, resolve(root, slashed));
}

/** A path inside the user's folder, or why there is none. */
export type UserPath =
  | { readonly ok: true; readonly path: string }
  /** `empty`: nothing was given; `outside`: the value leads out of the user's folder. */
  | { readonly ok: false; readonly reason: 'empty' | 'outside' };

/**
 * The absolute path `value` names inside `root` (the user's folder, absolute). `decoded` is the
 * value after the decodings ComfyUI applies on that route (see `comfyDecoded`); every further
 * decoding of it, and the raw value, must stay inside too. The folder itself is a valid answer
 * (`dir=.`); routes that need a file refuse it themselves.
 */
export function resolveUserPath(root: string, raw: string, decoded: string): UserPath {
  if (raw === '' || decoded === '') return { ok: false, reason: 'empty' };
  const absoluteRoot = resolve(root);
  const forms = [raw, ...allDecodings(decoded)];
  if (forms.some((form) => leadsOut(absoluteRoot, form))) return { ok: false, reason: 'outside' };
  return { ok: true, path: resolve(absoluteRoot, decoded) };
}

/** A path parameter of `/userdata/{file}` (already URL-decoded once by the router). */
export function resolveUserFileParam(root: string, value: string): UserPath {
  return resolveUserPath(root, value, comfyDecoded(value));
}

/** `GET /v2/userdata?path=`: ComfyUI decodes the (query-decoded) value, then once more if it still has a `%`. */
export function resolveV2Path(root: string, value: string): UserPath {
  return resolveUserPath(root, value, comfyDecoded(pythonUnquote(value)));
}
