import { randomUUID } from 'node:crypto';

/** Ids starting with this belong to server-internal storage (`<user dir>/__name`), never to HTTP clients. */
export const SYSTEM_USER_PREFIX = '__';

/** The user of every request without `--multi-user`, and of requests without `comfy-user`. */
export const DEFAULT_USER = 'default';

/**
 * An id a request may act as: not a system user, and one plain folder name (ComfyUI only checks
 * the prefix and that the folder stays in the user directory; a hand-edited users.json could
 * hold `..` or `a/b`).
 */
export function isPublicUserId(id: string): boolean {
  return id !== '' && !id.startsWith(SYSTEM_USER_PREFIX) && id !== '.' && id !== '..' && !/[/\\\0]/.test(id);
}

/** A new user's id, or the error ComfyUI answers (its exact texts). */
export type NewUserId =
  { readonly ok: true; readonly id: string } | { readonly ok: false; readonly error: string };

/**
 * ComfyUI's `add_user`: the trimmed name, every run of characters other than ASCII letters,
 * digits, `-` and `_` replaced by `-`, then `_` and a UUID4. Empty names and the system prefix
 * (before or after that replacement) are refused.
 */
export function newUserId(name: string, uuid: () => string = randomUUID): NewUserId {
  const trimmed = name.trim();
  if (trimmed === '') return { ok: false, error: 'username not provided' };
  if (trimmed.startsWith(SYSTEM_USER_PREFIX)) return { ok: false, error: 'System User prefix not allowed' };
  const base = trimmed.replace(/[^a-zA-Z0-9_-]+/g, '-');
  if (base.startsWith(SYSTEM_USER_PREFIX)) return { ok: false, error: 'System User prefix not allowed' };
  return { ok: true, id: `${base}_${uuid()}` };
}
