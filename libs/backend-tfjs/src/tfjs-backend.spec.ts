import { fileURLToPath } from 'node:url';
import { backendContract, readResizeGoldens, resizeGoldenCases } from '@easel/core/testing';
import { TfjsBackend } from './tfjs-backend.js';

const goldens = readResizeGoldens(
  fileURLToPath(new URL('../../../tools/fixtures/comfyui-0.24-goldens', import.meta.url)),
);
const cases = [...backendContract(), ...resizeGoldenCases(goldens)].map((c) => [c.name, c] as const);

// tfjs-node is an optional dependency that cannot install on machines without network access to
// Google's storage; there the default device falls back to wasm. Both kernels run the contract.
describe.each(['wasm', 'js'])('TfjsBackend (%s) passes the TensorBackend contract', (device) => {
  let backend: TfjsBackend;
  beforeAll(async () => {
    backend = await TfjsBackend.create({ device });
  });
  it(`runs on ${device}`, () => {
    expect(backend.runtime).toBe(device === 'js' ? 'cpu' : 'wasm');
  });
  it.each(cases)('%s', (_name, c) => c.run(backend));
});
