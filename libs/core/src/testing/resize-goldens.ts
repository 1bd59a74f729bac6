import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESIZE_METHODS, resize, type CropMode, type Layout, type ResizeMethod } from '../tensor/resize.js';
import type { TensorBackend } from '../tensor/tensor-backend.js';
import type { ContractCase } from './backend-contract.js';
import type { HostTensor } from './reference-ops.js';

/** One recorded ComfyUI resize: `common_upscale(input, output size, method, crop)` gave `output`. */
export interface ResizeGolden {
  readonly name: string;
  readonly method: ResizeMethod;
  readonly crop: CropMode;
  readonly layout: Layout;
  readonly input: HostTensor;
  readonly output: HostTensor;
}

interface GoldenTensorRecord {
  type: string;
  shape: number[];
  data_b64: string;
}

interface GoldenRecord {
  case: string;
  node: string;
  inputs: Record<string, unknown>;
  input_tensors: Record<string, GoldenTensorRecord>;
  outputs: GoldenTensorRecord[];
}

/** A golden tensor: base64 of little-endian float32 values. */
export function decodeGoldenTensor(record: GoldenTensorRecord): HostTensor {
  const bytes = Buffer.from(record.data_b64, 'base64');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
  return { shape: record.shape, data };
}

const RESIZE_NODES = [
  'ImageScale',
  'ImageScaleBy',
  'ImageScaleToTotalPixels',
  'LatentUpscale',
  'LatentUpscaleBy',
];

/**
 * The resizes in ComfyUI 0.24's recorded goldens (tools/fixtures/comfyui-0.24-goldens): the image
 * and latent scaling nodes, with the output size read off the recorded output. `bislerp` (a latent
 * method outside `common_upscale`'s interpolate path) is left out.
 */
export function readResizeGoldens(dir: string): ResizeGolden[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as GoldenRecord)
    .filter(
      (g) =>
        RESIZE_NODES.includes(g.node) && RESIZE_METHODS.includes(g.inputs.upscale_method as ResizeMethod),
    )
    .map((g) => {
      const latent = g.node.startsWith('Latent');
      const input = decodeGoldenTensor(g.input_tensors[latent ? 'samples' : 'image']);
      return {
        name: g.case,
        method: g.inputs.upscale_method as ResizeMethod,
        crop: g.inputs.crop === 'center' ? 'center' : 'disabled',
        layout: latent ? 'BCHW' : 'BHWC',
        input,
        output: decodeGoldenTensor(g.outputs[0]),
      };
    });
}

/**
 * Each golden resize on a backend. Linear methods must agree within 1e-5 (float32 kernels that
 * may sum in another order); lanczos goes through 8-bit Pillow and must agree exactly (1e-6).
 */
export function resizeGoldenCases(goldens: readonly ResizeGolden[]): ContractCase[] {
  return goldens.map((g) => ({
    name: `resize golden ${g.name}`,
    async run(backend: TensorBackend) {
      const [hAxis, wAxis] = g.layout === 'BHWC' ? [1, 2] : [2, 3];
      const x = backend.fromHost(g.input.data, g.input.shape);
      const out = await resize(
        backend,
        x,
        g.layout,
        g.output.shape[hAxis],
        g.output.shape[wAxis],
        g.method,
        g.crop,
      );
      const actual = await backend.read(out);
      if (JSON.stringify(out.shape) !== JSON.stringify(g.output.shape)) {
        throw new Error(`shape ${JSON.stringify(out.shape)}, expected ${JSON.stringify(g.output.shape)}`);
      }
      const tolerance = g.method === 'lanczos' ? 1e-6 : 1e-5;
      let worst = 0;
      for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - g.output.data[i]));
      if (!(worst <= tolerance)) throw new Error(`largest difference ${worst} exceeds ${tolerance}`);
    },
  }));
}
