import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestingServer, type TestingServer } from './testing/comfy-client.js';
import { rawRequest } from './testing/raw-http.js';

// Node packs' frontend extensions (`easel.web`), as ComfyUI's WEB_DIRECTORY: listed by
// GET /extensions after the frontend build's own, served at /extensions/<pack>/... (and /api/...),
// with the frontend's traversal rules, a pack shadowing a frontend folder of its name.

const FIXTURE = fileURLToPath(new URL('../test/fixtures/web-pack', import.meta.url));
const SECRET = 'PACK-WEB-SECRET: nothing may serve this';
const JS = 'application/javascript; charset=utf-8';

describe('node pack frontend extensions', () => {
  let testing: TestingServer;
  let packs: string;
  const get = (path: string) => rawRequest(testing.server.port, { path });

  beforeAll(async () => {
    // a copy of the fixture pack, so a link out of its web folder can be added
    packs = await mkdtemp(join(tmpdir(), 'easel-pack-web-'));
    const pack = join(packs, 'web-pack');
    await cp(FIXTURE, pack, { recursive: true });
    await writeFile(join(packs, 'secret.txt'), SECRET);
    await symlink(join(packs, 'secret.txt'), join(pack, 'web', 'leak.txt'));
    // a pack whose folder name needs quoting in URLs
    const quoted = join(packs, 'quoted');
    await mkdir(join(quoted, 'web'), { recursive: true });
    await writeFile(
      join(quoted, 'package.json'),
      JSON.stringify({ name: 'quoted', type: 'module', easel: { nodes: 'index.js', web: 'web' } }),
    );
    await writeFile(
      join(quoted, 'index.js'),
      "import { Node } from '@easel/core';\nexport class EaselQuotedNoop { execute() { return []; } }\nNode({ classType: 'EaselQuotedNoop', outputs: [] })(EaselQuotedNoop);\n",
    );
    await writeFile(join(quoted, 'web', 'q.js'), '// quoted\n');
    // a frontend build with its own extensions, one folder named like the pack
    const front = join(packs, 'front');
    await mkdir(join(front, 'extensions', 'core'), { recursive: true });
    await mkdir(join(front, 'extensions', 'web-pack'), { recursive: true });
    await writeFile(join(front, 'index.html'), '<!DOCTYPE html>');
    await writeFile(join(front, 'extensions', 'core', 'ext.js'), '// core extension\n');
    await writeFile(join(front, 'extensions', 'web-pack', 'shadowed.js'), '// shadowed\n');
    testing = await startTestingServer(['--front-end-root', front], {
      'web-pack': pack,
      'my pack (2)': quoted,
    });
  });

  afterAll(async () => {
    await testing.stop();
    await rm(packs, { recursive: true, force: true });
  });

  it('loads the pack with its web folder', async () => {
    const report = JSON.parse((await get('/internal/packs')).text) as {
      loaded: { name: string; web: { name: string; path: string } | null }[];
      failed: unknown[];
    };
    expect(report.failed).toEqual([]);
    const web = report.loaded.find((p) => p.name === 'easel-web-pack')?.web;
    expect(web).toEqual({ name: 'web-pack', path: expect.stringMatching(/web-pack\/web$/) as unknown });
  });

  it.each(['/extensions', '/api/extensions'])(
    '%s lists the frontend scripts, then each pack’s',
    async (path) => {
      const answer = await get(path);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual([
        '/extensions/core/ext.js',
        '/extensions/web-pack/shadowed.js',
        '/extensions/my%20pack%20%282%29/q.js',
        '/extensions/web-pack/main.js',
        '/extensions/web-pack/sub/util.js',
      ]);
    },
  );

  it.each(['', '/api'])(
    'serves the files at %s/extensions/<pack>/... with their content types',
    async (prefix) => {
      const cases: [string, string, string][] = [
        ['/extensions/web-pack/main.js', 'web/main.js', JS],
        ['/extensions/web-pack/sub/util.js', 'web/sub/util.js', JS],
        ['/extensions/web-pack/style.css', 'web/style.css', 'text/css'],
        ['/extensions/web%2Dpack/sub%2Futil.js', 'web/sub/util.js', JS],
      ];
      for (const [path, file, type] of cases) {
        const answer = await get(prefix + path);
        expect([path, answer.status, answer.headers['content-type']]).toEqual([path, 200, type]);
        expect(answer.text).toBe(await readFile(join(FIXTURE, file), 'utf8'));
        expect(answer.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
      }
      const quoted = await get(`${prefix}/extensions/my%20pack%20%282%29/q.js`);
      expect([quoted.status, quoted.text]).toEqual([200, '// quoted\n']);
    },
  );

  it('serves a range and answers 304 to a matching ETag', async () => {
    const first = await get('/extensions/web-pack/main.js');
    const etag = String(first.headers.etag);
    const again = await rawRequest(testing.server.port, {
      path: '/extensions/web-pack/main.js',
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    const range = await rawRequest(testing.server.port, {
      path: '/extensions/web-pack/main.js',
      headers: { range: 'bytes=0-1' },
    });
    expect([range.status, range.text]).toEqual([206, '//']);
  });

  it('lets a pack shadow the frontend folder of its name, and leaves the others to the frontend', async () => {
    expect((await get('/extensions/web-pack/shadowed.js')).status).toBe(404);
    const core = await get('/extensions/core/ext.js');
    expect([core.status, core.headers['content-type'], core.text]).toEqual([200, JS, '// core extension\n']);
    // the frontend build's files have no /api copy (as in ComfyUI)
    expect((await get('/api/extensions/core/ext.js')).status).toBe(404);
  });

  it.each([
    '/extensions/nope/main.js',
    '/api/extensions/nope/main.js',
    '/extensions/web-pack/missing.js',
    '/extensions/web-pack/',
  ])('answers 404 to %s', async (path) => {
    expect((await get(path)).status).toBe(404);
  });

  it('answers 403 to a folder', async () => {
    expect((await get('/extensions/web-pack/sub')).status).toBe(403);
  });

  it.each([
    '/extensions/web-pack/../secret.txt',
    '/extensions/web-pack/../../secret.txt',
    '/extensions/web-pack/%2e%2e/%2e%2e/secret.txt',
    '/extensions/web-pack/%2E%2E%2F%2E%2E%2Fsecret.txt',
    '/extensions/web-pack/%252e%252e/%252e%252e/secret.txt',
    '/extensions/web-pack/sub/..%5c..%5c..%5csecret.txt',
    '/extensions/web-pack/%00/../../secret.txt',
    '/extensions/web-pack/main.js%00',
    `/extensions/web-pack/${encodeURIComponent('/etc/passwd')}`,
    '/extensions/web-pack//etc/passwd',
    '/extensions/%2e%2e/secret.txt',
    '/extensions/..%2fweb-pack/../secret.txt',
    '/extensions/%ZZ/main.js',
    '/extensions/web-pack/leak.txt',
    '/api/extensions/web-pack/leak.txt',
    '/api/extensions/web-pack/%2e%2e/%2e%2e/secret.txt',
  ])('refuses %s without leaking', async (path) => {
    const answer = await get(path);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.text).not.toContain('PACK-WEB-SECRET');
    expect(answer.text).not.toContain('root:');
  });

  it('keeps serving after all that', async () => {
    expect((await get('/extensions/web-pack/main.js')).status).toBe(200);
  });
});
