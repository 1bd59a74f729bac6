import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Expansion } from '@easel/core';
import { parseJsonKeepingFloats } from '@easel/executor';

// The recorded outputs of ComfyUI 0.24's weight-free core nodes (tools/fixtures/comfyui-0.24-goldens,
// see its README): each case is one node run on recorded inputs.

export const GOLDENS_DIR = fileURLToPath(
  new URL('../../../../tools/fixtures/comfyui-0.24-goldens/', import.meta.url),
);

/** The test-only pack that feeds recorded tensors in and dumps results (link it into custom_nodes). */
export const GOLDEN_IO_PACK = fileURLToPath(new URL('../../test/fixtures/golden-io', import.meta.url));

export interface TensorRecord {
  type: string;
  shape: number[];
  dtype: string;
  data_b64: string;
  keys?: string[];
  extra?: Record<string, unknown>;
}

export interface GoldenCase {
  case: string;
  node: string;
  inputs: Record<string, unknown>;
  input_tensors: Record<string, TensorRecord>;
  /** One entry per output; an array of records for list outputs. */
  outputs: (TensorRecord | TensorRecord[])[];
  output_is_list?: boolean[];
  input_files?: Record<string, { filename: string; png_mode: string; png_b64: string }>;
  files?: {
    filename: string;
    subfolder: string;
    type: string;
    png_mode: string;
    pixels: unknown;
    png_b64: string;
  }[];
  ui?: Record<string, unknown>;
}

/** Every recorded case, read so that float literals (`1.0`) stay floats when sent on. */
export function readGoldenCases(filter: (name: string) => boolean = () => true): GoldenCase[] {
  return readdirSync(GOLDENS_DIR)
    .filter((name) => name.endsWith('.json') && filter(name))
    .sort()
    .map((name) => parseJsonKeepingFloats(readFileSync(GOLDENS_DIR + name, 'utf8')) as GoldenCase);
}

export function decodeFloats(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

const isLinkValue = (value: unknown): value is [string, number] =>
  Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'number';

/**
 * The case as a prompt: a loader per recorded input tensor, the node under test (`node`), and a
 * dump node per output (`out0`, `out1`, ...).
 */
export function goldenPrompt(golden: GoldenCase): Expansion {
  const prompt: Expansion = {};
  const inputs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(golden.inputs)) {
    if (isLinkValue(value)) {
      const record = golden.input_tensors[name];
      if (!record) throw new Error(`${golden.case}: input ${name} is a link without a recorded tensor`);
      const { type, shape, dtype, data_b64, keys, extra } = record;
      prompt[`in_${name}`] = {
        class_type: 'EaselGoldenInput',
        inputs: { tensor: JSON.stringify({ type, shape, dtype, data_b64, keys, extra }) },
      };
      inputs[name] = [`in_${name}`, 0];
    } else {
      inputs[name] = value;
    }
  }
  prompt.node = { class_type: golden.node, inputs };
  golden.outputs.forEach((_, i) => {
    prompt[`out${i}`] = { class_type: 'EaselGoldenOutput', inputs: { value: ['node', i] } };
  });
  return prompt;
}

export interface Comparison {
  ok: boolean;
  maxDifference: number;
  problem?: string;
}

/** Compares what a dump node received with the recorded output, within `tolerance` per value. */
export function compareRecords(
  expected: TensorRecord,
  actual:
    { shape?: number[]; data_b64?: string; keys?: string[]; extra?: Record<string, unknown> } | undefined,
  tolerance: number,
): Comparison {
  if (!actual?.data_b64 || !actual.shape)
    return { ok: false, maxDifference: Infinity, problem: 'no tensor came back' };
  if (JSON.stringify(actual.shape) !== JSON.stringify(expected.shape))
    return {
      ok: false,
      maxDifference: Infinity,
      problem: `shape ${JSON.stringify(actual.shape)}, expected ${JSON.stringify(expected.shape)}`,
    };
  if (expected.keys && JSON.stringify(actual.keys) !== JSON.stringify(expected.keys))
    return {
      ok: false,
      maxDifference: Infinity,
      problem: `keys ${JSON.stringify(actual.keys)}, expected ${JSON.stringify(expected.keys)}`,
    };
  if (expected.extra && JSON.stringify(actual.extra) !== JSON.stringify(expected.extra))
    return {
      ok: false,
      maxDifference: Infinity,
      problem: `extra ${JSON.stringify(actual.extra)}, expected ${JSON.stringify(expected.extra)}`,
    };
  const want = decodeFloats(expected.data_b64);
  const got = decodeFloats(actual.data_b64);
  let maxDifference = 0;
  for (let i = 0; i < want.length; i++) {
    const difference = Number.isNaN(want[i]) && Number.isNaN(got[i]) ? 0 : Math.abs(want[i] - got[i]);
    if (!(difference <= maxDifference)) maxDifference = Number.isNaN(difference) ? Infinity : difference;
  }
  return { ok: maxDifference <= tolerance, maxDifference };
}
