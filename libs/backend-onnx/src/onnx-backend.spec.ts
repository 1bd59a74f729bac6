import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UnsupportedModelError } from '@easel/core';
import { backendContract, readResizeGoldens, resizeGoldenCases } from '@easel/core/testing';
import { convertKerasModel } from './keras-to-onnx.js';
import { OnnxBackend } from './onnx-backend.js';

const goldens = readResizeGoldens(
  fileURLToPath(new URL('../../../tools/fixtures/comfyui-0.24-goldens', import.meta.url)),
);

describe('OnnxBackend (cpu) passes the TensorBackend contract', () => {
  const backend = new OnnxBackend({ device: 'cpu' });
  it.each([...backendContract(), ...resizeGoldenCases(goldens)].map((c) => [c.name, c] as const))(
    '%s',
    (_name, c) => c.run(backend),
  );

  it('refuses a device the installed onnxruntime-node build does not have', () => {
    expect(() => new OnnxBackend({ device: 'tensorrt' })).toThrow(
      /cannot use device "tensorrt": this onnxruntime-node build has cpu/,
    );
  });
});

describe('OnnxBackend models', () => {
  const backend = new OnnxBackend();
  const models = fileURLToPath(new URL('../../../tools/fixtures/models', import.meta.url));
  const pixels = Float32Array.from({ length: 12 }, (_, i) => i);
  // every pixel of a 2 x 2 RGB image repeated 2 x 2
  const upsampled = Array.from({ length: 48 }, (_, i) => {
    const [y, x, c] = [Math.floor(i / 12), Math.floor(i / 3) % 4, i % 3];
    return pixels[((y >> 1) * 2 + (x >> 1)) * 3 + c];
  });

  async function runNearest(source: Parameters<OnnxBackend['loadModel']>[0]) {
    const session = await backend.loadModel(source);
    expect(session.inputs.map((i) => i.name)).toEqual(['LR']);
    expect(session.outputs.map((o) => o.name)).toEqual(['UP']);
    const out = await session.run({ LR: backend.fromHost(pixels, [1, 2, 2, 3]) });
    expect([...out.UP.shape]).toEqual([1, 4, 4, 3]);
    expect(Array.from(await backend.read(out.UP))).toEqual(upsampled);
    await session.dispose();
  }

  it('loads a TensorFlow.js layers model by converting it to ONNX', () =>
    runNearest({ path: join(models, 'nearest-x2-layers') }));

  it('loads .onnx files and .onnx bytes', async () => {
    const bytes = await convertKerasModel(join(models, 'nearest-x2-layers', 'model.json'));
    const dir = await mkdtemp(join(tmpdir(), 'easel-onnx-'));
    try {
      await writeFile(join(dir, 'nearest.onnx'), bytes);
      await runNearest({ path: join(dir, 'nearest.onnx') });
      await runNearest({ bytes, format: 'onnx' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses layers it cannot convert by name, and formats it cannot load by file', async () => {
    await expect(backend.loadModel({ path: join(models, 'dense-layers') })).rejects.toThrow(
      /dense-layers\/model.json: layer LR \(InputLayer\) must be a 4-D image input/,
    );
    await expect(backend.loadModel({ path: join(models, 'matmul-graph') })).rejects.toThrow(
      UnsupportedModelError,
    );
    await expect(backend.loadModel({ bytes: new Uint8Array([1, 2, 3]), format: 'onnx' })).rejects.toThrow(
      /ONNX Runtime cannot load this model/,
    );
  });
});
