import { crc32 } from 'node:zlib';
import { JsonFloat, isPng, withPngTexts } from '@easel/core';

// PNG text metadata as ComfyUI writes it: `tEXt` chunks right after IHDR, values serialised by
// Python's `json.dumps` (", " and ": " separators, everything outside printable ASCII escaped).

/** Python's `repr(float)`: the shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exponent < -4 || exponent >= 16) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const expSign = exponent < 0 ? '-' : '+';
    return `${sign}${digits[0]}${fraction}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1);
  return `${sign}${whole}.${fraction === '' ? '0' : fraction}`;
}

const SHORT_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '"': '\\"',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

function pythonString(value: string): string {
  const escaped = value.replace(
    /[\\"]|[^ -~]/g,
    (char) => SHORT_ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `"${escaped}"`;
}

/**
 * `json.dumps(value)` as Python writes it. Whole numbers are ints unless they are `JsonFloat`s
 * (prompt constants written with a decimal point); `undefined` members are left out.
 */
export function pythonJson(value: unknown): string {
  if (value instanceof JsonFloat) return pythonFloat(value.value);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    return Number.isInteger(value) ? BigInt(value).toString() : pythonFloat(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return pythonString(value);
  if (Array.isArray(value)) return `[${value.map((item) => pythonJson(item)).join(', ')}]`;
  if (typeof value === 'object') {
    const withToJson = value as { toJSON?: () => unknown };
    if (typeof withToJson.toJSON === 'function') return pythonJson(withToJson.toJSON());
    const members = Object.entries(value)
      .filter(([, member]) => member !== undefined && typeof member !== 'function')
      .map(([key, member]) => `${pythonString(key)}: ${pythonJson(member)}`);
    return `{${members.join(', ')}}`;
  }
  return 'null';
}

/** A key PNG readers accept: 1 to 79 Latin-1 characters (`withPngTexts` would skip any other). */
function checkKey(key: string): void {
  // eslint-disable-next-line no-control-regex
  if (key.length === 0 || key.length > 79 || /[^\x00-\xff]/.test(key)) {
    throw new Error(`"${key}" cannot be a PNG text key: it needs 1 to 79 Latin-1 characters`);
  }
}

/**
 * `png` with text chunks inserted after IHDR, in order: `tEXt`, as values are ASCII (as
 * `pythonJson` output is); a key no PNG reader accepts is an error.
 */
export function withPngText(png: Buffer, entries: readonly (readonly [string, string])[]): Buffer {
  if (entries.length === 0) return png;
  for (const [key] of entries) checkKey(key);
  return withPngTexts(
    png,
    entries.map(([key, value]) => ({ key, value })),
  );
}

/** The `tEXt` chunks of a PNG file, in order (for tests and tools). */
export function readPngText(png: Buffer): [string, string][] {
  if (!isPng(png)) throw new Error('not a PNG file');
  const found: [string, string][] = [];
  let offset = 8;
  while (offset + 8 <= png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    const stored = png.readUInt32BE(offset + 8 + length);
    if (stored !== crc32(data, crc32(png.subarray(offset + 4, offset + 8)))) {
      throw new Error(`bad CRC in the ${type} chunk at ${offset}`);
    }
    if (type === 'tEXt') {
      const nul = data.indexOf(0);
      found.push([data.toString('latin1', 0, nul), data.toString('latin1', nul + 1)]);
    }
    if (type === 'IEND') break;
    offset += 12 + length;
  }
  return found;
}
