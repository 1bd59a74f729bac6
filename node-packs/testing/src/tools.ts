import {
  JsonFloat,
  readInputRecords,
  readNodeOptions,
  recordNodeOptions,
  type ComboContext,
  type Tensor,
  type TensorBackend,
} from '@easel/core';

// Shared helpers of the testing pack: ComfyUI's VariantSupport decorator (tools.py), Python's
// exception names and value rules the nodes' messages depend on, and small tensor utilities.

/** The `python_module` ComfyUI reports for this pack (it is loaded as a custom node folder). */
export const PYTHON_MODULE = 'custom_nodes.testing-pack';

// ---- Python exceptions: the executor reports `error.name` as `exception_type`

export class RuntimeError extends Error {
  override name = 'RuntimeError';
}

export class IndexError extends Error {
  override name = 'IndexError';
}

export class ZeroDivisionError extends Error {
  override name = 'ZeroDivisionError';
}

export class AssertionError extends Error {
  override name = 'AssertionError';
}

// ---- Python values

/** Python's `repr()` of a float: `5.0`, `0.1`, `1e+38`. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const exponent = Math.floor(Math.log10(Math.abs(x)));
  if (exponent < -4 || exponent >= 16) {
    const [mantissa, power] = x.toExponential().split('e');
    const value = Number(power);
    return `${mantissa}e${value < 0 ? '-' : '+'}${String(Math.abs(value)).padStart(2, '0')}`;
  }
  const text = String(x);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** Python's `str(type(value))` for the values a node can receive. */
export function pyType(value: unknown): string {
  const name =
    value === null || value === undefined
      ? 'NoneType'
      : value instanceof JsonFloat
        ? 'float'
        : typeof value === 'boolean'
          ? 'bool'
          : typeof value === 'number'
            ? Number.isInteger(value)
              ? 'int'
              : 'float'
            : typeof value === 'string'
              ? 'str'
              : Array.isArray(value)
                ? 'list'
                : isTensor(value)
                  ? 'torch.Tensor'
                  : 'dict';
  return `<class '${name}'>`;
}

/** Python's truthiness (`bool(value)`) for plain data; other objects are true. */
export function pyTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === '') return false;
  if (value instanceof JsonFloat) return value.value !== 0;
  if (typeof value === 'number') return value !== 0; // NaN is true, as in Python
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map || value instanceof Set) return value.size > 0;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.keys(value).length > 0;
  }
  return true;
}

/** Python's list indexing: negative indices count from the end; `null` when out of range. */
export function pyIndex(length: number, index: number): number | null {
  const at = index < 0 ? index + length : index;
  return Number.isInteger(at) && at >= 0 && at < length ? at : null;
}

// ---- tensors

/** True for a backend tensor (structural: packs may see tensors of another copy of @easel/core). */
export function isTensor(value: unknown): value is Tensor {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Partial<Tensor>;
  return Array.isArray(t.shape) && typeof t.dtype === 'string' && typeof t.dispose === 'function';
}

/** The smallest and largest element of a tensor. */
export async function minMax(backend: TensorBackend, x: Tensor): Promise<[number, number]> {
  const axes = x.shape.map((_, i) => i);
  const [low, high] = await Promise.all([
    backend.reduce('min', x, axes, true),
    backend.reduce('max', x, axes, true),
  ]);
  const [lowData, highData] = await Promise.all([backend.read(low), backend.read(high)]);
  return [lowData[0], highData[0]];
}

/** `torch.ones(shape) * value`. */
export function filled(backend: TensorBackend, shape: readonly number[], value: number): Tensor {
  return backend.full(shape, Math.fround(value), 'float32');
}

/**
 * Uniform noise in [0, 1) from a seeded generator (xoshiro128**, seeded by splitmix32): the same
 * seed always gives the same values.
 */
export function uniformNoise(count: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c = (c ^ a) >>> 0;
    d = (d ^ b) >>> 0;
    b = (b ^ c) >>> 0;
    a = (a ^ d) >>> 0;
    c = (c ^ t) >>> 0;
    d = rotl(d, 11);
    // 24 random bits: exactly representable in float32, always below 1
    out[i] = (result >>> 8) / 16777216;
  }
  return out;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

// ---- time

/** Resolves after `ms`; rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('Interrupted');
}

/** Seconds since an arbitrary origin, like Python's `time.time()` differences. */
export function seconds(): number {
  return performance.now() / 1000;
}

// ---- VariantSupport (tools.py)

/**
 * Whether ComfyUI's `SmartType(received) != expected` is false, i.e. the link is accepted: either
 * side is `*`, or every comma-separated member of `received` is one of `expected`'s.
 */
export function smartTypeAccepts(received: string, expected: string): boolean {
  if (received === '*' || expected === '*') return true;
  const allowed = new Set(expected.split(','));
  return received.split(',').every((t) => allowed.has(t));
}

type ValidateInputs = (
  inputs: Record<string, unknown>,
  services: ComboContext,
  inputTypes?: Record<string, string>,
) => unknown;

/**
 * ComfyUI's `@VariantSupport()` class decorator; write it above `@Node`. The node's declared types
 * stay as written (they are what `/object_info` shows) and the class gets a validator that takes
 * only the linked inputs' types (`VALIDATE_INPUTS(input_types)`): the engine's own link type check
 * is skipped, and a received type is accepted when it is `*`, the expected type is `*`, or its
 * comma-separated members are all among the expected type's.
 */
export function VariantSupport(): ClassDecorator {
  return (target) => {
    const options = readNodeOptions(target);
    if (!options) throw new Error('VariantSupport must be written above @Node');
    if (Object.prototype.hasOwnProperty.call(target, 'validateInputs')) {
      throw new Error('VariantSupport does not support VALIDATE_INPUTS yet');
    }
    recordNodeOptions(target, { ...options, validatedInputs: [], validateInputTypes: true });
    const validateInputs: ValidateInputs = (_inputs, _services, inputTypes) =>
      checkVariantTypes(target, inputTypes ?? {});
    Object.defineProperty(target, 'validateInputs', {
      value: validateInputs,
      configurable: true,
      writable: true,
    });
  };
}

/** The VariantSupport validator's answer for a class and the received types of its linked inputs. */
export function checkVariantTypes(target: object, inputTypes: Record<string, string>): true | string {
  const declared = new Map<string, string>();
  for (const record of readInputRecords(target)) {
    if (record.kind === 'value') declared.set(record.property, record.type);
  }
  for (const [name, received] of Object.entries(inputTypes)) {
    const expected = declared.get(name);
    if (expected === undefined) continue;
    if (!smartTypeAccepts(received, expected)) {
      return `Invalid type of ${name}: ${received} (expected ${expected})`;
    }
  }
  return true;
}
