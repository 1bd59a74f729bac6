import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { buildModel, type GraphNode, type Initializer } from './onnx-graph.js';

/**
 * Converts a TensorFlow.js layers model (Keras, channels-last) made of common convolutional layers
 * into an ONNX model with the same inputs and outputs (still NHWC at the edges), so models shipped
 * for TensorFlow.js (ESRGAN, ...) also run on the onnx backend. Supported layers: InputLayer,
 * Conv2D (linear, relu, sigmoid or tanh activation), Activation, Add, Concatenate, UpSampling2D
 * (nearest). Anything else is a `KerasConversionError` naming the layer.
 */
export class KerasConversionError extends Error {
  override name = 'KerasConversionError';
}

interface KerasLayer {
  class_name: string;
  name: string;
  config: Record<string, unknown>;
  inbound_nodes: [string, number, number, object][][];
}

interface LayersModelJson {
  format?: string;
  modelTopology: {
    model_config?: {
      class_name: string;
      config: {
        layers: KerasLayer[];
        input_layers: [string, number, number][];
        output_layers: [string, number, number][];
      };
    };
  };
  weightsManifest: {
    paths: string[];
    weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[];
  }[];
}

const ACTIVATIONS: Record<string, string | null> = {
  linear: null,
  relu: 'Relu',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
};
/** NHWC axis -> NCHW axis. */
const CHANNELS_FIRST_AXIS: Record<number, number> = { 0: 0, 1: 2, 2: 3, 3: 1, [-1]: 1 };

export async function convertKerasModel(modelJsonPath: string): Promise<Uint8Array> {
  const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as LayersModelJson;
  const config = json.modelTopology.model_config;
  if (!config || (config.class_name !== 'Functional' && config.class_name !== 'Model')) {
    throw new KerasConversionError(`${modelJsonPath}: only functional Keras models can be converted`);
  }
  const weights = await readWeights(modelJsonPath, json);
  const nodes: GraphNode[] = [];
  const initializers: Initializer[] = [];
  // every Keras tensor becomes an NCHW ONNX value named after its layer
  const value = (layer: string) => `${layer}:nchw`;

  for (const layer of config.config.layers) {
    const inputs = (layer.inbound_nodes[0] ?? []).map(([name]) => value(name));
    const out = value(layer.name);
    const fail = (why: string): never => {
      throw new KerasConversionError(`${modelJsonPath}: layer ${layer.name} (${layer.class_name}) ${why}`);
    };
    switch (layer.class_name) {
      case 'InputLayer': {
        const shape = layer.config.batch_input_shape as (number | null)[] | undefined;
        if (shape?.length !== 4) fail('must be a 4-D image input');
        nodes.push({
          op: 'Transpose',
          inputs: [layer.name],
          outputs: [out],
          attributes: { perm: [0, 3, 1, 2] },
        });
        break;
      }
      case 'Conv2D': {
        const c = layer.config as {
          padding: string;
          strides: number[];
          dilation_rate: number[];
          groups?: number;
          activation: string;
          use_bias: boolean;
          data_format: string;
        };
        if (c.data_format !== 'channels_last') fail('must be channels_last');
        if ((c.groups ?? 1) !== 1) fail('has groups, which the converter does not handle');
        if (!(c.activation in ACTIVATIONS))
          fail(`has activation ${c.activation}, which the converter does not handle`);
        const kernel = weights.get(`${layer.name}/kernel`) ?? fail('has no kernel weights');
        const [kh, kw, cin, cout] = kernel.shape;
        initializers.push({
          name: `${layer.name}/W`,
          dtype: 'float32',
          dims: [cout, cin, kh, kw],
          raw: hwioToOihw(kernel.data, kernel.shape),
        });
        const conv = [out, `${layer.name}/W`];
        if (c.use_bias) {
          const bias = weights.get(`${layer.name}/bias`) ?? fail('has no bias weights');
          initializers.push({ name: `${layer.name}/B`, dtype: 'float32', dims: [cout], raw: bias.data });
          conv[1] = `${layer.name}/W`;
          conv.push(`${layer.name}/B`);
        }
        const activation = ACTIVATIONS[c.activation];
        const convOut = activation ? `${out}:pre` : out;
        nodes.push({
          op: 'Conv',
          inputs: [inputs[0], ...conv.slice(1)],
          outputs: [convOut],
          attributes: {
            strides: c.strides,
            dilations: c.dilation_rate,
            // Keras "same" pads the extra pixel at the end, like ONNX SAME_UPPER
            auto_pad: c.padding === 'same' ? 'SAME_UPPER' : 'VALID',
          },
        });
        if (activation) nodes.push({ op: activation, inputs: [convOut], outputs: [out] });
        break;
      }
      case 'Activation': {
        const op = ACTIVATIONS[layer.config.activation as string];
        if (op === undefined) fail(`${String(layer.config.activation)} is not supported`);
        nodes.push({ op: op ?? 'Identity', inputs, outputs: [out] });
        break;
      }
      case 'Add': {
        if (inputs.length < 2) fail('needs two inputs');
        let acc = inputs[0];
        inputs.slice(1).forEach((input, i) => {
          const next = i === inputs.length - 2 ? out : `${out}:${i}`;
          nodes.push({ op: 'Add', inputs: [acc, input], outputs: [next] });
          acc = next;
        });
        break;
      }
      case 'Concatenate': {
        const axis = CHANNELS_FIRST_AXIS[(layer.config.axis as number | undefined) ?? -1];
        if (axis === undefined) fail(`concatenates along axis ${String(layer.config.axis)}`);
        nodes.push({ op: 'Concat', inputs, outputs: [out], attributes: { axis } });
        break;
      }
      case 'UpSampling2D': {
        const c = layer.config as { size: number[]; interpolation?: string; data_format: string };
        if ((c.interpolation ?? 'nearest') !== 'nearest')
          fail(`interpolation ${c.interpolation} is not supported`);
        initializers.push({
          name: `${layer.name}/scales`,
          dtype: 'float32',
          dims: [4],
          values: [1, 1, c.size[0], c.size[1]],
        });
        // Keras repeats each pixel: output i takes input floor(i / size)
        nodes.push({
          op: 'Resize',
          inputs: [inputs[0], '', `${layer.name}/scales`],
          outputs: [out],
          attributes: {
            mode: 'nearest',
            coordinate_transformation_mode: 'asymmetric',
            nearest_mode: 'floor',
          },
        });
        break;
      }
      default:
        fail('is not a layer type the converter handles');
    }
  }

  const [[inputName]] = config.config.input_layers;
  const outputs = config.config.output_layers.map(([name]) => name);
  for (const name of outputs) {
    nodes.push({
      op: 'Transpose',
      inputs: [value(name)],
      outputs: [name],
      attributes: { perm: [0, 2, 3, 1] },
    });
  }
  return buildModel(
    {
      inputs: [{ name: inputName, dtype: 'float32', rank: 4 }],
      outputs: outputs.map((name) => ({ name, dtype: 'float32' as const, rank: 4 })),
      nodes,
      initializers,
    },
    'keras',
  );
}

interface Weight {
  shape: number[];
  data: Float32Array;
}

async function readWeights(modelJsonPath: string, json: LayersModelJson): Promise<Map<string, Weight>> {
  const folder = dirname(modelJsonPath);
  const weights = new Map<string, Weight>();
  for (const group of json.weightsManifest) {
    const parts: Buffer[] = [];
    for (const path of group.paths) {
      const file = resolve(folder, path);
      const inside = relative(folder, file);
      if (inside.startsWith('..') || isAbsolute(inside)) {
        throw new KerasConversionError(`${modelJsonPath}: weight file ${path} is outside the model folder`);
      }
      parts.push(await readFile(file));
    }
    const bytes = Buffer.concat(parts);
    let offset = 0;
    for (const spec of group.weights) {
      if (spec.dtype !== 'float32' || spec.quantization) {
        throw new KerasConversionError(
          `${modelJsonPath}: weight ${spec.name} is ${spec.dtype}${spec.quantization ? ', quantized' : ''}; only float32 is supported`,
        );
      }
      const count = spec.shape.reduce((n, d) => n * d, 1);
      const data = new Float32Array(count);
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * 4);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
      offset += count * 4;
      weights.set(spec.name, { shape: spec.shape, data });
    }
  }
  return weights;
}

/** Keras kernels are [kH, kW, in, out]; ONNX Conv wants [out, in, kH, kW]. */
function hwioToOihw(data: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++)
          out[((o * cin + i) * kh + y) * kw + x] = data[((y * kw + x) * cin + i) * cout + o];
  return out;
}
