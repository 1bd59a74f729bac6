import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UnsupportedModelError } from '@easel/core';
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

describe('TfjsBackend models', () => {
  let backend: TfjsBackend;
  const models = fileURLToPath(new URL('../../../tools/fixtures/models', import.meta.url));
  beforeAll(async () => {
    backend = await TfjsBackend.create({ device: 'wasm' });
  });

  it('loads a layers model from disk', async () => {
    const session = await backend.loadModel({ path: join(models, 'dense-layers') });
    expect(session.format).toBe('tfjs-layers');
    expect(session.inputs).toEqual([{ name: 'LR', dtype: 'float32', shape: [null, 3] }]);
    const out = await session.run({ LR: backend.fromHost(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]) });
    expect(Array.from(await backend.read(out.D))).toEqual([4.5, 4.5, 10.5, 10.5]);
    await session.dispose();
  });

  it('loads a graph model from disk', async () => {
    const session = await backend.loadModel({ path: join(models, 'matmul-graph', 'model.json') });
    expect(session.format).toBe('tfjs-graph');
    const out = await session.run({ x: backend.fromHost(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]) });
    expect(Array.from(await backend.read(out.y))).toEqual([4, 5, 10, 11]);
  });

  it('loads model.json bytes with embedded weights', async () => {
    const json = JSON.parse(await readFile(join(models, 'dense-layers', 'model.json'), 'utf8'));
    const weights = await readFile(join(models, 'dense-layers', 'weights.bin'));
    const bytes = new TextEncoder().encode(
      JSON.stringify({ ...json, weightData: weights.toString('base64') }),
    );
    const session = await backend.loadModel({ bytes, format: 'tfjs-layers' });
    const out = await session.run({ LR: backend.fromHost(Float32Array.from([1, 1, 1]), [1, 3]) });
    expect(Array.from(await backend.read(out.D))).toEqual([2.5, 1.5]);
  });

  it('refuses an .onnx file, naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'easel-tfjs-'));
    try {
      await writeFile(join(dir, 'model.onnx'), new Uint8Array([8, 1]));
      await expect(backend.loadModel({ path: join(dir, 'model.onnx') })).rejects.toThrow(
        UnsupportedModelError,
      );
      await expect(backend.loadModel({ path: join(dir, 'model.onnx') })).rejects.toThrow(
        /model.onnx: the tfjs backend cannot load/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses devices it cannot use', async () => {
    await expect(TfjsBackend.create({ device: 'tpu' })).rejects.toThrow(/has no device "tpu"/);
  });
});
