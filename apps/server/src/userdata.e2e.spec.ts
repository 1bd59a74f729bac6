import { request, type IncomingHttpHeaders } from 'node:http';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startServerProcess, type ServerProcess } from './testing/server-process.js';

// Users, settings and user data (/users, /settings, /userdata, /v2/userdata) on the real, built
// server: every route's answers in single-user and multi-user mode, and every way out of a
// user's folder refused without touching the sentinel files put next to it.

const SECRET = 'TOP SECRET: no user data route may read, list, change or delete this';

/** --max-upload-size for the single-user server: 64 KiB, so a 413 needs no large test data. */
const MAX_UPLOAD_MB = '0.0625';
const MAX_UPLOAD_BYTES = 65536;

interface Answer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
  json(): unknown;
}

interface SendOptions {
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

/**
 * One request with the path sent exactly as written: fetch would resolve `..` and `%2e%2e`
 * segments before sending, hiding what the server does with them.
 */
function send(
  server: ServerProcess,
  method: string,
  path: string,
  options: SendOptions = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const outgoing = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path,
        headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...options.headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const data = Buffer.concat(chunks);
          resolve({
            status: response.statusCode ?? 0,
            statusText: response.statusMessage ?? '',
            headers: response.headers,
            body: data,
            text: data.toString('utf8'),
            json: () => JSON.parse(data.toString('utf8')) as unknown,
          });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Every file and folder under `dir` with file contents, leaving out `skip` (relative paths). */
async function snapshot(dir: string, skip: (path: string) => boolean): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  const walk = async (folder: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      const key = relative(dir, path);
      if (skip(key)) continue;
      if (entry.isDirectory()) {
        found[`${key}/`] = '';
        await walk(path);
      } else found[key] = await readFile(path, 'utf8');
    }
  };
  await walk(dir);
  return found;
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

const FILE_INFO = {
  path: expect.any(String) as unknown,
  size: expect.any(Number) as unknown,
  modified: expect.any(Number) as unknown,
  created: expect.any(Number) as unknown,
};

/**
 * Ways out of a user's folder as they go into a path segment (`/userdata/{file}`): the router
 * decodes once, ComfyUI once more; Easel refuses every further decoding too. `SENTINEL` is
 * replaced by the sentinel's absolute path.
 */
const SEGMENT_WAYS_OUT = [
  '..',
  '.',
  '..%2Fsecret.txt',
  '..%2F..%2Fsecret.txt',
  '%2e%2e',
  '%2e%2e%2Fsecret.txt',
  '%2E%2E%2fsecret.txt',
  '%252e%252e%252Fsecret.txt',
  '%25252e%25252e%25252Fsecret.txt',
  '..%5Csecret.txt',
  '..\\secret.txt',
  '%255c..%255csecret.txt',
  'workflows%2F..%2F..%2Fsecret.txt',
  '..%2Fusers.json',
  'a%00b',
  'a%2500b',
  'SENTINEL',
];

/** The same for query values (`dir=`, `path=`), before query encoding. */
const QUERY_WAYS_OUT = [
  '..',
  '../secret.txt',
  '../..',
  '%2e%2e',
  '%2e%2e/secret.txt',
  '%252e%252e%252fsecret.txt',
  '..\\',
  'workflows/../..',
  'a\0b',
  'SENTINEL',
];

describe('users, settings and user data (end to end)', () => {
  describe('single-user mode', () => {
    let base: string;
    let server: ServerProcess;
    let root: string;
    let before: Record<string, string>;
    const outsideRoot = (key: string) =>
      key === join('user', 'default') || key === 'temp' || key.startsWith('temp/');

    const get = (path: string, headers?: Record<string, string>) => send(server, 'GET', path, { headers });
    const post = (path: string, body?: string | Buffer, headers?: Record<string, string>) =>
      send(server, 'POST', path, { body, headers });

    beforeAll(async () => {
      base = await mkdtemp(join(tmpdir(), 'easel-userdata-e2e-'));
      // sentinels next to the default user's folder, in another user's folder, and above
      await mkdir(join(base, 'user', 'other'), { recursive: true });
      await writeFile(join(base, 'user', 'secret.txt'), SECRET);
      await writeFile(join(base, 'user', 'other', 'private.json'), SECRET);
      await writeFile(join(base, 'secret.txt'), SECRET);
      server = await startServerProcess([
        '--base-directory',
        base,
        '--state-store',
        'memory',
        '--max-upload-size',
        MAX_UPLOAD_MB,
      ]);
      root = join(base, 'user', 'default');
      before = await snapshot(base, outsideRoot);
    });

    afterAll(async () => {
      const code = await server?.stop();
      await rm(base, { recursive: true, force: true });
      expect(code).toBe(0);
    });

    it('answers GET /users with "migrated": false before the default folder exists, true after', async () => {
      const first = await get('/users');
      expect(first.status).toBe(200);
      expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(first.json()).toEqual({ storage: 'server', migrated: false });
      expect(await exists(root)).toBe(false);
      // the first settings read creates the user's folder
      expect((await get('/api/settings')).json()).toEqual({});
      expect(await exists(root)).toBe(true);
      expect((await get('/api/users')).json()).toEqual({ storage: 'server', migrated: true });
    });

    describe('settings', () => {
      it('round-trips settings posted as text/plain, merged shallowly, one by one and by id', async () => {
        const merged = await post('/api/settings', '{"Comfy.Locale": "fr", "nested": {"a": 1}}', {
          'content-type': 'text/plain;charset=UTF-8',
        });
        expect(merged.status).toBe(200);
        expect(merged.body.length).toBe(0);
        expect((await post('/settings', '{"nested": {"b": 2}, "Comfy.Theme": "dark"}')).status).toBe(200);
        const single = await post('/api/settings/Comfy.Locale', '"de"', { 'content-type': 'text/plain' });
        expect(single.status).toBe(200);
        expect(single.body.length).toBe(0);
        expect((await post('/settings/Comfy.Sidebar%2FWidth', '[1, 2.5, null]')).status).toBe(200);

        expect((await get('/settings')).json()).toEqual({
          'Comfy.Locale': 'de',
          nested: { b: 2 },
          'Comfy.Theme': 'dark',
          'Comfy.Sidebar/Width': [1, 2.5, null],
        });
        const one = await get('/api/settings/Comfy.Locale');
        expect(one.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(one.text).toBe('"de"');
        expect((await get('/settings/Comfy.Sidebar%2FWidth')).json()).toEqual([1, 2.5, null]);
        expect((await get('/settings/No.Such.Setting')).text).toBe('null');

        const file = await readFile(join(root, 'comfy.settings.json'), 'utf8');
        expect(file).toContain('\n    "Comfy.Locale": "de",\n');
        expect(JSON.parse(file)).toEqual((await get('/settings')).json());
      });

      it('ignores the comfy-user header without --multi-user', async () => {
        expect((await post('/settings/by.header', '1', { 'comfy-user': 'someone-else' })).status).toBe(200);
        expect((await get('/settings/by.header', { 'comfy-user': '__system' })).json()).toBe(1);
        expect(await exists(join(base, 'user', 'someone-else'))).toBe(false);
        expect(await exists(join(base, 'user', '__system'))).toBe(false);
      });

      it('answers 400 to a body that is not JSON, or not an object for POST /settings', async () => {
        for (const [path, body] of [
          ['/settings', '{broken'],
          ['/settings', '[1, 2]'],
          ['/settings', '"text"'],
          ['/settings', ''],
          ['/settings/x', '{broken'],
          ['/settings/x', ''],
        ]) {
          const answer = await post(path, body);
          expect([path, body, answer.status]).toEqual([path, body, 400]);
          expect((answer.json() as { error: { type: string } }).error.type).toBe('bad_request');
        }
        expect((await get('/settings/x')).text).toBe('null');
      });
    });

    describe('POST /userdata/{file}', () => {
      it('writes the raw body and answers the path as a JSON string, nested with %2F', async () => {
        const body = '{"nodes": [], "é": 1}';
        const answer = await post('/api/userdata/workflows%2Fmy%20flow.json', body, {
          'content-type': 'text/plain;charset=UTF-8',
        });
        expect(answer.status).toBe(200);
        expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(answer.json()).toBe('workflows/my flow.json');
        expect(await readFile(join(root, 'workflows', 'my flow.json'), 'utf8')).toBe(body);
      });

      it('writes any bytes as they are, whatever the content type says', async () => {
        const bytes = Buffer.from([0, 1, 2, 253, 254, 255, 0x7b]);
        const multipartLooking = Buffer.from(
          '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n',
        );
        expect(
          (await post('/userdata/bin.dat', bytes, { 'content-type': 'application/octet-stream' })).status,
        ).toBe(200);
        expect(await readFile(join(root, 'bin.dat'))).toEqual(bytes);
        expect(
          (
            await post('/userdata/form.txt', multipartLooking, {
              'content-type': 'multipart/form-data; boundary=x',
            })
          ).status,
        ).toBe(200);
        expect(await readFile(join(root, 'form.txt'))).toEqual(multipartLooking);
        expect(
          (await post('/userdata/json.json', '{"a":1}', { 'content-type': 'application/json' })).status,
        ).toBe(200);
        expect(await readFile(join(root, 'json.json'), 'utf8')).toBe('{"a":1}');
        expect((await post('/userdata/empty.txt')).json()).toBe('empty.txt');
        expect(await readFile(join(root, 'empty.txt'), 'utf8')).toBe('');
      });

      it('answers full_info with the path from the user folder, size and millisecond times', async () => {
        const started = Date.now();
        const answer = await post('/userdata/workflows%2Fsub%2Finfo.json?full_info=true', '12345');
        expect(answer.status).toBe(200);
        const info = answer.json() as { path: string; size: number; modified: number; created: number };
        expect(info).toEqual({ ...FILE_INFO, path: 'workflows/sub/info.json', size: 5 });
        expect(Number.isInteger(info.modified) && Number.isInteger(info.created)).toBe(true);
        expect(Math.abs(info.modified - started)).toBeLessThan(10_000);
      });

      it('answers 409 "File already exists" with overwrite=false, and overwrites otherwise', async () => {
        await post('/userdata/keep.json', 'first');
        const refused = await post('/userdata/keep.json?overwrite=false', 'second');
        expect(refused.status).toBe(409);
        expect(refused.text).toBe('File already exists');
        expect(await readFile(join(root, 'keep.json'), 'utf8')).toBe('first');
        // only the exact string "false" disables overwriting
        expect((await post('/userdata/keep.json?overwrite=False', 'third')).status).toBe(200);
        expect(await readFile(join(root, 'keep.json'), 'utf8')).toBe('third');
        expect((await post('/userdata/keep.json', 'fourth')).status).toBe(200);
        expect(await readFile(join(root, 'keep.json'), 'utf8')).toBe('fourth');
        expect((await post('/userdata/fresh.json?overwrite=false', 'new')).status).toBe(200);
      });

      it("answers 400 with ComfyUI's reason phrase for names the file system refuses", async () => {
        const tooLong = await post(`/userdata/${'x'.repeat(300)}.json`, 'a');
        expect(tooLong.status).toBe(400);
        expect(tooLong.statusText).toBe('Invalid filename. Please avoid special characters like :\\/*?"<>|');
        expect(tooLong.body.length).toBe(0);
        await post('/userdata/plain.txt', 'a');
        expect((await post('/userdata/plain.txt%2Finside.json', 'a')).status).toBe(400);
        expect((await post('/userdata/workflows', 'a')).status).toBe(400);
      });

      it('answers 413 to a body above --max-upload-size and writes nothing', async () => {
        const answer = await post('/userdata/big.bin', Buffer.alloc(MAX_UPLOAD_BYTES + 1, 1));
        expect(answer.status).toBe(413);
        expect(await exists(join(root, 'big.bin'))).toBe(false);
        expect((await post('/userdata/limit.bin', Buffer.alloc(MAX_UPLOAD_BYTES, 1))).status).toBe(200);
      });
    });

    describe('GET /userdata/{file}', () => {
      it('sends the file as a download that is not sniffed, with FileResponse headers', async () => {
        await post('/userdata/workflows%2Fread.json', '{"x": 1}');
        for (const prefix of ['', '/api']) {
          const answer = await get(`${prefix}/userdata/workflows%2Fread.json`);
          expect(answer.status).toBe(200);
          expect(answer.text).toBe('{"x": 1}');
          expect(answer.headers['content-type']).toBe('application/json');
          expect(answer.headers['content-disposition']).toBe('attachment');
          expect(answer.headers['x-content-type-options']).toBe('nosniff');
          expect(answer.headers['content-length']).toBe('8');
          expect(answer.headers.etag).toMatch(/^"[0-9a-f]+-8"$/);
        }
        const head = await send(server, 'HEAD', '/userdata/workflows%2Fread.json');
        expect(head.status).toBe(200);
        expect(head.body.length).toBe(0);
        const range = await get('/userdata/workflows%2Fread.json', { range: 'bytes=1-3' });
        expect(range.status).toBe(206);
        expect(range.text).toBe('"x"');
      });

      it('sends types a browser would run as application/octet-stream, except <user root>/user.css', async () => {
        for (const [name, content] of [
          ['page.html', '<script>alert(1)</script>'],
          ['pic.svg', '<svg xmlns="http://www.w3.org/2000/svg"/>'],
          ['code.js', 'alert(1)'],
          ['data.xml', '<a/>'],
          ['sub%2Fuser.css', 'p{}'],
          ['theme.css', 'p{}'],
        ]) {
          await post(`/userdata/${name}`, content);
          const answer = await get(`/userdata/${name}`);
          expect([name, answer.status, answer.headers['content-type']]).toEqual([
            name,
            200,
            'application/octet-stream',
          ]);
          expect(answer.headers['content-disposition']).toBe('attachment');
          expect(answer.headers['x-content-type-options']).toBe('nosniff');
          expect(answer.text).toBe(content);
        }
        await post('/userdata/user.css', 'body { color: red }');
        const css = await get('/api/userdata/user.css');
        expect(css.status).toBe(200);
        expect(css.headers['content-type']).toBe('text/css');
        expect(css.headers['content-disposition']).toBe('inline');
        expect(css.headers['x-content-type-options']).toBe('nosniff');
        expect(css.text).toBe('body { color: red }');
      });

      it('answers 404 with no body for a missing file or a folder', async () => {
        for (const path of [
          '/userdata/missing.json',
          '/userdata/workflows',
          '/userdata/nope%2Fdeeper%2Fx.json',
        ]) {
          const answer = await get(path);
          expect([path, answer.status, answer.body.length]).toEqual([path, 404, 0]);
        }
        // reading does not create folders on the way
        expect(await exists(join(root, 'nope'))).toBe(false);
      });
    });

    describe('GET /userdata?dir=', () => {
      beforeAll(async () => {
        await post('/userdata/listing%2Fa.json', 'a');
        await post('/userdata/listing%2F.hidden.json', 'h');
        await post('/userdata/listing%2Fsub%2Fb.json', 'bb');
        await post('/userdata/listing%2F.git%2Fc.json', 'c');
        await mkdir(join(root, 'listing', 'empty'), { recursive: true });
      });

      it('lists the files of a folder, recursively, split or with full_info, hidden names left out', async () => {
        const list = async (query: string) => {
          const answer = await get(`/api/userdata?${query}`);
          expect(answer.status).toBe(200);
          expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
          return answer.json();
        };
        expect(await list('dir=listing')).toEqual(['a.json']);
        expect(await list('dir=listing&recurse=true')).toEqual(['a.json', 'sub/b.json']);
        expect(await list('dir=listing&recurse=TRUE&split=true')).toEqual([
          ['a.json', 'a.json'],
          ['sub/b.json', 'sub', 'b.json'],
        ]);
        // the frontend's workflow list
        expect(await list('dir=listing&recurse=true&split=false&full_info=true')).toEqual([
          { ...FILE_INFO, path: 'a.json', size: 1 },
          { ...FILE_INFO, path: 'sub/b.json', size: 2 },
        ]);
        expect(await list('dir=listing&recurse=1')).toEqual(['a.json']);
        expect(await list('dir=listing%2Fsub')).toEqual(['b.json']);
        expect(await list('dir=listing/empty')).toEqual([]);
      });

      it("answers ComfyUI's texts: 400 without dir, 404 for a missing folder", async () => {
        for (const query of ['', 'dir=', 'recurse=true']) {
          const answer = await get(`/userdata?${query}`);
          expect([query, answer.status, answer.text]).toEqual([query, 400, 'Directory not provided']);
          expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
        }
        const missing = await get('/userdata?dir=no-such-folder');
        expect([missing.status, missing.text]).toEqual([404, 'Directory not found']);
      });
    });

    describe('GET /v2/userdata', () => {
      it('lists every folder and file below a path, folders first, then by name ignoring case', async () => {
        await post('/userdata/tree%2FZeta.json', 'z');
        await post('/userdata/tree%2Falpha.json', 'aa');
        await post('/userdata/tree%2FInner%2Fdeep.json', 'ddd');
        const answer = await get('/api/v2/userdata?path=tree');
        expect(answer.status).toBe(200);
        expect(answer.json()).toEqual([
          { name: 'Inner', path: 'tree/Inner', type: 'directory' },
          {
            name: 'alpha.json',
            path: 'tree/alpha.json',
            type: 'file',
            size: 2,
            modified: expect.any(Number),
          },
          {
            name: 'deep.json',
            path: 'tree/Inner/deep.json',
            type: 'file',
            size: 3,
            modified: expect.any(Number),
          },
          { name: 'Zeta.json', path: 'tree/Zeta.json', type: 'file', size: 1, modified: expect.any(Number) },
        ]);
        const modified = (answer.json() as { modified?: number }[])[1].modified ?? 0;
        expect(Math.abs(modified * 1000 - Date.now())).toBeLessThan(60_000);
        expect((await get('/v2/userdata?path=tree%252FInner')).json()).toEqual([
          {
            name: 'deep.json',
            path: 'tree/Inner/deep.json',
            type: 'file',
            size: 3,
            modified: expect.any(Number),
          },
        ]);
        const all = (await get('/v2/userdata')).json() as { path: string }[];
        expect(all.map((e) => e.path)).toEqual(
          expect.arrayContaining(['tree', 'comfy.settings.json', 'tree/Inner']),
        );
      });

      it("answers ComfyUI's texts for a missing path and a file", async () => {
        const missing = await get('/v2/userdata?path=no-such');
        expect([missing.status, missing.text]).toEqual([404, 'Requested path not found']);
        const file = await get('/v2/userdata?path=tree%2FZeta.json');
        expect([file.status, file.text]).toEqual([400, 'Requested path is not a directory']);
      });
    });

    describe('DELETE /userdata/{file}', () => {
      it('deletes a file with 204 and no body; 404 when missing, 400 for a folder', async () => {
        await post('/userdata/gone%2Fbye.json', 'x');
        const answer = await send(server, 'DELETE', '/api/userdata/gone%2Fbye.json');
        expect(answer.status).toBe(204);
        expect(answer.body.length).toBe(0);
        expect(await exists(join(root, 'gone', 'bye.json'))).toBe(false);
        const again = await send(server, 'DELETE', '/userdata/gone%2Fbye.json');
        expect([again.status, again.body.length]).toEqual([404, 0]);
        expect((await send(server, 'DELETE', '/userdata/gone')).status).toBe(400);
        expect(await exists(join(root, 'gone'))).toBe(true);
      });
    });

    describe('POST /userdata/{file}/move/{dest}', () => {
      it('moves and renames, creating the destination folder, answering the new path', async () => {
        await post('/userdata/mv%2Fa.json', 'A');
        const answer = await post('/api/userdata/mv%2Fa.json/move/mv%2Fnew%2Fb.json');
        expect(answer.status).toBe(200);
        expect(answer.json()).toBe('mv/new/b.json');
        expect(await exists(join(root, 'mv', 'a.json'))).toBe(false);
        expect(await readFile(join(root, 'mv', 'new', 'b.json'), 'utf8')).toBe('A');
        const info = await post('/userdata/mv%2Fnew%2Fb.json/move/mv%2Fc.json?full_info=true');
        expect(info.json()).toEqual({ ...FILE_INFO, path: 'mv/c.json', size: 1 });
      });

      it('answers 409 with overwrite=false (the frontend default) and replaces otherwise; 404 for no source', async () => {
        await post('/userdata/mv%2Fx.json', 'X');
        await post('/userdata/mv%2Fy.json', 'Y');
        const refused = await post('/userdata/mv%2Fx.json/move/mv%2Fy.json?overwrite=false');
        expect([refused.status, refused.text]).toEqual([409, 'File already exists']);
        expect(await readFile(join(root, 'mv', 'y.json'), 'utf8')).toBe('Y');
        expect((await post('/userdata/mv%2Fx.json/move/mv%2Fy.json')).status).toBe(200);
        expect(await readFile(join(root, 'mv', 'y.json'), 'utf8')).toBe('X');
        const missing = await post('/userdata/mv%2Fnone.json/move/mv%2Fz.json');
        expect([missing.status, missing.body.length]).toEqual([404, 0]);
      });
    });

    describe('every way out of the user folder, on every route', () => {
      beforeAll(async () => {
        await post('/userdata/mine.json', 'mine');
      });

      const segment = (way: string) =>
        way === 'SENTINEL' ? encodeURIComponent(join(base, 'user', 'secret.txt')) : way;
      const queryValue = (way: string) =>
        encodeURIComponent(way === 'SENTINEL' ? join(base, 'user', 'secret.txt') : way);

      it.each(SEGMENT_WAYS_OUT)(
        'refuses /userdata/%s with 403 on GET, POST, DELETE and both ends of a move',
        async (way) => {
          const path = segment(way);
          const answers = {
            get: (await get(`/userdata/${path}`)).status,
            head: (await send(server, 'HEAD', `/userdata/${path}`)).status,
            post: (await post(`/userdata/${path}`, 'overwritten')).status,
            postApi: (await post(`/api/userdata/${path}?overwrite=true`, 'overwritten')).status,
            delete: (await send(server, 'DELETE', `/userdata/${path}`)).status,
            moveFrom: (await post(`/userdata/${path}/move/stolen.json`)).status,
            moveTo: (await post(`/userdata/mine.json/move/${path}`)).status,
          };
          expect(answers).toEqual({
            get: 403,
            head: 403,
            post: 403,
            postApi: 403,
            delete: 403,
            moveFrom: 403,
            moveTo: 403,
          });
          expect(await readFile(join(root, 'mine.json'), 'utf8')).toBe('mine');
        },
      );

      it.each(QUERY_WAYS_OUT)('refuses %j as dir= (403) and as path= (400)', async (way) => {
        const list = await get(`/userdata?dir=${queryValue(way)}&recurse=true`);
        expect([list.status, list.text]).toEqual([403, 'Invalid directory']);
        const tree = await get(`/v2/userdata?path=${queryValue(way)}`);
        expect([tree.status, tree.text]).toEqual([400, 'Invalid path requested']);
      });

      it('never routes literal ../ segments to a user data route', async () => {
        for (const path of [
          '/userdata/../secret.txt',
          '/userdata/../../secret.txt',
          '/api/userdata/../user/secret.txt',
        ]) {
          for (const method of ['GET', 'POST', 'DELETE']) {
            const answer = await send(server, method, path, { body: method === 'POST' ? 'x' : undefined });
            expect([method, path, answer.text.includes(SECRET)]).toEqual([method, path, false]);
            expect([method, path, answer.status >= 400]).toEqual([method, path, true]);
          }
        }
      });

      it('refuses a path longer than any request line aiohttp accepts', async () => {
        const answer = await post(`/userdata/${'a%2F'.repeat(2100)}x.json`, 'x');
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expect(await exists(join(root, 'a'))).toBe(false);
      });

      it('changed nothing outside the user folder', async () => {
        expect(await snapshot(base, outsideRoot)).toEqual(before);
        expect(await readFile(join(base, 'user', 'secret.txt'), 'utf8')).toBe(SECRET);
        expect(await readFile(join(base, 'user', 'other', 'private.json'), 'utf8')).toBe(SECRET);
        expect(await readFile(join(base, 'secret.txt'), 'utf8')).toBe(SECRET);
        expect(await exists(join(base, 'user', 'stolen.json'))).toBe(false);
        expect(await exists(join(base, 'stolen.json'))).toBe(false);
      });
    });

    it('creates users with POST /users even without --multi-user, as ComfyUI does', async () => {
      const created = await post('/api/users', '{"username": "Alice"}', { 'content-type': 'text/plain' });
      expect(created.status).toBe(200);
      expect(created.json()).toMatch(
        /^Alice_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      const users = JSON.parse(await readFile(join(base, 'user', 'users.json'), 'utf8')) as Record<
        string,
        string
      >;
      expect(users).toEqual({ default: 'default', [created.json() as string]: 'Alice' });
      // still single-user: GET /users does not list them
      expect((await get('/users')).json()).toEqual({ storage: 'server', migrated: true });
    });
  });

  describe('multi-user mode', () => {
    let base: string;
    let server: ServerProcess;
    let userDir: string;
    let before: Record<string, string>;
    const ALICE = 'alice_1';
    const BOB = 'bob_2';
    const as = (user: string | null): Record<string, string> => (user === null ? {} : { 'comfy-user': user });
    const get = (user: string | null, path: string) => send(server, 'GET', path, { headers: as(user) });
    const post = (user: string | null, path: string, body?: string) =>
      send(server, 'POST', path, { body, headers: as(user) });
    const del = (user: string | null, path: string) => send(server, 'DELETE', path, { headers: as(user) });

    beforeAll(async () => {
      base = await mkdtemp(join(tmpdir(), 'easel-multiuser-e2e-'));
      userDir = join(base, 'user');
      await mkdir(join(userDir, BOB, 'workflows'), { recursive: true });
      await mkdir(join(userDir, '__system'), { recursive: true });
      await writeFile(
        join(userDir, 'users.json'),
        JSON.stringify({ [ALICE]: 'Alice', [BOB]: 'Bob', __system: 'System' }),
      );
      await writeFile(join(userDir, BOB, 'workflows', 'private.json'), SECRET);
      await writeFile(join(userDir, BOB, 'comfy.settings.json'), '{"Bob.Secret": "' + SECRET + '"}');
      await writeFile(join(userDir, '__system', 'secret.json'), SECRET);
      await writeFile(join(userDir, 'secret.txt'), SECRET);
      server = await startServerProcess([
        '--base-directory',
        base,
        '--state-store',
        'memory',
        '--multi-user',
      ]);
      before = await snapshot(
        base,
        (key) => key === join('user', ALICE) || key === 'temp' || key.startsWith('temp/'),
      );
    });

    afterAll(async () => {
      const code = await server?.stop();
      await rm(base, { recursive: true, force: true });
      expect(code).toBe(0);
    });

    it('lists the users of users.json, without system users', async () => {
      const answer = await get(null, '/api/users');
      expect(answer.status).toBe(200);
      expect(answer.json()).toEqual({ storage: 'server', users: { [ALICE]: 'Alice', [BOB]: 'Bob' } });
    });

    it.each([
      ['no comfy-user header (default is not listed)', null],
      ['an unknown user', 'mallory'],
      ['an empty comfy-user', ''],
      ['a system user', '__system'],
      ['another system user', '__anything'],
      ['a user id that differs in case', 'ALICE_1'],
    ])("refuses %s with ComfyUI's statuses on every route", async (_, user) => {
      const settings = await get(user, '/settings');
      expect(settings.status).toBe(401);
      expect((await get(user, '/settings/Bob.Secret')).status).toBe(401);
      expect((await post(user, '/settings', '{"a": 1}')).status).toBe(401);
      expect((await post(user, '/settings/a', '1')).status).toBe(401);
      const tree = await get(user, '/v2/userdata');
      expect([tree.status, tree.text]).toEqual([403, 'Invalid user specified in request']);
      const refused = [
        await get(user, '/userdata?dir=workflows'),
        await get(user, '/userdata/secret.json'),
        await get(user, '/userdata/workflows%2Fprivate.json'),
        await post(user, '/userdata/new.json', 'x'),
        await del(user, '/userdata/secret.json'),
        await post(user, '/userdata/secret.json/move/x.json'),
      ];
      expect(refused.map((a) => a.status)).toEqual([403, 403, 403, 403, 403, 403]);
      for (const answer of [settings, ...refused]) {
        expect(answer.text).not.toContain(SECRET);
        expect((answer.json() as { error: { message: string } }).error.message).toBe('Unknown user');
      }
    });

    it('keeps settings per user', async () => {
      expect((await post(ALICE, '/api/settings', '{"Comfy.Locale": "fr"}')).status).toBe(200);
      expect((await get(ALICE, '/settings')).json()).toEqual({ 'Comfy.Locale': 'fr' });
      expect((await get(BOB, '/settings')).json()).toEqual({ 'Bob.Secret': SECRET });
      expect((await get(ALICE, '/settings/Bob.Secret')).text).toBe('null');
      const file = JSON.parse(await readFile(join(userDir, ALICE, 'comfy.settings.json'), 'utf8')) as unknown;
      expect(file).toEqual({ 'Comfy.Locale': 'fr' });
    });

    it("keeps one user's files from the other on every route", async () => {
      expect((await post(ALICE, '/userdata/workflows%2Fprivate.json', 'alice')).json()).toBe(
        'workflows/private.json',
      );
      // same name, two files
      expect(await readFile(join(userDir, ALICE, 'workflows', 'private.json'), 'utf8')).toBe('alice');
      expect(await readFile(join(userDir, BOB, 'workflows', 'private.json'), 'utf8')).toBe(SECRET);
      expect((await get(ALICE, '/userdata/workflows%2Fprivate.json')).text).toBe('alice');
      expect((await get(BOB, '/userdata/workflows%2Fprivate.json')).text).toBe(SECRET);
      expect((await get(ALICE, '/userdata?dir=workflows')).json()).toEqual(['private.json']);
      await post(ALICE, '/userdata/only-alice.json', 'a');
      expect((await get(BOB, '/userdata/only-alice.json')).status).toBe(404);
      const bobTree = (await get(BOB, '/v2/userdata')).json() as { path: string }[];
      expect(bobTree.map((e) => e.path)).not.toContain('only-alice.json');
      expect((await del(BOB, '/userdata/only-alice.json')).status).toBe(404);
      expect((await post(BOB, '/userdata/only-alice.json/move/mine.json')).status).toBe(404);
      expect(await readFile(join(userDir, ALICE, 'only-alice.json'), 'utf8')).toBe('a');
    });

    const ways = [
      `..%2F${BOB}%2Fworkflows%2Fprivate.json`,
      `%2e%2e%2F${BOB}%2Fworkflows%2Fprivate.json`,
      `%252e%252e%252F${BOB}%252Fworkflows%252Fprivate.json`,
      `%25252e%25252e%25252F${BOB}%25252Fworkflows%25252Fprivate.json`,
      `..%5C${BOB}%5Cworkflows%5Cprivate.json`,
      `..%2F__system%2Fsecret.json`,
      `%2e%2e%2F__system%2Fsecret.json`,
      `workflows%2F..%2F..%2F${BOB}%2Fcomfy.settings.json`,
      'ABSOLUTE',
    ];

    it.each(ways)("refuses alice's way %s into bob's and the system user's files", async (way) => {
      const path =
        way === 'ABSOLUTE' ? encodeURIComponent(join(userDir, BOB, 'workflows', 'private.json')) : way;
      const answers = [
        await get(ALICE, `/userdata/${path}`),
        await post(ALICE, `/userdata/${path}`, 'overwritten by alice'),
        await del(ALICE, `/userdata/${path}`),
        await post(ALICE, `/userdata/${path}/move/stolen.json`),
        await post(ALICE, `/userdata/only-alice.json/move/${path}`),
        await get(ALICE, `/userdata?dir=${path}`),
      ];
      expect(answers.map((a) => a.status)).toEqual([403, 403, 403, 403, 403, 403]);
      for (const answer of answers) expect(answer.text).not.toContain(SECRET);
      const tree = await get(ALICE, `/v2/userdata?path=${path}`);
      expect([tree.status, tree.text]).toEqual([400, 'Invalid path requested']);
    });

    it('creates users with POST /users, usable at once, and refuses duplicates and system names', async () => {
      const created = await post(null, '/users', '{"username": "Carol Smith!"}');
      expect(created.status).toBe(200);
      const id = created.json() as string;
      expect(id).toMatch(/^Carol-Smith-_[0-9a-f-]{36}$/);
      expect((await get(null, '/users')).json()).toEqual({
        storage: 'server',
        users: { [ALICE]: 'Alice', [BOB]: 'Bob', [id]: 'Carol Smith!' },
      });
      const stored = JSON.parse(await readFile(join(userDir, 'users.json'), 'utf8')) as Record<
        string,
        string
      >;
      expect(stored).toEqual({ [ALICE]: 'Alice', [BOB]: 'Bob', __system: 'System', [id]: 'Carol Smith!' });
      expect((await get(id, '/settings')).status).toBe(200);
      expect((await post(id, '/userdata/c.json', 'c')).status).toBe(200);
      expect(await readFile(join(userDir, id, 'c.json'), 'utf8')).toBe('c');

      for (const [body, error] of [
        ['{"username": "Alice"}', 'Duplicate username.'],
        ['{"username": "__root"}', 'System User prefix not allowed'],
        ['{"username": "   "}', 'username not provided'],
        ['{"name": "x"}', 'username not provided'],
        ['{broken', 'username not provided'],
      ]) {
        const answer = await post(null, '/api/users', body);
        expect([body, answer.status, answer.json()]).toEqual([body, 400, { error }]);
      }
      expect(
        Object.keys(JSON.parse(await readFile(join(userDir, 'users.json'), 'utf8')) as object),
      ).toHaveLength(4);
    });

    it("changed nothing outside alice's folder but what POST /users did", async () => {
      const after = await snapshot(
        base,
        (key) =>
          key === join('user', ALICE) ||
          key === 'temp' ||
          key.startsWith('temp/') ||
          key.startsWith(join('user', 'Carol')),
      );
      delete after[join('user', 'users.json')];
      const expected = { ...before };
      delete expected[join('user', 'users.json')];
      expect(after).toEqual(expected);
      expect(await readFile(join(userDir, BOB, 'workflows', 'private.json'), 'utf8')).toBe(SECRET);
      expect(await readFile(join(userDir, '__system', 'secret.json'), 'utf8')).toBe(SECRET);
      expect(await readFile(join(userDir, 'secret.txt'), 'utf8')).toBe(SECRET);
      expect(await exists(join(userDir, 'stolen.json'))).toBe(false);
    });
  });
});
