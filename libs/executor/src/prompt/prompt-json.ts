import { JsonFloat } from '@easel/core';

// Marks whole-valued float literals before JSON.parse (which is fast and never recurses deeply)
// and turns the marks into JsonFloat afterwards.
const MARK = '\u0000float:';

/** JSON nested deeper than the server accepts (code that walks it would exhaust the stack). */
export class JsonTooDeepError extends Error {
  constructor(readonly maxDepth: number) {
    super(`JSON nested deeper than ${maxDepth} levels`);
    this.name = 'JsonTooDeepError';
  }
}

/** How deep request JSON may nest: far beyond any workflow, far below the stack's limit. */
export const MAX_JSON_DEPTH = 512;

/**
 * Parses JSON like Python's `json.loads` as far as numbers go: `5.0` and `1e3` become
 * `JsonFloat`, `5` stays an integer. Throws SyntaxError for invalid JSON and `JsonTooDeepError`
 * for nesting deeper than `maxDepth`.
 */
export function parseJsonKeepingFloats(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  let out = '';
  let last = 0;
  let i = 0;
  let depth = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw new JsonTooDeepError(maxDepth);
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
    if (c === 0x22) {
      // skip a string, honouring escapes
      i++;
      while (i < n && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
      i++;
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      i++;
      while (i < n && /[0-9eE.+-]/.test(text[i])) i++;
      const literal = text.slice(start, i);
      if (/[.eE]/.test(literal)) {
        const value = Number(literal);
        if (Number.isInteger(value)) {
          out += text.slice(last, start) + JSON.stringify(MARK + literal);
          last = i;
        }
      }
      continue;
    }
    i++;
  }
  if (last === 0) return JSON.parse(text) as unknown;
  out += text.slice(last);
  return JSON.parse(out, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(MARK)
      ? new JsonFloat(Number(value.slice(MARK.length)))
      : value,
  ) as unknown;
}
