import { fileURLToPath } from 'node:url';
import { backendContract, readResizeGoldens, resizeGoldenCases } from '@easel/core/testing';
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
