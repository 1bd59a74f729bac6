import { mkdtemp, mkdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quoteExtensionName, resolvePackWebFolder } from './pack-web.js';

describe('quoteExtensionName', () => {
  it.each([
    ['my-pack', 'my-pack'],
    ['ComfyUI_Some.Pack~1', 'ComfyUI_Some.Pack~1'],
    ['@scope/pkg', '%40scope%2Fpkg'],
    ['a b', 'a%20b'],
    // as Python's quote(name, safe=''): these are escaped too
    ["x(1)!'*", 'x%281%29%21%27%2A'],
    ['é', '%C3%A9'],
  ])('%s -> %s', (name, quoted) => {
    expect(quoteExtensionName(name)).toBe(quoted);
    expect(decodeURIComponent(quoteExtensionName(name))).toBe(name);
  });
});

describe('resolvePackWebFolder', () => {
  let dir: string;
  let root: string;
  beforeEach(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'easel-pack-web-')));
    root = join(dir, 'pack');
    await mkdir(join(root, 'web', 'sub'), { recursive: true });
    await mkdir(join(dir, 'elsewhere'));
    await writeFile(join(root, 'file.txt'), 'x');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('resolves a folder of the pack, links inside it too', async () => {
    expect(await resolvePackWebFolder(root, 'web')).toBe(join(root, 'web'));
    expect(await resolvePackWebFolder(root, './web/sub/')).toBe(join(root, 'web', 'sub'));
    await symlink(join(root, 'web'), join(root, 'alias'));
    expect(await resolvePackWebFolder(root, 'alias')).toBe(join(root, 'web'));
  });

  it('has none without the field, or when the folder does not exist (as ComfyUI)', async () => {
    expect(await resolvePackWebFolder(root, undefined)).toBeNull();
    expect(await resolvePackWebFolder(root, 'missing')).toBeNull();
  });

  it.each([[''], ['  '], [42], [null], [['web']], ['web\0']])('refuses %p as a value', async (field) => {
    await expect(resolvePackWebFolder(root, field)).rejects.toThrow(/must name a folder of the pack/);
  });

  it('refuses a folder outside the pack, by .., an absolute path or a link', async () => {
    await expect(resolvePackWebFolder(root, '..')).rejects.toThrow(/points outside the pack folder/);
    await expect(resolvePackWebFolder(root, '../elsewhere')).rejects.toThrow(/points outside/);
    await expect(resolvePackWebFolder(root, 'web/../../elsewhere')).rejects.toThrow(/points outside/);
    await expect(resolvePackWebFolder(root, join(dir, 'elsewhere'))).rejects.toThrow(/points outside/);
    await symlink(join(dir, 'elsewhere'), join(root, 'out'));
    await expect(resolvePackWebFolder(root, 'out')).rejects.toThrow(
      /leads outside the pack folder through a link/,
    );
  });

  it('refuses a file', async () => {
    await expect(resolvePackWebFolder(root, 'file.txt')).rejects.toThrow(/is not a folder/);
  });
});
