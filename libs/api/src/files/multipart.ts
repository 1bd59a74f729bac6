// A `multipart/form-data` body read from memory, the way aiohttp's `request.post()` reads it for
// ComfyUI: parts with a non-empty file name are files, the others are text fields (UTF-8 unless
// their Content-Type names another charset). The body is already limited by --max-upload-size.

/** One part of the form. */
export type FormPart =
  | { readonly kind: 'file'; readonly name: string; readonly filename: string; readonly data: Buffer }
  | { readonly kind: 'field'; readonly name: string; readonly value: string };

/** The body is not a well-formed multipart body. */
export class MultipartError extends Error {
  override name = 'MultipartError';
}

/** The `boundary` parameter of a `multipart/form-data` Content-Type, or null for any other type. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (contentType === undefined) return null;
  const [type, ...rest] = splitParameters(contentType);
  if (type.trim().toLowerCase() !== 'multipart/form-data') return null;
  const boundary = parameters(rest).get('boundary');
  return boundary !== undefined && boundary.length > 0 && boundary.length <= 200 ? boundary : null;
}

/** Splits `a; b="x;y"; c` at the semicolons outside quotes. */
function splitParameters(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (quoted && char === '\\' && i + 1 < value.length) {
      current += char + value[++i];
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === ';' && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

/** `name=value` parameters (names lower-cased, quoted values unescaped); the first of a name wins. */
function parameters(parts: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of parts) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    const name = part.slice(0, at).trim().toLowerCase();
    let value = part.slice(at + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    if (!found.has(name)) found.set(name, value);
  }
  return found;
}

/** RFC 5987's `charset'language'percent-encoded` (as `filename*`), or null when it is not one. */
function extendedValue(value: string): string | null {
  const match = /^([^']*)'[^']*'(.*)$/.exec(value);
  if (!match) return null;
  const charset = match[1].toLowerCase();
  const bytes: number[] = [];
  const text = match[2];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '%' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i], 'utf8'));
    }
  }
  const buffer = Buffer.from(bytes);
  if (charset === 'utf-8' || charset === 'utf8' || charset === '') return buffer.toString('utf8');
  if (charset === 'iso-8859-1' || charset === 'latin1' || charset === 'us-ascii')
    return buffer.toString('latin1');
  return null;
}

interface PartHeaders {
  name: string | null;
  filename: string | null;
  charset: string | null;
}

function parseHeaders(block: string): PartHeaders {
  const lines: string[] = [];
  for (const line of block.split('\r\n')) {
    // folded header lines continue the previous one
    if (/^[ \t]/.test(line) && lines.length > 0) lines[lines.length - 1] += ' ' + line.trim();
    else if (line !== '') lines.push(line);
  }
  const result: PartHeaders = { name: null, filename: null, charset: null };
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MultipartError(`bad part header: ${JSON.stringify(line.slice(0, 80))}`);
    const header = line.slice(0, colon).trim().toLowerCase();
    const [first, ...rest] = splitParameters(line.slice(colon + 1));
    const params = parameters(rest);
    if (header === 'content-disposition') {
      if (first.trim().toLowerCase() !== 'form-data') continue;
      result.name = params.get('name') ?? null;
      const extended = params.has('filename*') ? extendedValue(params.get('filename*')!) : null;
      result.filename = extended ?? params.get('filename') ?? null;
    } else if (header === 'content-type') {
      const type = first.trim().toLowerCase();
      // aiohttp decodes text only: other types stay bytes, which Easel reads as UTF-8 as well
      result.charset = type.startsWith('text/') ? (params.get('charset') ?? null) : null;
    }
  }
  return result;
}

function decodeText(data: Buffer, charset: string | null): string {
  const name = (charset ?? 'utf-8').toLowerCase();
  if (name === 'iso-8859-1' || name === 'latin1' || name === 'latin-1' || name === 'us-ascii') {
    return data.toString('latin1');
  }
  return data.toString('utf8');
}

/** Every part of `body`, in order; throws `MultipartError` when the body is malformed. */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const separator = Buffer.concat([Buffer.from('\r\n'), delimiter]);
  // the preamble before the first delimiter is ignored
  let position = body.subarray(0, delimiter.length).equals(delimiter) ? 0 : body.indexOf(separator);
  if (position < 0) throw new MultipartError('no boundary found in the body');
  if (position > 0) position += 2;
  position += delimiter.length;
  const parts: FormPart[] = [];
  for (;;) {
    if (body.toString('latin1', position, position + 2) === '--') return parts;
    // transport padding, then the line break ending the delimiter line
    while (body[position] === 0x20 || body[position] === 0x09) position++;
    if (body.toString('latin1', position, position + 2) !== '\r\n') {
      throw new MultipartError('a boundary is not followed by a line break');
    }
    position += 2;
    let headerText = '';
    let dataStart: number;
    if (body.toString('latin1', position, position + 2) === '\r\n') {
      dataStart = position + 2;
    } else {
      const headersEnd = body.indexOf('\r\n\r\n', position, 'latin1');
      if (headersEnd < 0) throw new MultipartError('a part has no end of headers');
      headerText = body.toString('utf8', position, headersEnd);
      dataStart = headersEnd + 4;
    }
    const dataEnd = body.indexOf(separator, dataStart);
    if (dataEnd < 0) throw new MultipartError('the body ends inside a part');
    const headers = parseHeaders(headerText);
    const data = body.subarray(dataStart, dataEnd);
    if (headers.name !== null) {
      parts.push(
        headers.filename
          ? { kind: 'file', name: headers.name, filename: headers.filename, data }
          : { kind: 'field', name: headers.name, value: decodeText(data, headers.charset) },
      );
    }
    position = dataEnd + separator.length;
  }
}

/** The first part named `name` (aiohttp's `post.get(name)`). */
export function formPart(parts: readonly FormPart[], name: string): FormPart | undefined {
  return parts.find((part) => part.name === name);
}
