import { JsonFloat } from '@easel/core';

// ComfyUI's validation converts and prints values with Python's rules, and clients see the
// results (coerced values in history, error details). These reproduce them for JSON values;
// a JsonFloat is a float written with a decimal point (`5.0`).

/** A conversion failed; `message` is Python's exception text. */
export class PythonValueError extends Error {
  constructor(
    message: string,
    readonly pythonType: 'ValueError' | 'TypeError' | 'OverflowError',
  ) {
    super(message);
  }
}

/** Python's `type(x).__name__` for a JSON value. */
export function pythonTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (value instanceof JsonFloat) return 'float';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

/** Python's `float.__repr__`: shortest round-trip digits, `.0` for whole numbers, exponent outside 1e-4..1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, exponentText] = x.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const sign = x < 0 ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  return `${sign}${whole}.${digits.slice(exponent + 1) || '0'}`;
}

/**
 * Python's `str()` of a value that came from JSON, where JSON cannot tell `5` from `5.0`:
 * `asFloat` prints numbers as floats (for FLOAT inputs and their bounds).
 */
export function pythonStr(value: unknown, asFloat = false): string {
  if (typeof value === 'string') return value;
  return pythonRepr(value, asFloat);
}

/** Python's `repr()` of a JSON value (strings quoted the way Python quotes them). */
export function pythonRepr(value: unknown, asFloat = false): string {
  if (value === null || value === undefined) return 'None';
  if (value instanceof JsonFloat) return pythonFloatRepr(value.value);
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number')
    return asFloat || !Number.isInteger(value) ? pythonFloatRepr(value) : String(value);
  if (typeof value === 'string') return pythonStringRepr(value);
  if (Array.isArray(value)) return `[${value.map((v) => pythonRepr(v, asFloat)).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${pythonStringRepr(k)}: ${pythonRepr(v, asFloat)}`).join(', ')}}`;
  }
  // not JSON: bigint, symbol, function
  return typeof value === 'bigint' ? value.toString() : 'None';
}

function pythonStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's `int(x)`. */
export function pythonInt(value: unknown): number {
  if (value instanceof JsonFloat) return pythonInt(value.value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) throw new PythonValueError('cannot convert float NaN to integer', 'ValueError');
    if (!Number.isFinite(value))
      throw new PythonValueError('cannot convert float infinity to integer', 'OverflowError');
    return Math.trunc(value);
  }
  if (typeof value === 'string') {
    const text = value.trim().replace(/_(?=\d)/g, '');
    if (/^[+-]?\d+$/.test(text)) return Number(text);
    throw new PythonValueError(
      `invalid literal for int() with base 10: ${pythonStringRepr(value)}`,
      'ValueError',
    );
  }
  throw new PythonValueError(
    `int() argument must be a string, a bytes-like object or a real number, not '${pythonTypeName(value)}'`,
    'TypeError',
  );
}

/** Python's `float(x)`. */
export function pythonFloat(value: unknown): number {
  if (value instanceof JsonFloat) return value.value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const text = value
      .trim()
      .replace(/_(?=\d)/g, '')
      .toLowerCase();
    if (/^[+-]?(nan)$/.test(text)) return NaN;
    if (/^[+-]?(inf|infinity)$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(text)) return Number(text);
    throw new PythonValueError(`could not convert string to float: ${pythonStringRepr(value)}`, 'ValueError');
  }
  throw new PythonValueError(
    `float() argument must be a string or a real number, not '${pythonTypeName(value)}'`,
    'TypeError',
  );
}

/** Python's truthiness (`bool(x)`): the string "false" is true. */
export function pythonBool(value: unknown): boolean {
  if (value instanceof JsonFloat) return value.value !== 0;
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Python's `==` between JSON values (`1 == 1.0 == True`). */
export function pythonEquals(a: unknown, b: unknown): boolean {
  const numeric = (v: unknown) => (typeof v === 'boolean' ? Number(v) : v instanceof JsonFloat ? v.value : v);
  const x = numeric(a);
  const y = numeric(b);
  if (typeof x === 'number' && typeof y === 'number') return x === y;
  if (Array.isArray(x) && Array.isArray(y))
    return x.length === y.length && x.every((v, i) => pythonEquals(v, y[i]));
  if (x && y && typeof x === 'object' && typeof y === 'object') {
    const kx = Object.keys(x);
    const ky = Object.keys(y);
    return (
      kx.length === ky.length &&
      kx.every(
        (k) => k in y && pythonEquals((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k]),
      )
    );
  }
  return x === y;
}

/** Plain data for nodes: every JsonFloat (also inside arrays and objects) becomes its number. */
export function plainValue(value: unknown): unknown {
  if (value instanceof JsonFloat) return value.value;
  if (Array.isArray(value)) return value.some(needsUnwrap) ? value.map(plainValue) : value;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const record = value as Record<string, unknown>;
    return Object.values(record).some(needsUnwrap)
      ? Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plainValue(v)]))
      : value;
  }
  return value;
}

function needsUnwrap(value: unknown): boolean {
  if (value instanceof JsonFloat) return true;
  if (Array.isArray(value)) return value.some(needsUnwrap);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value as Record<string, unknown>).some(needsUnwrap);
  }
  return false;
}
