import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import {
  Directories,
  ModelPaths,
  TensorBackend,
  buildNodeDefinition,
  describeNode,
  type ComboContext,
  type NodeContext,
  type Tensor,
} from '@easel/core';
import { OnnxBackend, convertKerasModel } from '@easel/backend-onnx';
import { TfjsBackend } from '@easel/backend-tfjs';
import { ImageUpscaleWithModel, UpscaleModelLoader } from './index.js';
import { tileCount } from './tiled-scale.js';
import type { UpscaleModel } from './upscale-model.js';

const catalogue = JSON.parse(
  readFileSync(
    new URL('../../../tools/fixtures/comfyui-0.24-samples/object_info.json', import.meta.url),
    'utf8',
  ),
) as Record<string, { input: { required: Record<string, unknown[]> } }>;
const esrganRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.resolve('@upscalerjs/esrgan-slim')));
  while (!existsSync(join(dir, 'assets', 'fixture.png'))) dir = dirname(dir);
  return dir;
})();

/** A Keras model that only repeats each pixel twice in both directions: tiling must not change its output. */
const NEAREST_X2_MODEL = {
  format: 'layers-model',
  generatedBy: 'easel tests',
  convertedBy: null,
  modelTopology: {
    keras_version: '2.10.0',
    backend: 'tensorflow',
    model_config: {
      class_name: 'Functional',
      config: {
        name: 'nearest2x',
        layers: [
          {
            class_name: 'InputLayer',
            config: {
              batch_input_shape: [null, null, null, 3],
              dtype: 'float32',
              sparse: false,
              ragged: false,
              name: 'LR',
            },
            name: 'LR',
            inbound_nodes: [],
          },
          {
            class_name: 'UpSampling2D',
            config: {
              name: 'UP',
              trainable: true,
              dtype: 'float32',
              size: [2, 2],
              data_format: 'channels_last',
              interpolation: 'nearest',
            },
            name: 'UP',
            inbound_nodes: [[['LR', 0, 0, {}]]],
          },
        ],
        input_layers: [['LR', 0, 0]],
        output_layers: [['UP', 0, 0]],
      },
    },
  },
  weightsManifest: [],
};

interface Fixture {
  directories: Directories;
  services: ComboContext;
  backend: TensorBackend;
}

async function makeFixture(backend: TensorBackend, base: string): Promise<Fixture> {
  const models = join(base, 'models');
  const folder = join(models, 'upscale_models');
  await mkdir(join(folder, 'nearest2x'), { recursive: true });
  await writeFile(join(folder, 'nearest2x', 'model.json'), JSON.stringify(NEAREST_X2_MODEL));
  await writeFile(
    join(folder, 'nearest2x.onnx'),
    await convertKerasModel(join(folder, 'nearest2x', 'model.json')),
  );
  // the converted model keeps Keras' channels-last layout: say so, as a user would
  await writeFile(
    join(folder, 'nearest2x.onnx.easel.json'),
    JSON.stringify({ layout: 'NHWC', inputRange: 1 }),
  );
  await writeFile(join(folder, '4x-UltraSharp.pth'), 'not loadable here');
  const directories = { base, input: '', output: '', temp: '', user: '', models, customNodes: '' };
  const services: ComboContext = {
    resolve: <T>(token: unknown): T => {
      if (token === Directories) return directories as T;
      if (token === TensorBackend) return backend as T;
      throw new Error('unexpected token');
    },
  };
  return { directories, services, backend };
}

function context(
  backend: TensorBackend,
  progress: [number, number][] = [],
  signal = new AbortController().signal,
): NodeContext {
  const quiet = () => undefined;
  return {
    nodeId: '1',
    promptId: 'p',
    signal,
    backend,
    progress: { update: (value, max) => progress.push([value, max]), text: () => {} },
    logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
  };
}

async function loadModel(f: Fixture, name: string): Promise<UpscaleModel> {
  const [model] = (await new UpscaleModelLoader(f.directories).execute(
    { model_name: name },
    context(f.backend),
  )) as [UpscaleModel];
  return model;
}

async function upscale(
  f: Fixture,
  model: UpscaleModel,
  image: Tensor,
  progress: [number, number][] = [],
): Promise<Tensor> {
  const [out] = (await new ImageUpscaleWithModel().execute(
    { upscale_model: model, image },
    context(f.backend, progress),
  )) as [Tensor];
  return out;
}

async function readPng(path: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function psnr(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let squared = 0;
  for (let i = 0; i < expected.length; i++) squared += (actual[i] - expected[i]) ** 2;
  const mse = squared / expected.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

describe('@easel/upscale-nodes', () => {
  it("declares ComfyUI's UpscaleModelLoader and ImageUpscaleWithModel", async () => {
    const base = await mkdtemp(join(tmpdir(), 'easel-upscale-'));
    try {
      const f = await makeFixture(new OnnxBackend(), base);
      for (const nodeClass of [UpscaleModelLoader, ImageUpscaleWithModel]) {
        const definition = await buildNodeDefinition(
          describeNode(nodeClass, '@easel/upscale-nodes'),
          f.services,
        );
        const expected = structuredClone(catalogue[definition.name]);
        if (definition.name === 'UpscaleModelLoader') {
          // ComfyUI lists its own (empty) folder; ours lists the fixture folder and the built-in models
          (expected.input.required.model_name[1] as { options: string[] }).options = [
            '4x-UltraSharp.pth',
            'nearest2x',
            'nearest2x.onnx',
            'esrgan-slim-x2 [built-in]',
            'esrgan-slim-x3 [built-in]',
            'esrgan-slim-x4 [built-in]',
            'esrgan-slim-x8 [built-in]',
          ];
        }
        expect(JSON.stringify(definition)).toBe(JSON.stringify(expected));
      }
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('lists and loads models from every upscale_models folder the ModelPaths service names', async () => {
    const base = await mkdtemp(join(tmpdir(), 'easel-upscale-'));
    try {
      const f = await makeFixture(new OnnxBackend(), base);
      const own = join(base, 'models', 'upscale_models');
      // a second folder, as extra_model_paths.yaml adds one
      const shared = join(base, 'shared', 'upscalers');
      await mkdir(join(shared, 'more'), { recursive: true });
      await copyFile(join(own, 'nearest2x.onnx'), join(shared, 'more', 'shared2x.onnx'));
      await copyFile(
        join(own, 'nearest2x.onnx.easel.json'),
        join(shared, 'more', 'shared2x.onnx.easel.json'),
      );
      await writeFile(join(shared, '4x-UltraSharp.pth'), 'the same name in both folders');
      const modelPaths: ModelPaths = {
        folderNames: () => ['upscale_models'],
        folderPaths: (folder) => (folder === 'upscale_models' ? [own, shared] : []),
        list: () => Promise.resolve([]),
        resolve: () => Promise.resolve(null),
      };
      const services: ComboContext = {
        resolve: <T>(token: unknown): T =>
          token === ModelPaths ? (modelPaths as T) : f.services.resolve<T>(token as never),
      };

      const definition = await buildNodeDefinition(
        describeNode(UpscaleModelLoader, '@easel/upscale-nodes'),
        services,
      );
      const modelName = (
        definition as unknown as { input: { required: { model_name: [string, { options: string[] }] } } }
      ).input.required.model_name;
      expect(modelName[1].options.filter((option) => !option.endsWith('[built-in]'))).toEqual([
        '4x-UltraSharp.pth',
        'more/shared2x.onnx',
        'nearest2x',
        'nearest2x.onnx',
      ]);
      expect(await UpscaleModelLoader.validateInputs({ model_name: 'more/shared2x.onnx' }, services)).toBe(
        true,
      );
      const [model] = (await new UpscaleModelLoader(f.directories, modelPaths).execute(
        { model_name: 'more/shared2x.onnx' },
        context(f.backend),
      )) as [UpscaleModel];
      expect([model.scale, model.layout]).toEqual([2, 'NHWC']);
      // without the service only <models>/upscale_models is searched
      expect(
        await UpscaleModelLoader.validateInputs({ model_name: 'more/shared2x.onnx' }, f.services),
      ).toMatch(/not found/);
      expect(await UpscaleModelLoader.validateInputs({ model_name: '../../etc/passwd' }, services)).toMatch(
        /Invalid model name/,
      );
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  describe.each([
    ['onnx', () => Promise.resolve(new OnnxBackend())],
    ['tfjs', () => TfjsBackend.create({ device: 'wasm' })],
  ])('on the %s backend', (name, createBackend) => {
    let f: Fixture;
    let base: string;
    beforeAll(async () => {
      base = await mkdtemp(join(tmpdir(), 'easel-upscale-'));
      f = await makeFixture(await createBackend(), base);
    });
    afterAll(() => rm(base, { recursive: true, force: true }));

    it('ESRGAN x4 (built-in) on the package fixture matches its published result with PSNR >= 60 dB', async () => {
      const input = await readPng(join(esrganRoot, 'assets', 'fixture.png'));
      const reference = await readPng(join(esrganRoot, 'assets', 'samples', '4x', 'result.png'));
      const image = f.backend.fromHost(
        Float32Array.from(input.data, (v) => v / 255),
        [1, input.height, input.width, 3],
      );
      const model = await loadModel(f, 'esrgan-slim-x4 [built-in]');
      expect([model.scale, model.layout, model.inputRange]).toEqual([4, 'NHWC', 255]);
      const progress: [number, number][] = [];
      const out = await upscale(f, model, image, progress);
      expect([...out.shape]).toEqual([1, reference.height, reference.width, 3]);
      const pixels = Array.from(await f.backend.read(out), (v) => Math.round(v * 255));
      const quality = psnr(pixels, reference.data);
      expect(quality).toBeGreaterThanOrEqual(60);
      expect(progress).toEqual([[1, 1]]);
    }, 60_000);

    it('tiles a large image like ComfyUI: same result as one pass, progress per tile', async () => {
      const model = await loadModel(f, name === 'onnx' ? 'nearest2x.onnx' : 'nearest2x');
      expect(model.scale).toBe(2);
      const [height, width] = [300, 700];
      const data = Float32Array.from(
        { length: 2 * height * width * 3 },
        (_, i) => ((i * 7919) % 1000) / 1000,
      );
      const progress: [number, number][] = [];
      const out = await upscale(f, model, f.backend.fromHost(data, [2, height, width, 3]), progress);
      expect([...out.shape]).toEqual([2, 600, 1400, 3]);
      const pixels = await f.backend.read(out);
      let worst = 0;
      for (let b = 0; b < 2; b++)
        for (let y = 0; y < 600; y++)
          for (let x = 0; x < 1400; x++)
            for (let c = 0; c < 3; c++) {
              const expected = data[((b * height + (y >> 1)) * width + (x >> 1)) * 3 + c];
              worst = Math.max(worst, Math.abs(pixels[((b * 600 + y) * 1400 + x) * 3 + c] - expected));
            }
      expect(worst).toBeLessThan(1e-6);
      const tiles = tileCount(height, width, 512, 32);
      expect(tiles).toBe(2);
      expect(progress).toEqual([
        [1, 4],
        [2, 4],
        [3, 4],
        [4, 4],
      ]);
    });

    it('refuses, at validation, a model this backend cannot load, naming the file', async () => {
      const result = await UpscaleModelLoader.validateInputs({ model_name: '4x-UltraSharp.pth' }, f.services);
      expect(result).toMatch(new RegExp(`^4x-UltraSharp.pth: the ${name} backend cannot load`));
      const wrongFormat =
        name === 'onnx'
          ? true
          : await UpscaleModelLoader.validateInputs({ model_name: 'nearest2x.onnx' }, f.services);
      if (name === 'tfjs')
        expect(wrongFormat).toMatch(/^nearest2x.onnx: the tfjs backend cannot load onnx models/);
      expect(
        await UpscaleModelLoader.validateInputs({ model_name: 'esrgan-slim-x2 [built-in]' }, f.services),
      ).toBe(true);
      expect(await UpscaleModelLoader.validateInputs({ model_name: '../../etc/passwd' }, f.services)).toMatch(
        /Invalid model name/,
      );
      expect(await UpscaleModelLoader.validateInputs({ model_name: 'missing.onnx' }, f.services)).toMatch(
        /not found/,
      );
    });

    it('stops between tiles when the prompt is interrupted', async () => {
      const model = await loadModel(f, 'esrgan-slim-x2 [built-in]');
      const controller = new AbortController();
      controller.abort(new Error('Interrupted by the user'));
      const image = f.backend.full([1, 600, 600, 3], 0.5);
      await expect(
        new ImageUpscaleWithModel().execute(
          { upscale_model: model, image },
          context(f.backend, [], controller.signal),
        ),
      ).rejects.toThrow('Interrupted by the user');
    });
  });
});
