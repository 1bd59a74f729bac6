/**
 * JSON text as Python's `json.dumps` writes it with its default `ensure_ascii`: every non-ASCII
 * character escaped as `\uXXXX`, so files ComfyUI writes and files Easel writes look alike.
 * `indent` as in `JSON.stringify` (ComfyUI's settings file uses 4).
 */
export function asciiJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    /[\u0080-\uffff]/g,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}
