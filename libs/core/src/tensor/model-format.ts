import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ModelFormat } from './tensor-backend.js';

/** Where a model's files are, once its format is known. */
export interface ModelLocation {
  readonly format: ModelFormat;
  /** The `.onnx` file, or the TensorFlow.js `model.json`. */
  readonly file: string;
}

/**
 * Tells an `.onnx` file from a TensorFlow.js model (a folder holding `model.json`, or that file)
 * and a layers model from a graph model. Anything else (`.pth`, `.safetensors`, ...) is null.
 */
export async function detectModelFormat(path: string): Promise<ModelLocation | null> {
  let info;
  try {
    info = await stat(path);
  } catch {
    return null;
  }
  if (info.isFile() && path.toLowerCase().endsWith('.onnx')) return { format: 'onnx', file: path };
  const modelJson = info.isDirectory()
    ? join(path, 'model.json')
    : basename(path) === 'model.json'
      ? path
      : null;
  if (modelJson === null) return null;
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(modelJson, 'utf8'));
  } catch {
    return null;
  }
  const format = (manifest as { format?: unknown }).format;
  const topology = (manifest as { modelTopology?: { model_config?: unknown; node?: unknown } }).modelTopology;
  if (format === 'layers-model' || (format === undefined && topology?.model_config !== undefined)) {
    return { format: 'tfjs-layers', file: modelJson };
  }
  if (format === 'graph-model' || (format === undefined && topology?.node !== undefined)) {
    return { format: 'tfjs-graph', file: modelJson };
  }
  return null;
}
