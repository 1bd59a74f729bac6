import { Input, Node, type NodeInputs, type NodeReturn } from '@easel/core';

// ComfyUI's comfy_extras/nodes_string.py: text nodes with Python's string semantics. Python
// strings are sequences of code points (JavaScript's of UTF-16 units), Python's `re` differs
// from JavaScript's RegExp, and `str.format` has its own mini-language; the helpers below
// reproduce what these nodes need of each.
const STRING_NODE = { category: 'text', pythonModule: 'comfy_extras.nodes_string', schema: 'v3' } as const;

const OCTAL = '01234567';
const DIGITS = '0123456789';
/** Whether `c` is one of `set`'s characters (`''.includes('')` would say yes past the end). */
const isOneOf = (set: string, c: string | undefined): boolean =>
  c !== undefined && c.length === 1 && set.includes(c);

// ---------------------------------------------------------------------------------------------
// Python values: what `str()`, `repr()` and `format()` need to know of a value

/** A Python float (JavaScript numbers do not say whether they are ints or floats). */
class PyFloat {
  constructor(readonly value: number) {}
}

/** A value Python would print with its own repr, which we only approximate (tensors, ...). */
class PyOpaque {
  constructor(
    readonly text: string,
    readonly typeName: string,
  ) {}
}

type PyValue = string | boolean | null | bigint | PyFloat | PyOpaque | PyValue[] | Map<string, PyValue>;

/** Node values as Python values: whole numbers are ints, other numbers floats, objects dicts. */
function toPy(value: unknown, depth = 0): PyValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : new PyFloat(value);
  if (value instanceof PyFloat || value instanceof PyOpaque || value instanceof Map) return value as PyValue;
  if (depth > 32) return new PyOpaque('...', 'object');
  if (Array.isArray(value)) return value.map((item) => toPy(item, depth + 1));
  if (typeof value === 'object') {
    const t = value as { shape?: unknown; dtype?: unknown; dispose?: unknown };
    if (Array.isArray(t.shape) && typeof t.dtype === 'string' && typeof t.dispose === 'function') {
      return new PyOpaque(`tensor(shape=[${t.shape.join(', ')}], dtype=${t.dtype})`, 'Tensor');
    }
    return new Map(Object.entries(value).map(([k, v]) => [k, toPy(v, depth + 1)]));
  }
  return new PyOpaque(typeof value === 'symbol' ? value.toString() : `<${typeof value}>`, typeof value);
}

function pyTypeName(value: PyValue): string {
  if (value === null) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (value instanceof PyFloat) return 'float';
  if (value instanceof PyOpaque) return value.typeName;
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

/** Python's `repr(float)`: the shortest digits that round-trip, exponent form below 1e-4 and from 1e16. */
function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, exponent] = x.toExponential().split('e');
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const point = Number(exponent) + 1; // digits are 0.d1d2... x 10^point
  let text: string;
  if (point > -4 && point <= 16) {
    if (point <= 0) text = `0.${'0'.repeat(-point)}${digits}`;
    else if (point >= digits.length) text = `${digits}${'0'.repeat(point - digits.length)}.0`;
    else text = `${digits.slice(0, point)}.${digits.slice(point)}`;
  } else {
    const e = point - 1;
    const lead = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    text = `${lead}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return negative ? `-${text}` : text;
}

const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/v;

/** Python's `repr(str)`; `asciiOnly` gives `ascii(str)`. */
function stringRepr(s: string, asciiOnly = false): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const hex = (cp: number, width: number) => cp.toString(16).padStart(width, '0');
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x7f) out += ch;
    else if (!asciiOnly && !NOT_PRINTABLE.test(ch)) out += ch;
    else if (cp <= 0xff) out += `\\x${hex(cp, 2)}`;
    else if (cp <= 0xffff) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return out + quote;
}

function pyRepr(value: PyValue, asciiOnly = false): string {
  if (value === null) return 'None';
  if (typeof value === 'string') return stringRepr(value, asciiOnly);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof PyFloat) return floatRepr(value.value);
  if (value instanceof PyOpaque) return value.text;
  if (Array.isArray(value)) return `[${value.map((v) => pyRepr(v, asciiOnly)).join(', ')}]`;
  const entries = [...value].map(([k, v]) => `${stringRepr(k, asciiOnly)}: ${pyRepr(v, asciiOnly)}`);
  return `{${entries.join(', ')}}`;
}

/** Python's `str()`. */
function pyStr(value: PyValue): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

/**
 * A Python exception: `name` is its type (ValueError, KeyError, ...), which the executor
 * reports as the exception_type, as ComfyUI does, and `message` is Python's `str(exception)`.
 */
class PythonError extends Error {
  constructor(type: string, message: string) {
    super(message);
    this.name = type;
  }
}

// ---------------------------------------------------------------------------------------------
// format(): Python's format specification mini-language

interface FormatSpec {
  fill: string;
  /** The alignment, given or the default ('<' for strings, '>' for numbers, '=' after a 0). */
  align: string;
  /** '', '+', '-' or ' '. */
  sign: string;
  noNegativeZero: boolean;
  alternate: boolean;
  width: number;
  grouping: string;
  precision: number | undefined;
  /** The presentation type, or the default one ('s' for strings, '' for numbers). */
  type: string;
}

/** A presentation type in an error message, as Python writes it. */
function typeCode(type: string): string {
  const cp = type.codePointAt(0) as number;
  return cp > 32 && cp < 128 ? type : `\\x${cp.toString(16)}`;
}

/** Python's parse of a format spec (formatter_unicode.c's parse_internal_render_format_spec). */
function parseSpec(
  specText: string,
  typeName: string,
  defaultAlign: string,
  defaultType: string,
): FormatSpec {
  const chars = [...specText];
  let i = 0;
  const isAlign = (c: string | undefined) => isOneOf('<>=^', c);
  const spec: FormatSpec = {
    fill: ' ',
    align: defaultAlign,
    sign: '',
    noNegativeZero: false,
    alternate: false,
    width: 0,
    grouping: '',
    precision: undefined,
    type: defaultType,
  };
  let fillGiven = false;
  let alignGiven = false;
  if (chars.length >= 2 && isAlign(chars[1])) {
    spec.fill = chars[0];
    spec.align = chars[1];
    fillGiven = alignGiven = true;
    i = 2;
  } else if (isAlign(chars[0])) {
    spec.align = chars[0];
    alignGiven = true;
    i = 1;
  }
  if (isOneOf('+- ', chars[i])) spec.sign = chars[i++];
  if (chars[i] === 'z') {
    spec.noNegativeZero = true;
    i++;
  }
  if (chars[i] === '#') {
    spec.alternate = true;
    i++;
  }
  if (!fillGiven && chars[i] === '0') {
    spec.fill = '0';
    if (!alignGiven && defaultAlign === '>') spec.align = '=';
    i++;
  }
  const integer = (): string => {
    let digits = '';
    while (isOneOf(DIGITS, chars[i])) digits += chars[i++];
    return digits;
  };
  const width = integer();
  if (width) spec.width = Number(width);
  if (chars[i] === ',') {
    spec.grouping = ',';
    i++;
  }
  if (chars[i] === '_') {
    if (spec.grouping) throw new PythonError('ValueError', "Cannot specify both ',' and '_'.");
    spec.grouping = '_';
    i++;
  }
  if (chars[i] === ',' && spec.grouping === '_') {
    throw new PythonError('ValueError', "Cannot specify both ',' and '_'.");
  }
  if (chars[i] === '.') {
    i++;
    const precision = integer();
    if (!precision) throw new PythonError('ValueError', 'Format specifier missing precision');
    spec.precision = Number(precision);
  }
  if (chars.length - i > 1) {
    throw new PythonError(
      'ValueError',
      `Invalid format specifier '${specText}' for object of type '${typeName}'`,
    );
  }
  if (i < chars.length) spec.type = chars[i];
  if (spec.grouping) {
    const allowed =
      spec.type === '' ||
      isOneOf('defgEG%F', spec.type) ||
      (spec.grouping === '_' && isOneOf('boxX', spec.type));
    if (!allowed) {
      throw new PythonError('ValueError', `Cannot specify '${spec.grouping}' with '${typeCode(spec.type)}'.`);
    }
  }
  return spec;
}

function unknownCode(type: string, typeName: string): PythonError {
  return new PythonError(
    'ValueError',
    `Unknown format code '${typeCode(type)}' for object of type '${typeName}'`,
  );
}

/** Pads `body` (after `prefix`, the sign and base prefix) to the spec's width. */
function pad(spec: FormatSpec, prefix: string, body: string): string {
  const { align, fill } = spec;
  const length = [...prefix].length + [...body].length;
  const missing = Math.max(0, spec.width - length);
  if (align === '<') return prefix + body + fill.repeat(missing);
  if (align === '>') return fill.repeat(missing) + prefix + body;
  if (align === '^') {
    const left = Math.floor(missing / 2);
    return fill.repeat(left) + prefix + body + fill.repeat(missing - left);
  }
  return prefix + fill.repeat(missing) + body;
}

/** Whether zeros padding the number get separators too (Python's `0=` fill and alignment). */
const zeroPadded = (spec: FormatSpec) => spec.fill === '0' && spec.align === '=';

/** Inserts `separator` every `size` digits from the right. */
function group(digits: string, separator: string, size: number): string {
  if (!separator) return digits;
  const parts: string[] = [];
  for (let end = digits.length; end > 0; end -= size)
    parts.unshift(digits.slice(Math.max(0, end - size), end));
  return parts.join(separator);
}

/** Zero padding that also gets separators (Python pads `format(1234, '09,')` to `0,001,234`). */
function groupedZeroPadded(digits: string, spec: FormatSpec, size: number, room: number): string {
  let padded = digits;
  let grouped = group(padded, spec.grouping, size);
  while (grouped.length < room) {
    padded = `0${padded}`;
    grouped = group(padded, spec.grouping, size);
  }
  return grouped;
}

function signOf(negative: boolean, spec: FormatSpec): string {
  if (negative) return '-';
  return spec.sign === '+' || spec.sign === ' ' ? spec.sign : '';
}

function formatInt(value: bigint, spec: FormatSpec): string {
  if (spec.precision !== undefined)
    throw new PythonError('ValueError', 'Precision not allowed in integer format specifier');
  if (spec.noNegativeZero) {
    throw new PythonError('ValueError', 'Negative zero coercion (z) not allowed in integer format specifier');
  }
  const type = spec.type || 'd';
  if (type === 'c') {
    if (spec.sign) throw new PythonError('ValueError', "Sign not allowed with integer format specifier 'c'");
    if (spec.alternate) {
      throw new PythonError('ValueError', "Alternate form (#) not allowed with integer format specifier 'c'");
    }
    if (value < 0n || value > 0x10ffffn)
      throw new PythonError('OverflowError', '%c arg not in range(0x110000)');
    return pad(spec, '', String.fromCodePoint(Number(value)));
  }
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const base = { b: 2, o: 8, x: 16, X: 16, d: 10, n: 10 }[type] ?? 10;
  let digits = magnitude.toString(base);
  if (type === 'X') digits = digits.toUpperCase();
  const size = base === 10 ? 3 : 4;
  const prefix =
    signOf(negative, spec) + (spec.alternate && base !== 10 ? `0${type === 'X' ? 'X' : type}` : '');
  if (zeroPadded(spec) && spec.grouping) {
    return prefix + groupedZeroPadded(digits, spec, size, spec.width - prefix.length);
  }
  return pad(spec, prefix, group(digits, spec.grouping, size));
}

// Correctly rounded decimal digits of doubles (round half to even on the exact binary value,
// like Python's float formatting), with BigInt arithmetic.

/** `|x|` as `m * 2^e` exactly. */
function exactParts(x: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (exponent === 0) return [fraction, -1074];
  return [fraction | (1n << 52n), exponent - 1075];
}

/** `round_half_even(|x| * 10^scale)` exactly. */
function scaledRound(x: number, scale: number): bigint {
  const [m, e] = exactParts(x);
  let numerator = m;
  let denominator = 1n;
  if (e >= 0) numerator <<= BigInt(e);
  else denominator <<= BigInt(-e);
  if (scale >= 0) numerator *= 10n ** BigInt(scale);
  else denominator *= 10n ** BigInt(-scale);
  const q = numerator / denominator;
  const twice = 2n * (numerator - q * denominator);
  if (twice > denominator || (twice === denominator && q % 2n === 1n)) return q + 1n;
  return q;
}

/** `|x|` with `precision` digits after the point. */
function fixedDigits(x: number, precision: number): string {
  const digits = scaledRound(x, precision)
    .toString()
    .padStart(precision + 1, '0');
  return precision === 0 ? digits : `${digits.slice(0, -precision)}.${digits.slice(-precision)}`;
}

/** `|x|` (non-zero) rounded to `significant` digits: the digits and the decimal exponent of the first. */
function significantDigits(x: number, significant: number): [string, number] {
  let exponent = Math.floor(Math.log10(Math.abs(x)));
  // log10 can be off by one near powers of ten: fix it exactly
  const power = (k: number) => (k >= 0 ? [10n ** BigInt(k), 1n] : [1n, 10n ** BigInt(-k)]);
  const [m, e] = exactParts(x);
  const [num, den] = e >= 0 ? [m << BigInt(e), 1n] : [m, 1n << BigInt(-e)];
  const atLeast = (k: number) => {
    const [pn, pd] = power(k);
    return num * pd >= pn * den;
  };
  while (!atLeast(exponent)) exponent--;
  while (atLeast(exponent + 1)) exponent++;
  let n = scaledRound(x, significant - 1 - exponent);
  if (n.toString().length > significant) {
    exponent++;
    n = scaledRound(x, significant - 1 - exponent);
  }
  return [n.toString(), exponent];
}

function exponentDigits(x: number, precision: number, alternate: boolean, upper: boolean): string {
  const [digits, exponent] = x === 0 ? ['0'.repeat(precision + 1), 0] : significantDigits(x, precision + 1);
  const lead = digits.length > 1 || alternate ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = `${upper ? 'E' : 'e'}${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  return lead + e;
}

/**
 * 'g', and the default float format when a precision is given: fixed or exponent notation by
 * the exponent after rounding, trailing zeros dropped (kept with '#'). The default format
 * switches to exponents one digit earlier and always shows a fraction in fixed notation.
 */
function generalDigits(x: number, precision: number, spec: FormatSpec, defaultType: boolean): string {
  const p = precision === 0 ? 1 : precision;
  const exponent = x === 0 ? 0 : significantDigits(x, p)[1];
  const useExponent = exponent < -4 || exponent >= (defaultType ? p - 1 : p);
  const text = useExponent
    ? exponentDigits(x, p - 1, spec.alternate, spec.type === 'G')
    : fixedDigits(x, p - 1 - exponent);
  const [digits, power = ''] = text.split(/(?=[eE])/v);
  let mantissa = digits;
  if (!spec.alternate && mantissa.includes('.')) mantissa = mantissa.replace(/0+$/v, '').replace(/\.$/v, '');
  if (spec.alternate && !mantissa.includes('.')) mantissa += '.';
  if (defaultType && !useExponent && !mantissa.includes('.')) mantissa += '.0';
  return mantissa + power;
}

function formatFloat(x: number, spec: FormatSpec): string {
  const type = spec.type === 'n' ? 'g' : spec.type;
  const upper = type === 'E' || type === 'F' || type === 'G';
  const value = type === '%' ? x * 100 : x;
  let negative = value < 0 || Object.is(value, -0);
  let body: string;
  if (!Number.isFinite(value)) {
    body = Number.isNaN(value) ? 'nan' : 'inf';
    if (upper) body = body.toUpperCase();
    if (type === '%') body += '%';
  } else if (type === 'f' || type === 'F' || type === '%') {
    body = fixedDigits(value, spec.precision ?? 6);
    if (spec.alternate && !body.includes('.')) body += '.';
    if (type === '%') body += '%';
  } else if (type === 'e' || type === 'E') {
    body = exponentDigits(value, spec.precision ?? 6, spec.alternate, upper);
  } else if (type === 'g' || type === 'G') {
    body = generalDigits(value, spec.precision ?? 6, spec, false);
  } else if (spec.precision !== undefined) {
    body = generalDigits(value, spec.precision, spec, true);
  } else {
    body = floatRepr(Math.abs(value));
  }
  // 'z': a zero that rounding left negative loses its sign
  if (spec.noNegativeZero && negative && !/[1-9]/v.test(body.split(/[eE]/v)[0])) negative = false;
  const prefix = signOf(negative, spec);
  if (spec.grouping && Number.isFinite(value)) {
    const match = /^(\d+)(.*)$/sv.exec(body);
    if (match) {
      if (zeroPadded(spec)) {
        const room = spec.width - prefix.length - match[2].length;
        return prefix + groupedZeroPadded(match[1], spec, 3, room) + match[2];
      }
      body = group(match[1], spec.grouping, 3) + match[2];
    }
  }
  return pad(spec, prefix, body);
}

/** Python's `format(value, spec)`. */
function pyFormat(value: PyValue, specText: string): string {
  if (specText === '') return pyStr(value);
  const typeName = pyTypeName(value);
  if (typeof value === 'string') {
    const spec = parseSpec(specText, typeName, '<', 's');
    if (spec.type !== 's') throw unknownCode(spec.type, typeName);
    if (spec.sign) {
      const what = spec.sign === ' ' ? 'Space' : 'Sign';
      throw new PythonError('ValueError', `${what} not allowed in string format specifier`);
    }
    if (spec.noNegativeZero) {
      throw new PythonError(
        'ValueError',
        'Negative zero coercion (z) not allowed in string format specifier',
      );
    }
    if (spec.alternate) {
      throw new PythonError('ValueError', 'Alternate form (#) not allowed in string format specifier');
    }
    if (spec.align === '=')
      throw new PythonError('ValueError', "'=' alignment not allowed in string format specifier");
    const text = spec.precision === undefined ? value : [...value].slice(0, spec.precision).join('');
    return pad(spec, '', text);
  }
  if (typeof value === 'boolean' || typeof value === 'bigint') {
    const n = typeof value === 'boolean' ? (value ? 1n : 0n) : value;
    const spec = parseSpec(specText, typeName, '>', '');
    // float types convert; a precision without a type is taken as a float too (a whole-number
    // FLOAT reaches us as a JavaScript number that looks like an int)
    if (isOneOf('eEfFgG%', spec.type) || (spec.type === '' && spec.precision !== undefined)) {
      return formatFloat(Number(n), spec);
    }
    if (spec.type !== '' && !isOneOf('bcdoxXn', spec.type)) throw unknownCode(spec.type, typeName);
    return formatInt(n, spec);
  }
  if (value instanceof PyFloat) {
    const spec = parseSpec(specText, typeName, '>', '');
    if (spec.type !== '' && !isOneOf('eEfFgGn%', spec.type)) throw unknownCode(spec.type, typeName);
    return formatFloat(value.value, spec);
  }
  throw new PythonError('TypeError', `unsupported format string passed to ${typeName}.__format__`);
}

// ---------------------------------------------------------------------------------------------
// str.format(), as CPython's Objects/stringlib/unicode_format.h parses it

const STRING_INDICES = "string indices must be integers, not 'str'";

/** An attribute of a value (`{a.real}`); those we know are the numbers' real and imag parts. */
function attributeOf(value: PyValue, name: string): PyValue {
  if (typeof value === 'bigint' || typeof value === 'boolean') {
    const n = typeof value === 'boolean' ? (value ? 1n : 0n) : value;
    if (name === 'real' || name === 'numerator') return n;
    if (name === 'imag') return 0n;
    if (name === 'denominator') return 1n;
  }
  if (value instanceof PyFloat) {
    if (name === 'real') return value;
    if (name === 'imag') return new PyFloat(0);
  }
  throw new PythonError(
    'AttributeError',
    `'${pyTypeName(value)}' object has no attribute ${stringRepr(name)}`,
  );
}

/** `value[key]` in a field (`{a[0]}`, `{a[name]}`): digits index sequences, other keys are strings. */
function itemOf(value: PyValue, key: string): PyValue {
  const typeName = pyTypeName(value);
  const notSubscriptable = () => new PythonError('TypeError', `'${typeName}' object is not subscriptable`);
  if (/^\d+$/v.test(key)) {
    const index = Number(key);
    if (Array.isArray(value) || typeof value === 'string') {
      const items = typeof value === 'string' ? [...value] : value;
      if (index >= items.length) {
        throw new PythonError(
          'IndexError',
          `${typeof value === 'string' ? 'string' : 'list'} index out of range`,
        );
      }
      return items[index];
    }
    if (value instanceof Map) throw new PythonError('KeyError', String(index));
    throw notSubscriptable();
  }
  if (value instanceof Map) {
    if (!value.has(key)) throw new PythonError('KeyError', stringRepr(key));
    return value.get(key) as PyValue;
  }
  if (Array.isArray(value))
    throw new PythonError('TypeError', 'list indices must be integers or slices, not str');
  if (typeof value === 'string') throw new PythonError('TypeError', STRING_INDICES);
  throw notSubscriptable();
}

/** One replacement field's value: a keyword, then `.attribute` and `[key]` accessors. */
function fieldValue(field: string, kwargs: ReadonlyMap<string, PyValue>): PyValue {
  const chars = [...field];
  let i = 0;
  let first = '';
  while (i < chars.length && chars[i] !== '.' && chars[i] !== '[') first += chars[i++];
  // no positional arguments: an empty (automatically numbered) or numeric field has none
  if (first === '' || /^\d+$/v.test(first)) {
    const index = first === '' ? 0 : Number(first);
    throw new PythonError('IndexError', `Replacement index ${index} out of range for positional args tuple`);
  }
  if (!kwargs.has(first)) throw new PythonError('KeyError', stringRepr(first));
  let value = kwargs.get(first) as PyValue;
  while (i < chars.length) {
    const c = chars[i++];
    let name = '';
    if (c === '.') {
      while (i < chars.length && chars[i] !== '.' && chars[i] !== '[') name += chars[i++];
    } else if (c === '[') {
      let closed = false;
      while (i < chars.length) {
        const d = chars[i++];
        if (d === ']') {
          closed = true;
          break;
        }
        name += d;
      }
      if (!closed) throw new PythonError('ValueError', "Missing ']' in format string");
    } else {
      throw new PythonError('ValueError', "Only '.' or '[' may follow ']' in format field specifier");
    }
    if (name === '') throw new PythonError('ValueError', 'Empty attribute in format string');
    value = c === '.' ? attributeOf(value, name) : itemOf(value, name);
  }
  return value;
}

/** `!r`, `!s` and `!a`. */
function convert(value: PyValue, conversion: string): PyValue {
  if (conversion === 'r') return pyRepr(value);
  if (conversion === 's') return pyStr(value);
  if (conversion === 'a') return pyRepr(value, true);
  const cp = conversion.codePointAt(0) as number;
  const shown = cp > 32 && cp < 127 ? conversion : `\\x${cp.toString(16)}`;
  throw new PythonError('ValueError', `Unknown conversion specifier ${shown}`);
}

/** Python's `template.format(**kwargs)` (keyword fields only, as ComfyUI calls it). */
function pythonFormat(template: string, kwargs: ReadonlyMap<string, PyValue>, depth = 2): string {
  if (depth <= 0) throw new PythonError('ValueError', 'Max string recursion exceeded');
  const chars = [...template];
  let out = '';
  let i = 0;
  while (i < chars.length) {
    // literal text, up to a '{' or '}'
    let c = '';
    let markup = false;
    while (i < chars.length) {
      c = chars[i++];
      if (c === '{' || c === '}') {
        markup = true;
        break;
      }
      out += c;
    }
    if (!markup) break;
    const atEnd = i >= chars.length;
    if (c === '}' && (atEnd || chars[i] !== '}')) {
      throw new PythonError('ValueError', "Single '}' encountered in format string");
    }
    if (c === '{' && atEnd) throw new PythonError('ValueError', "Single '{' encountered in format string");
    if (chars[i] === c) {
      // '{{' or '}}'
      out += c;
      i++;
      continue;
    }
    // a replacement field: its name, up to '}', ':' or '!' ('[...]' may hold any of them)
    let name = '';
    let end = '';
    while (i < chars.length) {
      const d = chars[i++];
      if (d === '{') throw new PythonError('ValueError', "unexpected '{' in field name");
      if (d === '}' || d === ':' || d === '!') {
        end = d;
        break;
      }
      name += d;
      if (d === '[') while (i < chars.length && chars[i] !== ']') name += chars[i++];
    }
    let conversion = '';
    let spec = '';
    let nested = false;
    if (end === '!' || end === ':') {
      let specFollows = true;
      if (end === '!') {
        if (i >= chars.length) {
          throw new PythonError('ValueError', 'end of string while looking for conversion specifier');
        }
        conversion = chars[i++];
        if (i < chars.length) {
          const d = chars[i++];
          if (d === '}') specFollows = false;
          else if (d !== ':') throw new PythonError('ValueError', "expected ':' after conversion specifier");
        }
      }
      if (specFollows) {
        // the format spec, up to the matching '}': it may hold nested fields
        let level = 1;
        let closed = false;
        while (i < chars.length) {
          const d = chars[i++];
          if (d === '{') {
            nested = true;
            level++;
          } else if (d === '}' && --level === 0) {
            closed = true;
            break;
          }
          spec += d;
        }
        if (!closed) throw new PythonError('ValueError', "unmatched '{' in format spec");
      }
    } else if (end !== '}') {
      throw new PythonError('ValueError', "expected '}' before end of string");
    }
    let value = fieldValue(name, kwargs);
    if (conversion) value = convert(value, conversion);
    if (nested) spec = pythonFormat(spec, kwargs, depth - 1);
    out += pyFormat(value, spec);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// str methods

/** What Python's `str.isspace()` accepts: `strip()` removes these. */
const PY_WHITESPACE =
  '\t\n\u000b\u000c\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

function strip(s: string, left: boolean, right: boolean): string {
  let begin = 0;
  let end = s.length;
  if (left) while (begin < end && PY_WHITESPACE.includes(s[begin])) begin++;
  if (right) while (end > begin && PY_WHITESPACE.includes(s[end - 1])) end--;
  return s.slice(begin, end);
}

const CASED = /\p{Cased}/v;
const CASE_IGNORABLE = /\p{Case_Ignorable}/v;

/** Titlecase that differs from uppercase: digraphs, and Greek letters with a subscript iota. */
const TITLECASE: Record<number, string> = {
  0x01c4: '\u01c5',
  0x01c5: '\u01c5',
  0x01c6: '\u01c5',
  0x01c7: '\u01c8',
  0x01c8: '\u01c8',
  0x01c9: '\u01c8',
  0x01ca: '\u01cb',
  0x01cb: '\u01cb',
  0x01cc: '\u01cb',
  0x01f1: '\u01f2',
  0x01f2: '\u01f2',
  0x01f3: '\u01f2',
  0x0149: '\u02bcN',
  0x1fb3: '\u1fbc',
  0x1fbc: '\u1fbc',
  0x1fc3: '\u1fcc',
  0x1fcc: '\u1fcc',
  0x1ff3: '\u1ffc',
  0x1ffc: '\u1ffc',
  0x1fb2: '\u1fba\u0345',
  0x1fb4: '\u0386\u0345',
  0x1fb7: '\u0391\u0342\u0345',
  0x1fc2: '\u1fca\u0345',
  0x1fc4: '\u0389\u0345',
  0x1fc7: '\u0397\u0342\u0345',
  0x1ff2: '\u1ffa\u0345',
  0x1ff4: '\u038f\u0345',
  0x1ff7: '\u03a9\u0342\u0345',
};

/** Python's titlecase of one character. */
function titleChar(ch: string): string {
  const cp = ch.codePointAt(0) as number;
  if (TITLECASE[cp] !== undefined) return TITLECASE[cp];
  // Georgian Mkhedruli letters have uppercase (Mtavruli) forms but are their own titlecase
  if ((cp >= 0x10d0 && cp <= 0x10fa) || (cp >= 0x10fd && cp <= 0x10ff)) return ch;
  // Greek with a subscript iota: ᾀ..ᾇ -> ᾈ..ᾏ (and the same for the eta and omega rows)
  if (cp >= 0x1f80 && cp <= 0x1faf) return String.fromCodePoint(cp | 0x8);
  const upper = ch.toUpperCase();
  const parts = [...upper];
  // ß -> Ss, ﬁ -> Fi: the first letter upper, the rest lower
  return parts.length > 1 ? parts[0] + parts.slice(1).join('').toLowerCase() : upper;
}

/** Python's lowercase of the character at code point index `i` of `chars` (final sigma aware). */
function lowerAt(chars: readonly string[], i: number): string {
  if (chars[i] !== '\u03a3') return chars[i].toLowerCase();
  const cased = (from: number, step: number) => {
    for (let k = from; k >= 0 && k < chars.length; k += step) {
      if (CASED.test(chars[k]) && !CASE_IGNORABLE.test(chars[k])) return true;
      if (!CASE_IGNORABLE.test(chars[k])) return false;
    }
    return false;
  };
  return cased(i - 1, -1) && !cased(i + 1, 1) ? '\u03c2' : '\u03c3';
}

/** Python's `str.capitalize()`: the first character titlecased, the rest lowercased. */
function capitalize(s: string): string {
  const chars = [...s];
  return chars.map((ch, i) => (i === 0 ? titleChar(ch) : lowerAt(chars, i))).join('');
}

/** Python's `str.title()`: a character after a cased one is lowercased, others titlecased. */
function title(s: string): string {
  const chars = [...s];
  let previousCased = false;
  return chars
    .map((ch, i) => {
      const out = previousCased ? lowerAt(chars, i) : titleChar(ch);
      previousCased = CASED.test(ch);
      return out;
    })
    .join('');
}

/** Python's slice bounds on a sequence of `length`. */
function sliceBounds(length: number, start: number, stop: number): [number, number] {
  const bound = (v: number) => (v < 0 ? Math.max(0, v + length) : Math.min(v, length));
  const begin = bound(start);
  return [begin, Math.max(begin, bound(stop))];
}

/** Python's `str.replace(old, new)`, which puts `new` between all characters for an empty `old`. */
function replaceAll(s: string, find: string, replacement: string): string {
  if (find !== '') return s.split(find).join(replacement);
  return replacement + [...s].map((ch) => ch + replacement).join('');
}

// ---------------------------------------------------------------------------------------------
// Python's re, on JavaScript's RegExp (Unicode sets mode)

/** A pattern Python's `re` would refuse (`re.error`), or one this translation does not support. */
class PythonRegexError extends Error {
  override name = 're.error';
}

interface RegexFlags {
  ignoreCase: boolean;
  multiline: boolean;
  dotAll: boolean;
}

/** A Python pattern translated to an equivalent JavaScript one. */
interface PythonRegex {
  /** Source for the `v` flag (with `i` when `ignoreCase`). */
  readonly source: string;
  readonly ignoreCase: boolean;
  /** Capturing groups, and the number of each named one. */
  readonly groups: number;
  readonly names: ReadonlyMap<string, number>;
}

const WORD = '\\p{L}\\p{N}_';
const ASCII_WORD = 'a-zA-Z0-9_';
const SPACE_CLASS = [...PY_WHITESPACE]
  .map((c) => `\\u{${(c.codePointAt(0) as number).toString(16)}}`)
  .join('');
const ASCII_SPACE = ' \\t\\n\\r\\f\\v';
/** Characters that need a backslash to be literal in a v-mode pattern (outside or inside a class). */
const SYNTAX = new Set([...'^$\\.*+?()[]{}|/']);
const CLASS_SYNTAX = new Set([...'()[]{}/-\\|&!#%,:;<=>@`~^$.*+?']);
const ESCAPES: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
const HEX = /^[0-9a-fA-F]+$/v;

interface Scope {
  ignoreCase: boolean;
  multiline: boolean;
  dotAll: boolean;
  verbose: boolean;
  ascii: boolean;
}

/** What Python's `str.isidentifier()` accepts: group names. */
const IDENTIFIER = /^[\p{XID_Start}_][\p{XID_Continue}]*$/v;

/** The fewest and most characters a piece of pattern matches (Infinity: no limit). */
type Width = [number, number];
const ONE: Width = [1, 1];

interface WidthFrame {
  alternatives: Width[];
  current: Width;
  /** The last item's width, which a quantifier multiplies (null: none can be repeated). */
  last: Width | null;
  /** The current alternative's width before the last item. */
  before: Width;
  lookbehind: boolean;
  /** The enclosing look-behind's group count, restored when this group closes. */
  outer: number | null;
}

/** How many times a quantifier (`*`, `+`, `?`, `{m,n}`, lazy or not) repeats. */
function repeatWidth(quantifier: string): Width {
  const q = quantifier.replace(/\?$/v, '');
  if (q === '*') return [0, Infinity];
  if (q === '+') return [1, Infinity];
  if (q === '?') return [0, 1];
  const [low, high] = q.slice(1, -1).split(',');
  return [Number(low), high === undefined ? Number(low) : high === '' ? Infinity : Number(high)];
}

/** i, I, İ and ı, which Python's IGNORECASE takes as one letter. */
const TURKISH_I = [0x49, 0x69, 0x130, 0x131];
const TURKISH_I_CLASS = 'Ii\\u{130}\\u{131}';

/** Whether a class body (v-mode) matches one of them case-insensitively. */
function matchesTurkishI(body: string): boolean {
  try {
    const regex = new RegExp(`[${body}]`, 'iv');
    return TURKISH_I.some((cp) => regex.test(String.fromCodePoint(cp)));
  } catch {
    return false;
  }
}

/** Translates a Python `re` pattern to a v-mode RegExp source with Python's meaning. */
function translatePattern(pattern: string, flags: RegexFlags): PythonRegex {
  const chars = [...pattern];
  let i = 0;
  const fail = (message: string): never => {
    throw new PythonRegexError(`${message} at position ${i}`);
  };
  const scope: Scope = {
    ignoreCase: flags.ignoreCase,
    multiline: flags.multiline,
    dotAll: flags.dotAll,
    verbose: false,
    ascii: false,
  };
  const applyFlag = (target: Scope, letter: string, on: boolean) => {
    if (letter === 'i') target.ignoreCase = on;
    else if (letter === 'm') target.multiline = on;
    else if (letter === 's') target.dotAll = on;
    else if (letter === 'x') target.verbose = on;
    else if (letter === 'a') target.ascii = on;
    else if (letter === 'u') target.ascii = false;
    else if (letter === 'L') fail("bad inline flags: cannot use 'L' flag with a str pattern");
    else fail(`unknown flag ${letter}`);
  };
  // global inline flags, only at the start
  for (;;) {
    const m = /^\(\?([aiLmsux]+)\)/v.exec(chars.slice(i).join(''));
    if (!m) break;
    for (const letter of m[1]) applyFlag(scope, letter, true);
    i += [...m[0]].length;
  }
  const globalIgnoreCase = scope.ignoreCase;

  let groups = 0;
  const names = new Map<string, number>();
  const open: number[] = [];
  const scopes: Scope[] = [];
  let out = '';
  /** Whether the last thing written can take a quantifier. */
  let repeatable = false;

  // The widths of what is written (Python refuses look-behinds that are not fixed-width): per
  // open group, the widths of its finished alternatives, of the current one, and of its last item.
  const frames: WidthFrame[] = [
    { alternatives: [], current: [0, 0], before: [0, 0], last: null, lookbehind: false, outer: null },
  ];
  const groupWidths: Width[] = [[0, 0]];
  /** Groups defined before the outermost open look-behind (which may not refer to later ones). */
  let lookbehindGroups: number | null = null;
  const frame = () => frames[frames.length - 1];
  /** Notes an item of width `width` written (null: an assertion, which cannot be repeated). */
  const item = (width: Width | null) => {
    const f = frame();
    f.before = f.current;
    if (width) f.current = [f.current[0] + width[0], f.current[1] + width[1]];
    f.last = width;
    repeatable = width !== null;
  };
  const checkReference = (n: number) => {
    if (open.includes(n)) fail('cannot refer to an open group');
    if (lookbehindGroups !== null && n > lookbehindGroups) {
      fail('cannot refer to group defined in the same lookbehind subpattern');
    }
  };

  const peek = (k = 0) => chars[i + k];
  const literal = (cp: number) => {
    // Python's IGNORECASE also matches İ and ı with i and I (JavaScript's case folding does not)
    if (scope.ignoreCase && TURKISH_I.includes(cp)) return `[${TURKISH_I_CLASS}]`;
    const ch = String.fromCodePoint(cp);
    return SYNTAX.has(ch) ? `\\${ch}` : ch === '-' ? ch : `\\u{${cp.toString(16)}}`;
  };
  const classLiteral = (cp: number) => {
    const ch = String.fromCodePoint(cp);
    return CLASS_SYNTAX.has(ch) ? `\\${ch}` : `\\u{${cp.toString(16)}}`;
  };
  const hexEscape = (length: number, letter: string): number => {
    const digits = chars.slice(i, i + length).join('');
    if (digits.length !== length || !HEX.test(digits)) fail(`incomplete escape \\${letter}${digits}`);
    i += length;
    const cp = parseInt(digits, 16);
    if (cp > 0x10ffff) fail(`bad escape \\${letter}${digits}`);
    return cp;
  };
  const word = () => (scope.ascii ? ASCII_WORD : WORD);
  const space = () => (scope.ascii ? ASCII_SPACE : SPACE_CLASS);
  const digit = () => (scope.ascii ? '0-9' : '\\p{Nd}');

  /** An escape outside a class (after the backslash): its translation, and its width (null: an assertion). */
  const escape = (): [string, Width | null] => {
    const c = peek();
    if (c === undefined) fail('bad escape (end of pattern)');
    i++;
    switch (c) {
      case 'd':
        return [`[${digit()}]`, ONE];
      case 'D':
        return [`[^${digit()}]`, ONE];
      case 'w':
        return [`[${word()}]`, ONE];
      case 'W':
        return [`[^${word()}]`, ONE];
      case 's':
        return [`[${space()}]`, ONE];
      case 'S':
        return [`[^${space()}]`, ONE];
      case 'b':
      case 'B': {
        const w = `[${word()}]`;
        return [
          c === 'b' ? `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))` : `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w}))`,
          null,
        ];
      }
      case 'A':
        return ['(?<![\\s\\S])', null];
      case 'Z':
        return ['(?![\\s\\S])', null];
      case 'x':
        return [literal(hexEscape(2, 'x')), ONE];
      case 'u':
        return [literal(hexEscape(4, 'u')), ONE];
      case 'U':
        return [literal(hexEscape(8, 'U')), ONE];
      case 'N':
        return fail('named Unicode escapes (\\N{...}) are not supported');
      case '0': {
        let digits = '';
        while (digits.length < 2 && isOneOf(OCTAL, peek())) digits += chars[i++];
        return [literal(parseInt(digits || '0', 8)), ONE];
      }
    }
    if (isOneOf(DIGITS, c)) {
      let digits = c;
      if (isOneOf(DIGITS, peek())) {
        if (isOneOf(OCTAL, c) && isOneOf(OCTAL, peek()) && isOneOf(OCTAL, peek(1))) {
          digits += chars[i++] + chars[i++];
          const cp = parseInt(digits, 8);
          if (cp > 0o377) fail(`octal escape value \\${digits} outside of range 0-0o377`);
          return [literal(cp), ONE];
        }
        digits += chars[i++];
      }
      const n = Number(digits);
      if (n > groups) fail(`invalid group reference ${n}`);
      checkReference(n);
      return [`(?:\\${n})`, groupWidths[n]];
    }
    if (ESCAPES[c] !== undefined) return [literal(ESCAPES[c]), ONE];
    if (/^[a-zA-Z]$/v.test(c)) fail(`bad escape \\${c}`);
    return [literal(c.codePointAt(0) as number), ONE];
  };

  /** A character class, `[` already read. */
  const characterClass = (): string => {
    let body = '';
    let negated = false;
    if (peek() === '^') {
      negated = true;
      i++;
    }
    let first = true;
    /** One member: a code point, or a set (escapes like \w). */
    const member = (): { cp: number } | { set: string } => {
      const c = chars[i++];
      if (c !== '\\') return { cp: c.codePointAt(0) as number };
      const e = peek();
      if (e === undefined) return fail('unterminated character set');
      i++;
      switch (e) {
        case 'd':
          return { set: `[${digit()}]` };
        case 'D':
          return { set: `[^${digit()}]` };
        case 'w':
          return { set: `[${word()}]` };
        case 'W':
          return { set: `[^${word()}]` };
        case 's':
          return { set: `[${space()}]` };
        case 'S':
          return { set: `[^${space()}]` };
        case 'b':
          return { cp: 8 };
        case 'x':
          return { cp: hexEscape(2, 'x') };
        case 'u':
          return { cp: hexEscape(4, 'u') };
        case 'U':
          return { cp: hexEscape(8, 'U') };
        case 'N':
          return fail('named Unicode escapes (\\N{...}) are not supported');
      }
      if (isOneOf(OCTAL, e)) {
        let digits = e;
        while (digits.length < 3 && isOneOf(OCTAL, peek())) digits += chars[i++];
        const cp = parseInt(digits, 8);
        if (cp > 0o377) fail(`octal escape value \\${digits} outside of range 0-0o377`);
        return { cp };
      }
      if (isOneOf(DIGITS, e)) return fail(`bad escape \\${e}`);
      if (ESCAPES[e] !== undefined) return { cp: ESCAPES[e] };
      if (/^[a-zA-Z]$/v.test(e)) return fail(`bad escape \\${e}`);
      return { cp: e.codePointAt(0) as number };
    };
    for (;;) {
      if (i >= chars.length) fail('unterminated character set');
      if (peek() === ']' && !first) {
        i++;
        break;
      }
      first = false;
      const from = member();
      if (peek() === '-') {
        if (i + 1 >= chars.length) fail('unterminated character set');
        if (peek(1) === ']') {
          // a '-' before the closing bracket is literal
          body += 'cp' in from ? classLiteral(from.cp) : from.set;
          body += classLiteral(0x2d);
          i += 2;
          break;
        }
        i++;
        const to = member();
        if (!('cp' in from) || !('cp' in to) || to.cp < from.cp) fail('bad character range');
        body += `${classLiteral((from as { cp: number }).cp)}-${classLiteral((to as { cp: number }).cp)}`;
        continue;
      }
      body += 'cp' in from ? classLiteral(from.cp) : from.set;
    }
    if (scope.ignoreCase && matchesTurkishI(body)) body += TURKISH_I_CLASS;
    return `[${negated ? '^' : ''}${body}]`;
  };

  /** A quantifier at `{`, or null when the brace is a literal (Python's rule). */
  const braces = (): string | null => {
    const m = /^\{(\d*)(?:(,)(\d*))?\}/v.exec(chars.slice(i, i + 64).join(''));
    if (!m || (m[1] === '' && m[2] === undefined)) return null;
    i += m[0].length;
    const low = m[1] === '' ? '0' : m[1];
    if (m[2] === undefined) return `{${low}}`;
    if (m[3] !== '' && Number(m[3]) < Number(low)) fail('min repeat greater than max repeat');
    return `{${low},${m[3]}}`;
  };

  while (i < chars.length) {
    const c = chars[i];
    if (scope.verbose) {
      if (' \t\n\r\v\f'.includes(c)) {
        i++;
        continue;
      }
      if (c === '#') {
        while (i < chars.length && chars[i] !== '\n') i++;
        continue;
      }
    }
    let quantifier: string | null = null;
    if (c === '*' || c === '+' || c === '?') {
      i++;
      quantifier = c;
    } else if (c === '{') {
      quantifier = braces();
      if (quantifier === null) {
        i++;
        out += '\\{';
        item(ONE);
        continue;
      }
    }
    if (quantifier !== null) {
      if (!repeatable) fail('nothing to repeat');
      if (peek() === '?') {
        i++;
        quantifier += '?';
      } else if (peek() === '+') {
        fail('possessive quantifiers are not supported');
      }
      if (
        ['*', '+', '?', '{'].includes(peek() ?? '') &&
        (peek() !== '{' || /^\{\d*,?\d*\}/v.test(chars.slice(i).join('')))
      ) {
        fail('multiple repeat');
      }
      out += quantifier;
      const f = frame();
      const last = f.last as Width;
      const [low, high] = repeatWidth(quantifier);
      f.current = [f.before[0] + last[0] * low, f.before[1] + (last[1] === 0 ? 0 : last[1] * high)];
      f.last = null;
      repeatable = false;
      continue;
    }
    i++;
    switch (c) {
      case '\\': {
        const [text, width] = escape();
        out += text;
        item(width);
        break;
      }
      case '[':
        out += characterClass();
        item(ONE);
        break;
      case '.':
        out += scope.dotAll ? '[\\s\\S]' : '[^\\n]';
        item(ONE);
        break;
      case '^':
        out += scope.multiline ? '(?:(?<![\\s\\S])|(?<=\\n))' : '(?<![\\s\\S])';
        item(null);
        break;
      case '$':
        out += scope.multiline ? '(?=\\n|(?![\\s\\S]))' : '(?=\\n?(?![\\s\\S]))';
        item(null);
        break;
      case '|': {
        out += '|';
        const f = frame();
        f.alternatives.push(f.current);
        f.current = [0, 0];
        item(null);
        break;
      }
      case ')': {
        if (scopes.length === 0) fail('unbalanced parenthesis');
        Object.assign(scope, scopes.pop());
        const closing = open.pop() as number;
        out += ')';
        const f = frames.pop() as WidthFrame;
        const widths = [...f.alternatives, f.current];
        const width: Width = [Math.min(...widths.map((w) => w[0])), Math.max(...widths.map((w) => w[1]))];
        if (f.lookbehind) {
          if (width[0] !== width[1]) fail('look-behind requires fixed-width pattern');
          lookbehindGroups = f.outer;
        }
        if (closing > 0) groupWidths[closing] = width;
        // lookarounds cannot be repeated in Python either
        item(closing === -2 ? null : width);
        break;
      }
      case '(': {
        scopes.push({ ...scope });
        const opened = (lookbehind = false) => {
          frames.push({
            alternatives: [],
            current: [0, 0],
            before: [0, 0],
            last: null,
            lookbehind,
            outer: lookbehindGroups,
          });
          if (lookbehind) lookbehindGroups ??= groups;
        };
        if (peek() !== '?') {
          groups++;
          open.push(groups);
          opened();
          out += '(';
          repeatable = false;
          break;
        }
        i++;
        const rest = chars.slice(i, i + 200).join('');
        let m: RegExpExecArray | null;
        if ((m = /^P<([^>]*)>/v.exec(rest))) {
          const name = m[1];
          if (!IDENTIFIER.test(name)) fail(`bad character in group name ${stringRepr(name)}`);
          if (names.has(name)) fail(`redefinition of group name ${stringRepr(name)}`);
          groups++;
          names.set(name, groups);
          open.push(groups);
          opened();
          out += `(?<${name}>`;
          i += [...m[0]].length;
        } else if ((m = /^P=([^\)]*)\)/v.exec(rest))) {
          const n = names.get(m[1]);
          if (n === undefined) return fail(`unknown group name ${stringRepr(m[1])}`);
          checkReference(n);
          scopes.pop();
          out += `(?:\\k<${m[1]}>)`;
          i += [...m[0]].length;
          item(groupWidths[n]);
          break;
        } else if (rest.startsWith('#')) {
          scopes.pop();
          const end = chars.indexOf(')', i);
          if (end < 0) fail('missing ), unterminated comment');
          i = end + 1;
          break;
        } else if (rest.startsWith(':')) {
          open.push(-1);
          opened();
          out += '(?:';
          i++;
        } else if (rest.startsWith('=') || rest.startsWith('!')) {
          open.push(-2);
          opened();
          out += `(?${rest[0]}`;
          i++;
        } else if (rest.startsWith('<=') || rest.startsWith('<!')) {
          open.push(-2);
          opened(true);
          out += `(?${rest.slice(0, 2)}`;
          i += 2;
        } else if ((m = /^([aiLmsux]*)(?:-([imsx]*))?:/v.exec(rest))) {
          for (const letter of m[1]) applyFlag(scope, letter, true);
          for (const letter of m[2] ?? '') applyFlag(scope, letter, false);
          if (scope.ignoreCase !== globalIgnoreCase)
            fail('case-insensitive groups (?i:...) are not supported');
          open.push(-1);
          opened();
          out += '(?:';
          i += [...m[0]].length;
        } else if (/^[aiLmsux]+\)/v.test(rest)) {
          fail('global flags not at the start of the expression');
        } else {
          fail(`unknown extension ?${rest[0] ?? ''}`);
        }
        repeatable = false;
        break;
      }
      case ']':
        out += '\\]';
        item(ONE);
        break;
      case '}':
        out += '\\}';
        item(ONE);
        break;
      default:
        out += literal(c.codePointAt(0) as number);
        item(ONE);
    }
  }
  if (scopes.length > 0) fail('missing ), unterminated subpattern');
  return { source: out, ignoreCase: scope.ignoreCase || globalIgnoreCase, groups, names };
}

/** A compiled Python pattern: search, finditer and sub with Python's rules for empty matches. */
class PyPattern {
  private readonly regex: RegExp;
  readonly groups: number;
  readonly names: ReadonlyMap<string, number>;
  private readonly translated: PythonRegex;

  constructor(pattern: string, flags: RegexFlags) {
    this.translated = translatePattern(pattern, flags);
    this.groups = this.translated.groups;
    this.names = this.translated.names;
    this.regex = this.compile(this.translated.source);
  }

  private compile(source: string): RegExp {
    try {
      return new RegExp(source, this.translated.ignoreCase ? 'giv' : 'gv');
    } catch (caught) {
      throw new PythonRegexError(caught instanceof Error ? caught.message : String(caught));
    }
  }

  search(text: string): RegExpExecArray | null {
    this.regex.lastIndex = 0;
    return this.regex.exec(text);
  }

  /**
   * Python's `finditer`: after an empty match the next one may start at the same place only if
   * it is not empty (there, JavaScript would skip a character instead).
   */
  *finditer(text: string): Generator<RegExpExecArray> {
    let position = 0;
    let mustAdvance = false;
    while (position <= text.length) {
      let regex = this.regex;
      if (mustAdvance) {
        const before = [...text.slice(0, position)].length;
        regex = this.compile(`(?:${this.translated.source})(?<!^[\\s\\S]{${before}})`);
      }
      regex.lastIndex = position;
      const m = regex.exec(text);
      if (m === null) return;
      yield m;
      position = m.index + m[0].length;
      mustAdvance = m[0].length === 0;
    }
  }
}

/** Python's `re.sub` replacement template: literal text and group references. */
function parseTemplate(template: string, pattern: PyPattern): (m: RegExpExecArray) => string {
  const parts: (string | number)[] = [];
  const chars = [...template];
  let text = '';
  const fail = (message: string): never => {
    throw new PythonRegexError(message);
  };
  const addGroup = (n: number) => {
    if (n > pattern.groups) fail(`invalid group reference ${n}`);
    parts.push(text, n);
    text = '';
  };
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c !== '\\') {
      text += c;
      continue;
    }
    const e = chars[++i];
    if (e === undefined) fail('bad escape (end of pattern)');
    if (e === 'g') {
      const m = /^<([^>]*)>/v.exec(chars.slice(i + 1).join(''));
      if (!m) fail('missing group name');
      const name = (m as RegExpExecArray)[1];
      i += [...(m as RegExpExecArray)[0]].length;
      if (name === '') fail('missing group name');
      if (/^\d+$/v.test(name)) addGroup(Number(name));
      else if (pattern.names.has(name)) addGroup(pattern.names.get(name) as number);
      // Python raises IndexError for a well-formed name that is not a group's
      else if (IDENTIFIER.test(name))
        throw new PythonError('IndexError', `unknown group name ${stringRepr(name)}`);
      else fail(`bad character in group name ${stringRepr(name)}`);
    } else if (e === '0') {
      let digits = '';
      while (digits.length < 2 && isOneOf(OCTAL, chars[i + 1])) digits += chars[++i];
      text += String.fromCodePoint(parseInt(digits || '0', 8) & 0xff);
    } else if (isOneOf(DIGITS, e)) {
      let digits = e;
      if (isOneOf(DIGITS, chars[i + 1])) {
        digits += chars[++i];
        if (isOneOf(OCTAL, e) && isOneOf(OCTAL, digits[1]) && isOneOf(OCTAL, chars[i + 1])) {
          digits += chars[++i];
          const cp = parseInt(digits, 8);
          if (cp > 0o377) fail(`octal escape value \\${digits} outside of range 0-0o377`);
          text += String.fromCodePoint(cp);
          continue;
        }
      }
      addGroup(Number(digits));
    } else if (e === '\\') {
      text += '\\';
    } else if (ESCAPES[e] !== undefined || e === 'b') {
      text += String.fromCharCode(e === 'b' ? 8 : ESCAPES[e]);
    } else if (/^[a-zA-Z]$/v.test(e)) {
      fail(`bad escape \\${e}`);
    } else {
      text += `\\${e}`;
    }
  }
  parts.push(text);
  return (m) => parts.map((p) => (typeof p === 'string' ? p : (m[p] ?? ''))).join('');
}

function regexFlags(case_insensitive: boolean, multiline: boolean, dotall: boolean): RegexFlags {
  return { ignoreCase: case_insensitive, multiline, dotAll: dotall };
}

// ---------------------------------------------------------------------------------------------
// JSON as Python's json.loads reads it (ints and floats apart, NaN and Infinity allowed)

function parsePythonJson(text: string): PyValue {
  let i = 0;
  const fail = (): never => {
    throw new SyntaxError(`invalid JSON at ${i}`);
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const value = (depth: number): PyValue => {
    if (depth > 1000) fail();
    space();
    const c = text[i];
    if (c === '"') return string();
    if (c === '{') {
      i++;
      const dict = new Map<string, PyValue>();
      space();
      if (text[i] === '}') {
        i++;
        return dict;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail();
        const key = string();
        space();
        if (text[i++] !== ':') fail();
        dict.set(key, value(depth + 1));
        space();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return dict;
        } else fail();
      }
    }
    if (c === '[') {
      i++;
      const list: PyValue[] = [];
      space();
      if (text[i] === ']') {
        i++;
        return list;
      }
      for (;;) {
        list.push(value(depth + 1));
        space();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return list;
        } else fail();
      }
    }
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
      ['NaN', new PyFloat(NaN)],
      ['Infinity', new PyFloat(Infinity)],
      ['-Infinity', new PyFloat(-Infinity)],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    const number = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
    number.lastIndex = i;
    const m = number.exec(text);
    if (!m) return fail();
    i += m[0].length;
    return m[1] === undefined && m[2] === undefined ? BigInt(m[0]) : new PyFloat(Number(m[0]));
  };
  const string = (): string => {
    i++;
    let out = '';
    for (;;) {
      const c = text[i++];
      if (c === undefined || c < ' ') return fail();
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[i++];
      const simple: Record<string, string> = {
        '"': '"',
        '\\': '\\',
        '/': '/',
        b: '\b',
        f: '\f',
        n: '\n',
        r: '\r',
        t: '\t',
      };
      if (simple[e] !== undefined) out += simple[e];
      else if (e === 'u') {
        const hex = text.slice(i, i + 4);
        if (!/^[0-9a-fA-F]{4}$/v.test(hex)) fail();
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
      } else fail();
    }
  };
  const result = value(0);
  space();
  if (i !== text.length) fail();
  return result;
}

// ---------------------------------------------------------------------------------------------
// the nodes

/** Keyword arguments of StringFormat: the `values.<name>` inputs of its autogrow socket. */
function formatArguments(inputs: Record<string, unknown>): Map<string, PyValue> {
  const kwargs = new Map<string, PyValue>();
  const values = inputs.values;
  if (values !== null && typeof values === 'object' && !Array.isArray(values)) {
    for (const [name, value] of Object.entries(values)) kwargs.set(name, toPy(value));
  }
  for (const [key, value] of Object.entries(inputs)) {
    if (key.startsWith('values.')) kwargs.set(key.slice('values.'.length), toPy(value));
  }
  return kwargs;
}

const LETTERS = [...'abcdefghijklmnopqrstuvwxyz'];

@Node({
  ...STRING_NODE,
  classType: 'StringFormat',
  displayName: 'Format Text',
  description:
    "Fills the {name} fields of a template with the connected values, with Python's str.format rules.",
  outputs: ['STRING'],
  searchAliases: ['string', 'format'],
})
export class StringFormat {
  @Input('COMFY_AUTOGROW_V3', {
    extra: { template: { input: { required: { value: ['*', {}] } }, names: LETTERS, min: 0 } },
  })
  values!: unknown;
  @Input.string({ default: '{a}', multiline: true }) f_string!: string;

  execute(inputs: NodeInputs<StringFormat> & Record<string, unknown>): NodeReturn {
    return [pythonFormat(inputs.f_string, formatArguments(inputs))];
  }
}

@Node({
  ...STRING_NODE,
  classType: 'StringConcatenate',
  displayName: 'Concatenate Text',
  outputs: ['STRING'],
  searchAliases: [
    'concatenate',
    'text concat',
    'join text',
    'merge text',
    'combine strings',
    'string concat',
    'append text',
    'combine text',
  ],
})
export class StringConcatenate {
  @Input.string({ multiline: true }) string_a!: string;
  @Input.string({ multiline: true }) string_b!: string;
  @Input.string({ default: '', multiline: false }) delimiter!: string;

  execute({ string_a, string_b, delimiter }: NodeInputs<StringConcatenate>): NodeReturn {
    return [string_a + delimiter + string_b];
  }
}

@Node({
  ...STRING_NODE,
  classType: 'StringSubstring',
  displayName: 'Substring',
  outputs: ['STRING'],
  searchAliases: ['substring', 'extract text', 'text portion'],
})
export class StringSubstring {
  @Input.string({ multiline: true }) string!: string;
  @Input.int() start!: number;
  @Input.int() end!: number;

  execute({ string, start, end }: NodeInputs<StringSubstring>): NodeReturn {
    const chars = [...string];
    const [begin, stop] = sliceBounds(chars.length, start, end);
    return [chars.slice(begin, stop).join('')];
  }
}

@Node({
  ...STRING_NODE,
  classType: 'StringLength',
  displayName: 'Text Length',
  outputs: [{ type: 'INT', name: 'length' }],
  searchAliases: ['character count', 'text size', 'string length'],
})
export class StringLength {
  @Input.string({ multiline: true }) string!: string;

  execute({ string }: NodeInputs<StringLength>): NodeReturn {
    // Python counts code points
    return [[...string].length];
  }
}

const CASE_MODES = ['UPPERCASE', 'lowercase', 'Capitalize', 'Title Case'] as const;

@Node({
  ...STRING_NODE,
  classType: 'CaseConverter',
  displayName: 'Convert Text Case',
  outputs: ['STRING'],
  searchAliases: ['case converter', 'text case', 'uppercase', 'lowercase', 'capitalize'],
})
export class CaseConverter {
  @Input.string({ multiline: true }) string!: string;
  @Input.combo(CASE_MODES) mode!: (typeof CASE_MODES)[number];

  execute({ string, mode }: NodeInputs<CaseConverter>): NodeReturn {
    switch (mode) {
      case 'UPPERCASE':
        return [string.toUpperCase()];
      case 'lowercase':
        return [[...string].map((_, i, chars) => lowerAt(chars, i)).join('')];
      case 'Capitalize':
        return [capitalize(string)];
      case 'Title Case':
        return [title(string)];
      default:
        return [string];
    }
  }
}

const TRIM_MODES = ['Both', 'Left', 'Right'] as const;

@Node({
  ...STRING_NODE,
  classType: 'StringTrim',
  displayName: 'Trim Text',
  outputs: ['STRING'],
  searchAliases: ['trim', 'clean whitespace', 'remove whitespace', 'remove spaces', 'strip'],
})
export class StringTrim {
  @Input.string({ multiline: true }) string!: string;
  @Input.combo(TRIM_MODES) mode!: (typeof TRIM_MODES)[number];

  execute({ string, mode }: NodeInputs<StringTrim>): NodeReturn {
    if (mode === 'Both') return [strip(string, true, true)];
    if (mode === 'Left') return [strip(string, true, false)];
    if (mode === 'Right') return [strip(string, false, true)];
    return [string];
  }
}

@Node({
  ...STRING_NODE,
  classType: 'StringReplace',
  displayName: 'Replace Text',
  outputs: ['STRING'],
  searchAliases: ['replace', 'find and replace', 'substitute', 'swap text'],
})
export class StringReplace {
  @Input.string({ multiline: true }) string!: string;
  @Input.string({ multiline: true }) find!: string;
  @Input.string({ multiline: true }) replace!: string;

  execute({ string, find, replace }: NodeInputs<StringReplace>): NodeReturn {
    return [replaceAll(string, find, replace)];
  }
}

const lowerCase = (s: string) => [...s].map((_, i, chars) => lowerAt(chars, i)).join('');

@Node({
  ...STRING_NODE,
  classType: 'StringContains',
  displayName: 'Contains Text',
  outputs: [{ type: 'BOOLEAN', name: 'contains' }],
  searchAliases: ['contains', 'text includes', 'string includes'],
})
export class StringContains {
  @Input.string({ multiline: true }) string!: string;
  @Input.string({ multiline: true }) substring!: string;
  @Input.boolean({ advanced: true, default: true }) case_sensitive!: boolean;

  execute({ string, substring, case_sensitive }: NodeInputs<StringContains>): NodeReturn {
    if (case_sensitive) return [string.includes(substring)];
    return [lowerCase(string).includes(lowerCase(substring))];
  }
}

const COMPARE_MODES = ['Starts With', 'Ends With', 'Equal'] as const;

@Node({
  ...STRING_NODE,
  classType: 'StringCompare',
  displayName: 'Compare Text',
  outputs: ['BOOLEAN'],
  searchAliases: ['compare', 'text match', 'string equals', 'starts with', 'ends with'],
})
export class StringCompare {
  @Input.string({ multiline: true }) string_a!: string;
  @Input.string({ multiline: true }) string_b!: string;
  @Input.combo(COMPARE_MODES) mode!: (typeof COMPARE_MODES)[number];
  @Input.boolean({ advanced: true, default: true }) case_sensitive!: boolean;

  execute({ string_a, string_b, mode, case_sensitive }: NodeInputs<StringCompare>): NodeReturn {
    const a = case_sensitive ? string_a : lowerCase(string_a);
    const b = case_sensitive ? string_b : lowerCase(string_b);
    if (mode === 'Equal') return [a === b];
    if (mode === 'Starts With') return [a.startsWith(b)];
    if (mode === 'Ends With') return [a.endsWith(b)];
    // ComfyUI returns nothing for an unknown mode
    return [null];
  }
}

@Node({
  ...STRING_NODE,
  classType: 'RegexMatch',
  displayName: 'Match Text',
  outputs: [{ type: 'BOOLEAN', name: 'matches' }],
  searchAliases: ['regex match', 'regex', 'pattern match', 'text contains', 'string match'],
})
export class RegexMatch {
  @Input.string({ multiline: true }) string!: string;
  @Input.string({ multiline: true }) regex_pattern!: string;
  @Input.boolean({ advanced: true, default: true }) case_insensitive!: boolean;
  @Input.boolean({ advanced: true, default: false }) multiline!: boolean;
  @Input.boolean({ advanced: true, default: false }) dotall!: boolean;

  execute({
    string,
    regex_pattern,
    case_insensitive,
    multiline,
    dotall,
  }: NodeInputs<RegexMatch>): NodeReturn {
    try {
      const pattern = new PyPattern(regex_pattern, regexFlags(case_insensitive, multiline, dotall));
      return [pattern.search(string) !== null];
    } catch (caught) {
      // an invalid pattern does not match
      if (caught instanceof PythonRegexError) return [false];
      throw caught;
    }
  }
}

const EXTRACT_MODES = ['First Match', 'All Matches', 'First Group', 'All Groups'] as const;

@Node({
  ...STRING_NODE,
  classType: 'RegexExtract',
  displayName: 'Extract Text',
  outputs: ['STRING'],
  searchAliases: ['regex extract', 'regex', 'pattern extract', 'text parser', 'parse text'],
})
export class RegexExtract {
  @Input.string({ multiline: true }) string!: string;
  @Input.string({ multiline: true }) regex_pattern!: string;
  @Input.combo(EXTRACT_MODES) mode!: (typeof EXTRACT_MODES)[number];
  @Input.boolean({ advanced: true, default: true }) case_insensitive!: boolean;
  @Input.boolean({ advanced: true, default: false }) multiline!: boolean;
  @Input.boolean({ advanced: true, default: false }) dotall!: boolean;
  @Input.int({ advanced: true, default: 1, min: 0, max: 100 }) group_index!: number;

  execute(inputs: NodeInputs<RegexExtract>): NodeReturn {
    const { string, regex_pattern, mode, case_insensitive, multiline, dotall, group_index } = inputs;
    let pattern: PyPattern;
    try {
      pattern = new PyPattern(regex_pattern, regexFlags(case_insensitive, multiline, dotall));
    } catch (caught) {
      if (caught instanceof PythonRegexError) return [''];
      throw caught;
    }
    switch (mode) {
      case 'First Match':
        return [pattern.search(string)?.[0] ?? ''];
      case 'All Matches': {
        // re.findall: the whole matches, or the first group's text when the pattern has groups
        const found = [...pattern.finditer(string)].map((m) => (pattern.groups === 0 ? m[0] : (m[1] ?? '')));
        return [found.join('\n')];
      }
      case 'First Group': {
        const m = pattern.search(string);
        if (m === null || pattern.groups < group_index) return [''];
        // a group that took no part in the match is None in ComfyUI
        return [m[group_index] ?? null];
      }
      case 'All Groups': {
        const results: string[] = [];
        for (const m of pattern.finditer(string)) {
          if (pattern.groups === 0 || pattern.groups < group_index) continue;
          const text = m[group_index];
          if (text === undefined) {
            throw new TypeError(`sequence item ${results.length}: expected str instance, NoneType found`);
          }
          results.push(text);
        }
        return [results.join('\n')];
      }
      default:
        return [''];
    }
  }
}

@Node({
  ...STRING_NODE,
  classType: 'RegexReplace',
  displayName: 'Replace Text (Regex)',
  description: "Finds and replaces text with a regular expression (Python's re.sub).",
  outputs: ['STRING'],
  searchAliases: ['regex replace', 'regex', 'pattern replace', 'substitution'],
})
export class RegexReplace {
  @Input.string({ multiline: true }) string!: string;
  @Input.string({ multiline: true }) regex_pattern!: string;
  @Input.string({ multiline: true }) replace!: string;
  @Input.boolean({ optional: true, advanced: true, default: true }) case_insensitive?: boolean;
  @Input.boolean({ optional: true, advanced: true, default: false }) multiline?: boolean;
  @Input.boolean({
    optional: true,
    tooltip: 'Lets the dot (.) match newlines too.',
    advanced: true,
    default: false,
  })
  dotall?: boolean;
  @Input.int({
    optional: true,
    tooltip: 'The most replacements to make; 0 replaces every match.',
    advanced: true,
    default: 0,
    min: 0,
    max: 100,
  })
  count?: number;

  execute({
    string,
    regex_pattern,
    replace,
    case_insensitive = true,
    multiline = false,
    dotall = false,
    count = 0,
  }: NodeInputs<RegexReplace>): NodeReturn {
    const pattern = new PyPattern(regex_pattern, regexFlags(case_insensitive, multiline, dotall));
    const expand = parseTemplate(replace, pattern);
    let out = '';
    let last = 0;
    let done = 0;
    for (const m of pattern.finditer(string)) {
      if (count > 0 && done >= count) break;
      out += string.slice(last, m.index) + expand(m);
      last = m.index + m[0].length;
      done++;
    }
    return [out + string.slice(last)];
  }
}

@Node({
  ...STRING_NODE,
  classType: 'JsonExtractString',
  displayName: 'Extract Text from JSON',
  outputs: ['STRING'],
  searchAliases: ['json', 'extract json', 'parse json', 'json value', 'read json'],
})
export class JsonExtractString {
  @Input.string({ multiline: true }) json_string!: string;
  @Input.string({ multiline: false }) key!: string;

  execute({ json_string, key }: NodeInputs<JsonExtractString>): NodeReturn {
    let data: PyValue;
    try {
      data = parsePythonJson(json_string);
    } catch {
      return [''];
    }
    if (!(data instanceof Map) || !data.has(key)) return [''];
    const value = data.get(key) as PyValue;
    // Python's str() of the value: strings as they are, True, 1.0, {'a': 1}, ...
    return [value === null ? '' : pyStr(value)];
  }
}
