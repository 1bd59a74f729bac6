// Percent-decoding as ComfyUI's Python does it, and every form a value takes when decoded again
// and again: the path checkers of every file route refuse a name if any of its forms leads out,
// so a client cannot smuggle `..` past a check by encoding it twice.

/**
 * Python's `urllib.parse.unquote`: runs of valid `%XX` escapes become their UTF-8 text (bytes
 * that are not UTF-8 become U+FFFD), anything else (`%`, `%zz`) is kept as it is.
 */
export function pythonUnquote(value: string): string {
  if (!value.includes('%')) return value;
  return value.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) =>
    Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'),
  );
}

/** `value` and every form it takes when decoded again and again, until decoding changes nothing. */
export function allDecodings(value: string): string[] {
  const forms = [value];
  // every decoding that changes the text shortens it, so this ends
  for (let current = value, next = pythonUnquote(value); next !== current; next = pythonUnquote(next)) {
    forms.push(next);
    current = next;
  }
  return forms;
}
