import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { TensorError, type ModelFormat, type ModelIO, type ModelSession, type Tensor } from '@easel/core';

interface ModelJson {
  modelTopology: object;
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  weightsManifest: { paths: string[]; weights: TF.io.WeightsManifestEntry[] }[];
  signature?: object;
  userDefinedMetadata?: TF.io.ModelArtifacts['userDefinedMetadata'];
}

/** Reads a TensorFlow.js model (`model.json` and its weight shards) from disk; tfjs-node is not needed. */
export function modelIOHandler(modelJsonPath: string): TF.io.IOHandler {
  return {
    async load() {
      const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as ModelJson;
      const folder = dirname(modelJsonPath);
      const weightSpecs: TF.io.WeightsManifestEntry[] = [];
      const shards: Uint8Array[] = [];
      for (const group of json.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const path of group.paths) {
          const file = resolve(folder, path);
          const inside = relative(folder, file);
          if (inside.startsWith('..') || isAbsolute(inside)) {
            throw new TensorError(`${modelJsonPath}: weight file ${path} is outside the model folder`);
          }
          shards.push(await readFile(file));
        }
      }
      return { ...artifacts(json), weightSpecs, weightData: concatenate(shards) };
    },
  };
}

/** A TensorFlow.js model whose weights are embedded: JSON with `weightsManifest` and base64 `weightData`. */
export function modelIOHandlerFromBytes(bytes: Uint8Array): TF.io.IOHandler {
  return {
    load() {
      const json = JSON.parse(new TextDecoder().decode(bytes)) as ModelJson & { weightData?: string };
      if (typeof json.weightData !== 'string') {
        throw new TensorError(
          'model bytes must be model.json with the weights embedded as base64 "weightData"',
        );
      }
      const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
      return Promise.resolve({
        ...artifacts(json),
        weightSpecs,
        weightData: concatenate([Buffer.from(json.weightData, 'base64')]),
      });
    },
  };
}

function artifacts(json: ModelJson): Omit<TF.io.ModelArtifacts, 'weightSpecs' | 'weightData'> {
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    signature: json.signature,
    userDefinedMetadata: json.userDefinedMetadata,
  };
}

/** One ArrayBuffer of its own (a Buffer's memory may be shared with others from Node's pool). */
function concatenate(parts: readonly Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out.buffer;
}

type TfModel = TF.LayersModel | TF.GraphModel;

export class TfjsModelSession implements ModelSession {
  readonly inputs: ModelIO[];
  readonly outputs: ModelIO[];

  constructor(
    private readonly tf: typeof TF,
    readonly format: ModelFormat,
    private readonly model: TfModel,
    private readonly unwrap: (t: Tensor) => TF.Tensor,
    private readonly wrap: (t: TF.Tensor) => Tensor,
  ) {
    const io = (list: readonly { name: string; shape?: readonly (number | null)[]; dtype?: string }[]) =>
      list.map((x) => ({ name: x.name, dtype: x.dtype ?? 'float32', shape: [...(x.shape ?? [])] }));
    if (isLayers(model)) {
      this.inputs = model.inputs.map((t, i) => ({
        name: model.inputNames[i],
        dtype: t.dtype,
        shape: [...t.shape],
      }));
      this.outputs = model.outputs.map((t, i) => ({
        name: model.outputNames[i],
        dtype: t.dtype,
        shape: [...t.shape],
      }));
    } else {
      this.inputs = io(model.inputs);
      this.outputs = io(model.outputs);
    }
  }

  async run(feeds: Readonly<Record<string, Tensor>>): Promise<Record<string, Tensor>> {
    const missing = this.inputs.filter((i) => !(i.name in feeds)).map((i) => i.name);
    if (missing.length > 0) throw new TensorError(`model inputs missing: ${missing.join(', ')}`);
    const names = this.outputs.map((o) => o.name);
    let results: TF.Tensor[];
    if (isLayers(this.model)) {
      const model = this.model;
      const inputs = this.inputs.map((i) => this.unwrap(feeds[i.name]));
      const predicted = this.tf.tidy(() => model.predict(inputs.length === 1 ? inputs[0] : inputs));
      results = Array.isArray(predicted) ? predicted : [predicted];
    } else {
      const map: Record<string, TF.Tensor> = {};
      for (const i of this.inputs) map[i.name] = this.unwrap(feeds[i.name]);
      // execute() is the fast path; models with control flow or dynamic shapes need executeAsync()
      let executed: TF.Tensor | TF.Tensor[];
      try {
        executed = this.model.execute(map, names);
      } catch {
        executed = await this.model.executeAsync(map, names);
      }
      results = Array.isArray(executed) ? executed : [executed];
    }
    return Object.fromEntries(results.map((t, i) => [names[i], this.wrap(t)]));
  }

  dispose(): Promise<void> {
    this.model.dispose();
    return Promise.resolve();
  }
}

function isLayers(model: TfModel): model is TF.LayersModel {
  return 'predict' in model && 'layers' in model;
}
