import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelFolderRegistry, rootedName } from './model-folder-registry.js';
import {
  MODEL_FILE_EXTENSIONS,
  hasFolderExtension,
  pythonExtension,
  standardModelFolders,
  withoutExtension,
} from './model-folders.js';

const recorded = JSON.parse(
  readFileSync(
    new URL('../../../../tools/fixtures/comfyui-0.24-samples/get_models.json', import.meta.url),
    'utf8',
  ),
) as { body: string[] };

async function touch(path: string, content = ''): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
}

describe('model folders', () => {
  const dirs = { models: '/comfy/models', customNodes: '/comfy/custom_nodes' };

  it("registers ComfyUI 0.24's folders in its order (GET /models as recorded)", () => {
    const registry = new ModelFolderRegistry(standardModelFolders(dirs));
    expect(registry.folderNames()).toEqual(recorded.body);
  });

  it('searches the standard places with the standard extensions', () => {
    const registry = new ModelFolderRegistry(standardModelFolders(dirs));
    expect(registry.folderPaths('checkpoints')).toEqual(['/comfy/models/checkpoints']);
    expect(registry.folderPaths('text_encoders')).toEqual([
      '/comfy/models/text_encoders',
      '/comfy/models/clip',
    ]);
    expect(registry.folderPaths('diffusion_models')).toEqual([
      '/comfy/models/unet',
      '/comfy/models/diffusion_models',
    ]);
    expect(registry.folderPaths('controlnet')).toEqual([
      '/comfy/models/controlnet',
      '/comfy/models/t2i_adapter',
    ]);
    expect(registry.folderPaths('custom_nodes')).toEqual(['/comfy/custom_nodes']);
    expect(registry.extensions('checkpoints')).toEqual([...MODEL_FILE_EXTENSIONS].sort());
    expect(registry.extensions('configs')).toEqual(['.yaml']);
    expect(registry.extensions('diffusers')).toEqual(['folder']);
    expect(registry.extensions('classifiers')).toEqual(['']);
    expect(registry.extensions('custom_nodes')).toEqual([]);
    expect(registry.extensions('detection')).toEqual([...MODEL_FILE_EXTENSIONS].sort());
  });

  it('maps the legacy names unet and clip for lookups, but they are not names of their own', () => {
    const registry = new ModelFolderRegistry(standardModelFolders(dirs));
    expect(registry.folderPaths('unet')).toEqual(registry.folderPaths('diffusion_models'));
    expect(registry.folderPaths('clip')).toEqual(registry.folderPaths('text_encoders'));
    expect(registry.has('unet')).toBe(false);
    expect(registry.has('clip')).toBe(false);
    expect(registry.has('diffusion_models')).toBe(true);
    expect(registry.folderPaths('nope')).toEqual([]);
  });

  it('adds places like add_model_folder_path: appended, first when default, new names list everything', () => {
    const registry = new ModelFolderRegistry(standardModelFolders(dirs));
    registry.addPath('loras', '/shared/loras');
    registry.addPath('loras', '/first/loras', true);
    registry.addPath('loras', '/shared/loras'); // already there: unchanged
    registry.addPath('loras', '/shared/loras', true); // already there, default: moved first
    registry.addPath('unet', '/shared/unet');
    registry.addPath('clip', '/shared/clip', true);
    registry.addPath('my_things', '/shared/things');
    expect(registry.folderPaths('loras')).toEqual(['/shared/loras', '/first/loras', '/comfy/models/loras']);
    expect(registry.folderPaths('diffusion_models').at(-1)).toBe('/shared/unet');
    expect(registry.folderPaths('text_encoders')[0]).toBe('/shared/clip');
    expect(registry.folderNames().at(-1)).toBe('my_things');
    expect(registry.extensions('my_things')).toEqual([]);
    expect(registry.has('unet')).toBe(false);
  });

  it("reads extensions as Python's splitext does", () => {
    expect(pythonExtension('model.safetensors')).toBe('.safetensors');
    expect(pythonExtension('sub.dir/model')).toBe('');
    expect(pythonExtension('.hidden')).toBe('');
    expect(pythonExtension('..hidden')).toBe('');
    expect(pythonExtension('.hidden.pt')).toBe('.pt');
    expect(pythonExtension('archive.tar.gz')).toBe('.gz');
    expect(pythonExtension('trailing.')).toBe('.');
    expect(withoutExtension('sub/foo.safetensors')).toBe('sub/foo');
    expect(withoutExtension('sub.v2/foo')).toBe('sub.v2/foo');
    expect(hasFolderExtension('A.SafeTensors', MODEL_FILE_EXTENSIONS)).toBe(true);
    expect(hasFolderExtension('notes.txt', MODEL_FILE_EXTENSIONS)).toBe(false);
    expect(hasFolderExtension('anything.txt', [])).toBe(true);
    expect(hasFolderExtension('classifier', [''])).toBe(true);
    expect(hasFolderExtension('classifier.pt', [''])).toBe(false);
  });

  it('reads a name as if rooted in the folder: no way up, no absolute names, no NUL', () => {
    expect(rootedName('sub/model.safetensors')).toBe('sub/model.safetensors');
    expect(rootedName('../../etc/passwd')).toBe('etc/passwd');
    expect(rootedName('/etc/passwd')).toBe('etc/passwd');
    expect(rootedName('a/../../b')).toBe('b');
    expect(rootedName('..')).toBeNull();
    expect(rootedName('')).toBeNull();
    expect(rootedName('model\0.safetensors')).toBeNull();
  });
});

describe('ModelFolderRegistry on disk', () => {
  let base: string;
  let registry: ModelFolderRegistry;
  const models = () => join(base, 'models');

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'easel-model-folders-'));
    registry = new ModelFolderRegistry(
      standardModelFolders({ models: models(), customNodes: join(base, 'custom_nodes') }),
    );
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('lists recursively, filtered by extension (any case), sorted, hidden files kept, .git skipped', async () => {
    const loras = join(models(), 'loras');
    await touch(join(loras, 'b.safetensors'));
    await touch(join(loras, 'A.PT'));
    await touch(join(loras, 'sub', 'deep', 'c.ckpt'));
    await touch(join(loras, '.hidden.safetensors'));
    await touch(join(loras, 'readme.txt'));
    await touch(join(loras, '.git', 'objects.safetensors'));
    expect(await registry.list('loras')).toEqual([
      '.hidden.safetensors',
      'A.PT',
      'b.safetensors',
      join('sub', 'deep', 'c.ckpt'),
    ]);
    expect(await registry.list('vae')).toEqual([]);
    expect(await registry.list('no_such_folder')).toEqual([]);
  });

  it('merges the places of a folder and lists a name found in two places once', async () => {
    await touch(join(models(), 'text_encoders', 't5.safetensors'));
    await touch(join(models(), 'clip', 'clip_l.safetensors'));
    await touch(join(models(), 'clip', 't5.safetensors'));
    expect(await registry.list('text_encoders')).toEqual(['clip_l.safetensors', 't5.safetensors']);
    expect(await registry.list('clip')).toEqual(['clip_l.safetensors', 't5.safetensors']);
  });

  it('applies the odd extension sets: classifiers take files without one, diffusers none, custom_nodes all', async () => {
    await touch(join(models(), 'classifiers', 'detector'));
    await touch(join(models(), 'classifiers', 'detector.pt'));
    await touch(join(models(), 'diffusers', 'sd15', 'model_index.json'));
    await touch(join(base, 'custom_nodes', 'pack', 'package.json'));
    await touch(join(models(), 'configs', 'v1.yaml'));
    await touch(join(models(), 'configs', 'v1.yml'));
    expect(await registry.list('classifiers')).toEqual(['detector']);
    expect(await registry.list('diffusers')).toEqual([]);
    expect(await registry.list('custom_nodes')).toEqual([join('pack', 'package.json')]);
    expect(await registry.list('configs')).toEqual(['v1.yaml']);
  });

  it('follows symbolic links to folders and files, once per link, without looping; dead links are left out', async () => {
    const elsewhere = join(base, 'elsewhere');
    await touch(join(elsewhere, 'linked.safetensors'));
    await touch(join(base, 'lone.safetensors'));
    const vae = join(models(), 'vae');
    await mkdir(vae, { recursive: true });
    await symlink(elsewhere, join(vae, 'shared'));
    await symlink(join(base, 'lone.safetensors'), join(vae, 'alias.safetensors'));
    await symlink(vae, join(vae, 'loop'));
    await symlink(join(base, 'missing.safetensors'), join(vae, 'dead.safetensors'));
    expect(await registry.list('vae')).toEqual(['alias.safetensors', join('shared', 'linked.safetensors')]);
  });

  it('serves the list from its cache until a folder changes, and sees a place that appears', async () => {
    const upscale = join(models(), 'upscale_models');
    await touch(join(upscale, 'sub', 'a.pth'));
    expect(await registry.list('upscale_models')).toEqual([join('sub', 'a.pth')]);

    // a file whose folder keeps its mtime is not seen: the list came from the cache
    const stamp = new Date('2024-01-01T00:00:00Z');
    await utimes(join(upscale, 'sub'), stamp, stamp);
    expect(await registry.list('upscale_models')).toEqual([join('sub', 'a.pth')]);
    await writeFile(join(upscale, 'sub', 'hidden-by-cache.pth'), '');
    await utimes(join(upscale, 'sub'), stamp, stamp);
    expect(await registry.list('upscale_models')).toEqual([join('sub', 'a.pth')]);

    // a changed folder mtime invalidates it
    await writeFile(join(upscale, 'sub', 'b.pth'), '');
    expect(await registry.list('upscale_models')).toEqual([
      join('sub', 'a.pth'),
      join('sub', 'b.pth'),
      join('sub', 'hidden-by-cache.pth'),
    ]);

    // so does a place that did not exist when the list was made
    registry.addPath('upscale_models', join(base, 'later'));
    expect(await registry.list('upscale_models')).toHaveLength(3);
    await touch(join(base, 'later', 'c.pth'));
    expect(await registry.list('upscale_models')).toContain('c.pth');
  });

  it('resolves a name in the first place that has it, never outside the places', async () => {
    await touch(join(models(), 'unet', 'm.safetensors'), 'unet');
    await touch(join(models(), 'diffusion_models', 'm.safetensors'), 'diffusion');
    await touch(join(models(), 'diffusion_models', 'only.safetensors'));
    await touch(join(base, 'secret.safetensors'));
    await touch(join(models(), 'secret.safetensors'));
    await mkdir(join(models(), 'diffusion_models', 'folder.safetensors'));
    expect(await registry.resolve('diffusion_models', 'm.safetensors')).toBe(
      join(models(), 'unet', 'm.safetensors'),
    );
    expect(await registry.resolve('unet', 'only.safetensors')).toBe(
      join(models(), 'diffusion_models', 'only.safetensors'),
    );
    for (const name of [
      '../secret.safetensors',
      '../../secret.safetensors',
      '../../../secret.safetensors',
      join(base, 'secret.safetensors'),
      'only.safetensors\0',
      '',
      '..',
      'folder.safetensors',
      'missing.safetensors',
    ]) {
      expect(await registry.resolve('diffusion_models', name)).toBeNull();
    }
    // a rooted `..` stays in the folder: this is diffusion_models/only.safetensors
    expect(await registry.resolve('diffusion_models', '../../only.safetensors')).toBe(
      join(models(), 'diffusion_models', 'only.safetensors'),
    );
    expect(await registry.resolve('nope', 'only.safetensors')).toBeNull();
  });

  it('lists model files per place with sizes and times, skipping hidden entries and other extensions', async () => {
    const controlnet = join(models(), 'controlnet');
    await touch(join(controlnet, 'z.safetensors'), '12345');
    await touch(join(controlnet, 'a.pth'), '1');
    await touch(join(controlnet, 'sub', 'deep.ckpt'));
    await touch(join(controlnet, '.hidden.safetensors'));
    await touch(join(controlnet, '.cache', 'x.safetensors'));
    await touch(join(controlnet, 'notes.txt'));
    await touch(join(models(), 't2i_adapter', 'adapter.safetensors'));
    const stamp = new Date('2024-05-06T07:08:09.5Z');
    await utimes(join(controlnet, 'z.safetensors'), stamp, stamp);
    const files = await registry.modelFiles('controlnet');
    expect(files.map(({ name, pathIndex }) => [name, pathIndex])).toEqual([
      ['a.pth', 0],
      ['z.safetensors', 0],
      [join('sub', 'deep.ckpt'), 0],
      ['adapter.safetensors', 1],
    ]);
    const z = files.find((f) => f.name === 'z.safetensors')!;
    expect(z.size).toBe(5);
    expect(z.modified).toBeCloseTo(stamp.getTime() / 1000, 3);
    expect(typeof z.created).toBe('number');
  });

  it('lists model files of a missing place as none, keeping the indexes of the others', async () => {
    await touch(join(models(), 'diffusion_models', 'm.safetensors'));
    const files = await registry.modelFiles('diffusion_models');
    expect(files.map(({ name, pathIndex }) => [name, pathIndex])).toEqual([['m.safetensors', 1]]);
  });
});
