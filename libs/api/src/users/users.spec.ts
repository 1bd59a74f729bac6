import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerConfig } from '../config/server-config.js';
import { ConsoleLogger } from '../logging/console-logger.js';
import { asciiJson } from './python-json.js';
import { isPublicUserId, newUserId } from './user-ids.js';
import { UserFilesRepository } from './user-files.repository.js';
import { UnknownUserError, UserService } from './user.service.js';
import { UsersRepository } from './users.repository.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('user ids', () => {
  it("sanitises names as ComfyUI's add_user and appends a UUID4", () => {
    const fixed = () => '00000000-0000-4000-8000-000000000000';
    expect(newUserId('  Alice ', fixed)).toEqual({
      ok: true,
      id: 'Alice_00000000-0000-4000-8000-000000000000',
    });
    expect(newUserId('Bob Smith/../é!', fixed)).toEqual({
      ok: true,
      id: 'Bob-Smith-_00000000-0000-4000-8000-000000000000',
    });
    expect(newUserId('a-b_c9', fixed)).toMatchObject({ id: 'a-b_c9_00000000-0000-4000-8000-000000000000' });
    const random = newUserId('x');
    expect(random.ok && UUID.test(random.id.slice(2))).toBe(true);
  });

  it("refuses empty names and the system prefix with ComfyUI's texts", () => {
    expect(newUserId('')).toEqual({ ok: false, error: 'username not provided' });
    expect(newUserId(' \t ')).toEqual({ ok: false, error: 'username not provided' });
    expect(newUserId('__system')).toEqual({ ok: false, error: 'System User prefix not allowed' });
    expect(newUserId('  __x')).toEqual({ ok: false, error: 'System User prefix not allowed' });
  });

  it('takes only plain, non-system folder names for request users', () => {
    expect(isPublicUserId('default')).toBe(true);
    expect(isPublicUserId('Alice_1234')).toBe(true);
    for (const id of ['', '__system', '__', '.', '..', 'a/b', 'a\\b', 'a\0b'])
      expect(isPublicUserId(id)).toBe(false);
  });

  it('writes JSON as Python does with ensure_ascii', () => {
    expect(asciiJson({ é: 'ü😀' })).toBe('{"\\u00e9":"\\u00fc\\ud83d\\ude00"}');
    expect(asciiJson({ a: [1] }, 4)).toBe('{\n    "a": [\n        1\n    ]\n}');
  });
});

describe('UserService', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'easel-users-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function service(multiUser: boolean): Promise<UserService> {
    const config = { multiUser, directories: { user: dir } } as unknown as ServerConfig;
    const files = new UserFilesRepository();
    const users = new UserService(
      config,
      new UsersRepository(config, files),
      files,
      new ConsoleLogger('CRITICAL'),
    );
    await users.onModuleInit();
    return users;
  }

  const usersFile = async () => JSON.parse(await readFile(join(dir, 'users.json'), 'utf8')) as unknown;

  it('makes everyone "default" without --multi-user, whatever the header says', async () => {
    const users = await service(false);
    expect(users.requestUser(undefined)).toBe('default');
    expect(users.requestUser('__system')).toBe('default');
    expect(users.requestUser('someone')).toBe('default');
    expect(users.userRoot('default')).toBe(join(dir, 'default'));
  });

  it('answers GET /users without --multi-user: migrated once the default folder exists', async () => {
    const users = await service(false);
    expect(await users.listing()).toEqual({ storage: 'server', migrated: false });
    await users.ensureUserRoot('default');
    expect(await users.listing()).toEqual({ storage: 'server', migrated: true });
  });

  it('picks the comfy-user header with --multi-user, and refuses unknown and system users alike', async () => {
    await writeFile(
      join(dir, 'users.json'),
      JSON.stringify({ default: 'default', alice_1: 'Alice', __system: 'sys', '..': 'dots', 'a/b': 'slash' }),
    );
    const users = await service(true);
    expect(users.requestUser(undefined)).toBe('default');
    expect(users.requestUser('alice_1')).toBe('alice_1');
    for (const header of ['bob', '', '__system', '__anything', '..', 'a/b', 'ALICE_1']) {
      expect(() => users.requestUser(header)).toThrow(UnknownUserError);
    }
    // the same message for all: no probing of which system users exist
    expect(() => users.requestUser('__system')).toThrow('Unknown user');
    expect(await users.listing()).toEqual({
      storage: 'server',
      users: { default: 'default', alice_1: 'Alice' },
    });
  });

  it('refuses the implicit default user when users.json does not list it', async () => {
    await writeFile(join(dir, 'users.json'), JSON.stringify({ alice_1: 'Alice' }));
    const users = await service(true);
    expect(() => users.requestUser(undefined)).toThrow(UnknownUserError);
  });

  it('starts multi-user mode with no users when users.json is missing', async () => {
    const users = await service(true);
    expect(await users.listing()).toEqual({ storage: 'server', users: {} });
    expect(() => users.requestUser(undefined)).toThrow(UnknownUserError);
  });

  it('creates users, rewrites users.json and knows them at once', async () => {
    const users = await service(true);
    const created = await users.create(' Alice ');
    expect(created.ok).toBe(true);
    const id = created.ok ? created.id : '';
    expect(id).toMatch(/^Alice_[0-9a-f-]{36}$/);
    expect(await usersFile()).toEqual({ [id]: 'Alice' });
    expect(users.requestUser(id)).toBe(id);
    expect(await users.create('Alice')).toEqual({ ok: false, error: 'Duplicate username.' });
    expect(await users.create(' Alice')).toEqual({ ok: false, error: 'Duplicate username.' });
    expect(await users.create('__root')).toEqual({ ok: false, error: 'System User prefix not allowed' });
    expect(await users.create('')).toEqual({ ok: false, error: 'username not provided' });
    expect(Object.keys((await usersFile()) as object)).toEqual([id]);
  });

  it('keeps every one of many users created at once', async () => {
    const users = await service(true);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => users.create(`user ${i}`)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(Object.keys((await usersFile()) as object)).toHaveLength(20);
  });

  it('writes users.json with the default user in single-user mode, as ComfyUI', async () => {
    const users = await service(false);
    expect(await users.create('default')).toEqual({ ok: false, error: 'Duplicate username.' });
    const created = await users.create('Bob');
    expect(created.ok).toBe(true);
    expect(Object.values((await usersFile()) as object).sort()).toEqual(['Bob', 'default']);
  });

  it('stops a multi-user start on a broken users.json, and ignores it in single-user mode', async () => {
    await writeFile(join(dir, 'users.json'), '{not json');
    await expect(service(true)).rejects.toThrow(/users\.json is not valid JSON/);
    await writeFile(join(dir, 'users.json'), '["a"]');
    await expect(service(true)).rejects.toThrow(/must hold a JSON object/);
    await writeFile(join(dir, 'users.json'), '{"a": 1}');
    await expect(service(true)).rejects.toThrow(/display name of "a" must be a string/);
    const single = await service(false);
    expect(single.requestUser(undefined)).toBe('default');
  });

  it('creates the user folder on first use', async () => {
    await mkdir(dir, { recursive: true });
    const users = await service(false);
    const root = await users.ensureUserRoot('default');
    expect(root).toBe(join(dir, 'default'));
    expect(await new UserFilesRepository().kindOf(root)).toBe('directory');
  });
});
