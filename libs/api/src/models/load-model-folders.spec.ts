import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelPathsConfigError } from './extra-model-paths.js';
import { loadModelFolders } from './load-model-folders.js';

describe('loadModelFolders', () => {
  let base: string;
  const logged: string[] = [];
  const logger = {
    info: (m: string) => logged.push(`info ${m}`),
    warn: (m: string) => logged.push(`warn ${m}`),
  };
  const expansion = { env: {}, home: '/home/ada' };
  const directories = () => ({
    base,
    models: join(base, 'models'),
    customNodes: join(base, 'custom_nodes'),
    output: join(base, 'out'),
  });

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'easel-load-folders-'));
    logged.length = 0;
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it("without any YAML: the standard places, then the output folder's model folders", () => {
    const registry = loadModelFolders(
      { directories: directories(), extraModelPathsConfigs: [] },
      logger,
      expansion,
    );
    expect(registry.folderPaths('checkpoints')).toEqual([
      join(base, 'models', 'checkpoints'),
      join(base, 'out', 'checkpoints'),
    ]);
    expect(registry.folderPaths('text_encoders')).toEqual([
      join(base, 'models', 'text_encoders'),
      join(base, 'models', 'clip'),
      join(base, 'out', 'clip'),
    ]);
    expect(registry.folderPaths('diffusion_models').at(-1)).toBe(join(base, 'out', 'diffusion_models'));
    expect(registry.folderPaths('loras').at(-1)).toBe(join(base, 'out', 'loras'));
    expect(registry.folderPaths('vae').at(-1)).toBe(join(base, 'out', 'vae'));
    expect(registry.folderPaths('embeddings')).toEqual([join(base, 'models', 'embeddings')]);
    expect(logged).toEqual([]);
  });

  it('reads <base>/extra_model_paths.yaml first, then the given files in order, before the output folders', async () => {
    await writeFile(
      join(base, 'extra_model_paths.yaml'),
      'a:\n  base_path: /from-base\n  checkpoints: ckpt\n',
    );
    await writeFile(
      join(base, 'one.yaml'),
      'b:\n  base_path: /from-one\n  checkpoints: ckpt\n  my_type: things\n',
    );
    await writeFile(
      join(base, 'two.yaml'),
      'c:\n  base_path: /from-two\n  is_default: true\n  checkpoints: ckpt\n  unet: unet\n  odd: 3\n',
    );
    const registry = loadModelFolders(
      {
        directories: directories(),
        extraModelPathsConfigs: [join(base, 'one.yaml'), join(base, 'two.yaml')],
      },
      logger,
      expansion,
    );
    expect(registry.folderPaths('checkpoints')).toEqual([
      '/from-two/ckpt',
      join(base, 'models', 'checkpoints'),
      '/from-base/ckpt',
      '/from-one/ckpt',
      join(base, 'out', 'checkpoints'),
    ]);
    expect(registry.folderPaths('diffusion_models')[0]).toBe('/from-two/unet');
    // a new key is registered; one with a value of the wrong type is not
    expect(registry.folderNames().slice(-2)).toEqual(['detection', 'my_type']);
    expect(logged).toContain('info Adding extra search path checkpoints /from-one/ckpt');
    expect(logged.some((line) => line.startsWith('warn') && line.includes('"c.odd"'))).toBe(true);
  });

  it('stops on a given file that is missing or broken', async () => {
    const settings = (file: string) => ({ directories: directories(), extraModelPathsConfigs: [file] });
    expect(() => loadModelFolders(settings(join(base, 'nope.yaml')), logger, expansion)).toThrow(
      ModelPathsConfigError,
    );
    await writeFile(join(base, 'broken.yaml'), 'a: [\n');
    expect(() => loadModelFolders(settings(join(base, 'broken.yaml')), logger, expansion)).toThrow(
      /broken\.yaml is not valid YAML/,
    );
  });
});
