import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { ServerConfig } from '../config/server-config.js';
import { ConsoleLogger } from '../logging/console-logger.js';
import { SettingsService } from './settings.service.js';
import { UserDataService } from './user-data.service.js';
import { UserFilesRepository } from './user-files.repository.js';
import { UserService } from './user.service.js';
import { UsersRepository } from './users.repository.js';

const SECRET = 'sentinel: never read, listed, changed or deleted';

/** Every file and folder under `dir` (except `skip`), with file contents. */
async function snapshot(dir: string, skip: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  const walk = async (folder: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (path === skip) continue;
      const key = relative(dir, path);
      if (entry.isDirectory()) {
        found[key + '/'] = '';
        await walk(path);
      } else found[key] = await readFile(path, 'utf8');
    }
  };
  await walk(dir);
  return found;
}

describe('user data and settings services', () => {
  let base: string;
  let userDir: string;
  let root: string;
  let users: UserService;
  let data: UserDataService;
  let settings: SettingsService;
  let outside: Record<string, string>;

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'easel-userdata-'));
    userDir = join(base, 'user');
    root = join(userDir, 'alice');
    await mkdir(join(userDir, 'bob'), { recursive: true });
    await writeFile(join(userDir, 'users.json'), JSON.stringify({ alice: 'Alice', bob: 'Bob' }));
    await writeFile(join(userDir, 'secret.txt'), SECRET);
    await writeFile(join(userDir, 'bob', 'b.json'), SECRET);
    await writeFile(join(base, 'secret.txt'), SECRET);
    const config = { multiUser: true, directories: { user: userDir } } as unknown as ServerConfig;
    const files = new UserFilesRepository();
    users = new UserService(config, new UsersRepository(config, files), files, new ConsoleLogger('CRITICAL'));
    await users.onModuleInit();
    data = new UserDataService(users, files);
    settings = new SettingsService(users, files);
    outside = await snapshot(base, root);
  });
  afterEach(async () => {
    // nothing outside alice's folder changed, whatever a test did
    expect(await snapshot(base, root)).toEqual(outside);
    await rm(base, { recursive: true, force: true });
  });

  const write = (file: string, body: string, overwrite = true, fullInfo = false) =>
    data.write('alice', file, Buffer.from(body), { overwrite, fullInfo });

  describe('settings', () => {
    it('starts empty, merges objects shallowly and stores single values', async () => {
      expect(await settings.all('alice')).toEqual({});
      expect(await settings.get('alice', 'Comfy.Locale')).toBeNull();
      await settings.merge('alice', { 'Comfy.Locale': 'fr', nested: { a: 1 } });
      await settings.merge('alice', { nested: { b: 2 }, n: 1.5 });
      await settings.set('alice', 'Comfy.Locale', 'de');
      await settings.set('alice', 'list', [1, 'é']);
      expect(await settings.all('alice')).toEqual({
        'Comfy.Locale': 'de',
        nested: { b: 2 },
        n: 1.5,
        list: [1, 'é'],
      });
      expect(await settings.get('alice', 'nested')).toEqual({ b: 2 });
      const text = await readFile(join(root, 'comfy.settings.json'), 'utf8');
      expect(text).toBe(
        '{\n    "Comfy.Locale": "de",\n    "nested": {\n        "b": 2\n    },\n    "n": 1.5,\n    "list": [\n        1,\n        "\\u00e9"\n    ]\n}',
      );
      // per user
      expect(await settings.all('bob')).toEqual({});
    });

    it('treats an unreadable or non-object file as no settings', async () => {
      await mkdir(root, { recursive: true });
      await writeFile(join(root, 'comfy.settings.json'), '{broken');
      expect(await settings.all('alice')).toEqual({});
      await writeFile(join(root, 'comfy.settings.json'), '[1, 2]');
      expect(await settings.all('alice')).toEqual({});
      await settings.set('alice', 'a', 1);
      expect(await settings.all('alice')).toEqual({ a: 1 });
    });

    it('stores __proto__ and constructor as ordinary ids', async () => {
      await settings.set('alice', '__proto__', { polluted: true });
      await settings.merge(
        'alice',
        JSON.parse('{"constructor": 5, "__proto__": {"x": 1}}') as Record<string, unknown>,
      );
      expect(await settings.get('alice', '__proto__')).toEqual({ x: 1 });
      expect(await settings.get('alice', 'constructor')).toBe(5);
      expect(await settings.get('alice', 'toString')).toBeNull();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('loses no change when many arrive at once', async () => {
      await Promise.all(Array.from({ length: 30 }, (_, i) => settings.set('alice', `k${i}`, i)));
      expect(Object.keys(await settings.all('alice'))).toHaveLength(30);
    });
  });

  describe('files', () => {
    it('writes the bytes as they are and answers the path or full_info', async () => {
      expect(await write('a.json', '{"x": 1}')).toEqual({ ok: true, value: 'a.json' });
      expect(await readFile(join(root, 'a.json'), 'utf8')).toBe('{"x": 1}');
      expect(await write('workflows/deep/w.json', 'w')).toEqual({ ok: true, value: 'workflows/deep/w.json' });
      const before = Date.now();
      const info = await write('workflows/i.json', '12345', true, true);
      expect(info.ok && info.value).toEqual({
        path: 'workflows/i.json',
        size: 5,
        modified: expect.any(Number) as number,
        created: expect.any(Number) as number,
      });
      const value = info.ok ? (info.value as { modified: number }) : { modified: 0 };
      expect(Number.isInteger(value.modified) && Math.abs(value.modified - before) < 5000).toBe(true);
      // no temporary file is left behind
      expect((await readdir(join(root, 'workflows'))).sort()).toEqual(['deep', 'i.json']);
    });

    it('refuses to replace with overwrite=false, and replaces otherwise', async () => {
      await write('a.json', 'one');
      expect(await write('a.json', 'two', false)).toEqual({ ok: false, problem: 'exists' });
      expect(await readFile(join(root, 'a.json'), 'utf8')).toBe('one');
      expect((await write('a.json', 'three')).ok).toBe(true);
      expect(await readFile(join(root, 'a.json'), 'utf8')).toBe('three');
    });

    it('lets only one of many writers create a new name with overwrite=false', async () => {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => write('race.json', `writer ${i}`, false)),
      );
      const winners = results.filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.problem === 'exists')).toHaveLength(11);
      expect(await readFile(join(root, 'race.json'), 'utf8')).toMatch(/^writer \d+$/);
      // no temporary file is left behind
      expect(await readdir(root)).toEqual(['race.json']);
    });

    it('answers bad-name for names the file system refuses', async () => {
      expect(await write('x'.repeat(300), 'a')).toEqual({ ok: false, problem: 'bad-name' });
      await write('file', 'a');
      expect(await write('file/inner.json', 'a')).toEqual({ ok: false, problem: 'bad-name' });
      await mkdir(join(root, 'folder'));
      expect(await write('folder', 'a')).toEqual({ ok: false, problem: 'bad-name' });
    });

    it('reads files only, and knows user.css', async () => {
      await write('user.css', 'body{}');
      await write('sub/user.css', 'p{}');
      const css = await data.read('alice', 'user.css');
      expect(css.ok && css.value.userCss).toBe(true);
      const nested = await data.read('alice', 'sub%2Fuser.css');
      expect(nested.ok && nested.value.userCss).toBe(false);
      expect(nested.ok && nested.value.path).toBe(join(root, 'sub', 'user.css'));
      expect(await data.read('alice', 'missing.json')).toEqual({ ok: false, problem: 'missing' });
      expect(await data.read('alice', 'sub')).toEqual({ ok: false, problem: 'missing' });
      expect(await data.read('alice', '.')).toEqual({ ok: false, problem: 'outside' });
    });

    it('deletes files, not folders', async () => {
      await write('sub/a.json', 'a');
      expect(await data.delete('alice', 'sub')).toEqual({ ok: false, problem: 'directory' });
      expect(await data.delete('alice', 'sub/a.json')).toEqual({ ok: true, value: null });
      expect(await data.delete('alice', 'sub/a.json')).toEqual({ ok: false, problem: 'missing' });
    });

    it('moves and renames, creating the destination folder, with overwrite and full_info', async () => {
      await write('a.json', 'A');
      await write('b.json', 'B');
      const opts = { overwrite: false, fullInfo: false };
      expect(await data.move('alice', 'a.json', 'b.json', opts)).toEqual({ ok: false, problem: 'exists' });
      expect(await data.move('alice', 'a.json', 'new/dir/c.json', opts)).toEqual({
        ok: true,
        value: 'new/dir/c.json',
      });
      expect(await readFile(join(root, 'new', 'dir', 'c.json'), 'utf8')).toBe('A');
      const moved = await data.move('alice', 'new%2Fdir%2Fc.json', 'b.json', {
        overwrite: true,
        fullInfo: true,
      });
      expect(moved.ok && moved.value).toMatchObject({ path: 'b.json', size: 1 });
      expect(await readFile(join(root, 'b.json'), 'utf8')).toBe('A');
      expect(await data.move('alice', 'gone.json', 'x.json', opts)).toEqual({
        ok: false,
        problem: 'missing',
      });
      // a folder is never replaced
      await mkdir(join(root, 'folder'));
      expect(await data.move('alice', 'b.json', 'folder', { overwrite: true, fullInfo: false })).toEqual({
        ok: false,
        problem: 'exists',
      });
    });

    it('lists files with glob semantics: recurse, split, full_info, hidden names left out', async () => {
      await write('workflows/a.json', 'a');
      await write('workflows/.hidden.json', 'h');
      await write('workflows/sub/b.json', 'bb');
      await write('workflows/.git/c.json', 'c');
      await mkdir(join(root, 'workflows', 'empty'));
      const list = (dir: string, o: Partial<{ recurse: boolean; fullInfo: boolean; split: boolean }> = {}) =>
        data.list('alice', dir, { recurse: false, fullInfo: false, split: false, ...o });
      expect(await list('workflows')).toEqual({ ok: true, value: ['a.json'] });
      expect(await list('workflows', { recurse: true })).toEqual({
        ok: true,
        value: ['a.json', 'sub/b.json'],
      });
      expect(await list('workflows', { recurse: true, split: true })).toEqual({
        ok: true,
        value: [
          ['a.json', 'a.json'],
          ['sub/b.json', 'sub', 'b.json'],
        ],
      });
      const full = await list('workflows', { recurse: true, fullInfo: true, split: true });
      expect(full.ok && full.value).toEqual([
        {
          path: 'a.json',
          size: 1,
          modified: expect.any(Number) as number,
          created: expect.any(Number) as number,
        },
        {
          path: 'sub/b.json',
          size: 2,
          modified: expect.any(Number) as number,
          created: expect.any(Number) as number,
        },
      ]);
      expect(await list('.')).toEqual({ ok: true, value: [] });
      expect(await list('missing')).toEqual({ ok: false, problem: 'missing' });
      expect(await list('workflows/a.json')).toEqual({ ok: true, value: [] });
    });

    it('lists the whole tree for /v2/userdata, folders first, then by name ignoring case', async () => {
      expect(await data.listTree('alice', '')).toEqual({ ok: true, value: [] });
      await write('B.json', 'bb');
      await write('a.json', 'a');
      await write('zeta/c.json', 'c');
      await write('Alpha/.dot', 'd');
      await utimes(join(root, 'a.json'), 1_700_000_000.25, 1_700_000_000.25);
      const tree = await data.listTree('alice', '');
      expect(tree.ok && tree.value).toEqual([
        { name: 'Alpha', path: 'Alpha', type: 'directory' },
        { name: 'zeta', path: 'zeta', type: 'directory' },
        { name: '.dot', path: 'Alpha/.dot', type: 'file', size: 1, modified: expect.any(Number) as number },
        { name: 'a.json', path: 'a.json', type: 'file', size: 1, modified: 1_700_000_000.25 },
        { name: 'B.json', path: 'B.json', type: 'file', size: 2, modified: expect.any(Number) as number },
        {
          name: 'c.json',
          path: 'zeta/c.json',
          type: 'file',
          size: 1,
          modified: expect.any(Number) as number,
        },
      ]);
      const sub = await data.listTree('alice', 'zeta');
      expect(sub.ok && sub.value).toEqual([
        {
          name: 'c.json',
          path: 'zeta/c.json',
          type: 'file',
          size: 1,
          modified: expect.any(Number) as number,
        },
      ]);
      expect(await data.listTree('alice', 'nope')).toEqual({ ok: false, problem: 'missing' });
      expect(await data.listTree('alice', 'a.json')).toEqual({ ok: false, problem: 'not-directory' });
    });

    it('does not create the folder of a user who only lists with /v2/userdata', async () => {
      expect(await data.listTree('alice', '')).toEqual({ ok: true, value: [] });
      await expect(stat(root)).rejects.toThrow();
    });

    it('does not enter linked folders in /v2/userdata', async () => {
      await mkdir(root, { recursive: true });
      await symlink(join(userDir, 'bob'), join(root, 'link'));
      const tree = await data.listTree('alice', '');
      expect(tree.ok && tree.value).toEqual([{ name: 'link', path: 'link', type: 'directory' }]);
    });
  });

  describe('every way out of the user folder is refused on every operation', () => {
    const ways = [
      '..',
      '../bob/b.json',
      '../secret.txt',
      '%2e%2e%2fsecret.txt',
      '%252e%252e%252fsecret.txt',
      '..%5Csecret.txt',
      "<absolute path of bob's file>",
      '<absolute path of the sentinel>',
      'a%00b',
      'workflows/../../bob/b.json',
    ];

    it.each(ways)('%j', async (given) => {
      // absolute paths into the test's own folder only: a broken rule must not touch real files
      const way =
        given === '<absolute path of the sentinel>'
          ? join(userDir, 'secret.txt')
          : given.startsWith('<')
            ? join(userDir, 'bob', 'b.json')
            : given;
      await write('mine.json', 'mine');
      const opts = { overwrite: true, fullInfo: false };
      const refused = { ok: false, problem: 'outside' };
      expect(await data.read('alice', way)).toEqual(refused);
      expect(await write(way, 'overwritten')).toEqual(refused);
      expect(await data.delete('alice', way)).toEqual(refused);
      expect(await data.move('alice', way, 'stolen.json', opts)).toEqual(refused);
      expect(await data.move('alice', 'mine.json', way, opts)).toEqual(refused);
      expect(await data.list('alice', way, { recurse: true, fullInfo: false, split: false })).toEqual(
        refused,
      );
      expect(await data.listTree('alice', way)).toEqual(refused);
      expect(await readFile(join(root, 'mine.json'), 'utf8')).toBe('mine');
    });
  });
});
