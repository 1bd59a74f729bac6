import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphBuilder } from '@easel/core';
import { ComfyClient, startTestingServer, type TestingServer } from './testing/comfy-client.js';
import { rawRequest } from './testing/raw-http.js';
import { startServerProcess, type ServerProcess } from './testing/server-process.js';

// The web UI on the real server: a frontend build from --front-end-root (content types, cache
// headers, traversal refused, API routes never shadowed), Easel's own page at / without one, the
// small routes the frontend loads at start, and the log routes with their WebSocket messages.

const SECRET = 'TOP SECRET: nothing may serve this';
const INDEX = '<!DOCTYPE html><html><head><script type="module" src="/assets/app.js"></script></head></html>';
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

describe('a frontend build from --front-end-root', () => {
  let base: string;
  let root: string;
  let server: ServerProcess;
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    rawRequest(server.port, { path, headers, method });

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'easel-frontend-e2e-'));
    root = join(base, 'web');
    await mkdir(join(root, 'assets', 'nested'), { recursive: true });
    await mkdir(join(root, 'extensions', 'core'), { recursive: true });
    await writeFile(join(root, 'index.html'), INDEX);
    await writeFile(join(root, 'assets', 'app.js'), 'console.log("app");\n');
    await writeFile(join(root, 'assets', 'style.css'), 'body { color: red }\n');
    await writeFile(join(root, 'assets', 'logo.png'), PNG);
    await writeFile(join(root, 'assets', 'font.woff2'), Buffer.from('wOF2'));
    await writeFile(join(root, 'assets', 'nested', 'deep.js'), '// deep\n');
    await writeFile(join(root, 'extensions', 'core', 'ext.js'), '// extension\n');
    // files named like API routes must not take their place
    await writeFile(join(root, 'system_stats'), 'SHADOW');
    await writeFile(join(root, 'features'), 'SHADOW');
    // what must stay out of reach
    await writeFile(join(base, 'secret.txt'), SECRET);
    await symlink(join(base, 'secret.txt'), join(root, 'leak.txt'));
    await symlink(base, join(root, 'outside'));
    server = await startServerProcess([
      '--base-directory',
      base,
      '--front-end-root',
      root,
      '--state-store',
      'memory',
    ]);
  });

  afterAll(async () => {
    const code = await server?.stop();
    await rm(base, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it.each(['/', '/api/'])('serves index.html at %s, never cached', async (path) => {
    const response = await get(path);
    expect(response.status).toBe(200);
    expect(response.text).toBe(INDEX);
    expect(response.headers['content-type']).toBe('text/html');
    expect(response.headers['cache-control']).toBe('no-store, must-revalidate');
    expect(response.headers.pragma).toBe('no-cache');
    expect(response.headers.expires).toBe('0');
  });

  it.each([
    ['/assets/app.js', 'application/javascript; charset=utf-8', 'no-cache'],
    ['/assets/nested/deep.js', 'application/javascript; charset=utf-8', 'no-cache'],
    ['/assets/style.css', 'text/css', 'no-cache'],
    ['/assets/logo.png', 'image/png', 'public, max-age=86400'],
    ['/assets/font.woff2', 'font/woff2', undefined],
    ['/index.html', 'text/html', undefined],
  ])('serves %s as %s (Cache-Control %s)', async (path, type, cacheControl) => {
    const response = await get(path);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(type);
    expect(response.headers['cache-control']).toBe(cacheControl);
    expect(response.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
  });

  it('answers HEAD, conditional requests and missing files like a static mount', async () => {
    const head = await get('/assets/app.js', {}, 'HEAD');
    expect([head.status, head.text, head.headers['content-length']]).toEqual([200, '', '20']);
    const first = await get('/assets/logo.png');
    const again = await get('/assets/logo.png', { 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    const missing = await get('/assets/missing.png');
    expect([missing.status, missing.headers['cache-control']]).toEqual([404, 'public, max-age=3600']);
    expect((await get('/assets/missing.js')).headers['cache-control']).toBe('no-cache');
  });

  it('refuses every way out of the build folder', async () => {
    for (const path of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/%252e%252e/secret.txt',
      '/%252e%252e%252fsecret.txt',
      '/..%5csecret.txt',
      '/leak.txt',
      '/outside/secret.txt',
      '/assets/app.js%00.png',
      '/%zz',
      '/api/assets/app.js',
    ]) {
      const response = await get(path);
      expect([path, response.status === 404 || response.status === 400]).toEqual([path, true]);
      expect(response.text).not.toContain(SECRET);
    }
    // a folder is not listed
    const folder = await get('/assets');
    expect(folder.status).toBe(403);
    expect(folder.text).not.toContain('app.js');
  });

  it('never lets a file shadow an API route', async () => {
    const stats = await get('/system_stats');
    expect(stats.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(stats.text)).toMatchObject({ system: { comfyui_version: '0.24.0' } });
    expect(JSON.parse((await get('/api/features')).text)).toMatchObject({ supports_preview_metadata: true });
    expect(JSON.parse((await get('/extensions')).text)).toEqual(['/extensions/core/ext.js']);
    // the extension itself is a file of the build
    expect((await get('/extensions/core/ext.js')).text).toBe('// extension\n');
    expect(JSON.parse((await get('/history/unknown')).text)).toEqual({});
  });
});

describe('without a frontend: the status page, frontend data and logs', () => {
  let testing: TestingServer;
  let client: ComfyClient;
  const url = () => testing.server.url;
  const get = (path: string, headers: Record<string, string> = {}) =>
    rawRequest(testing.server.port, { path, headers });
  const patch = (body: string) =>
    rawRequest(testing.server.port, { method: 'PATCH', path: '/internal/logs/subscribe', body });
  /** Makes the server log a line: a refused Origin is logged as a warning. */
  const logSomething = () =>
    rawRequest(testing.server.port, { path: '/prompt', headers: { origin: 'http://elsewhere.example:1' } });
  const logsMessages = () => client.messages.filter((m) => m.type === 'logs');

  beforeAll(async () => {
    testing = await startTestingServer(['--state-store', 'memory']);
    client = await ComfyClient.connect(url(), 'log-reader');
  });

  afterAll(async () => {
    client?.close();
    const code = await testing?.server.stop();
    await testing?.stop();
    expect(code).toBe(0);
  });

  it('shows version, backend, queue and the latest outputs at /, escaping every name', async () => {
    const evil = '"><img src=x onerror=alert(1)>';
    const g = new GraphBuilder('status_page');
    const image = g.node('StubImage', { content: 'WHITE', height: 8, width: 8, batch_size: 1 });
    g.node('SaveImage', { images: image.out(0) });
    const result = await client.run(g, { testName: evil });
    const [saved] = Object.values(result.outputs)[0].images as { filename: string }[];
    expect(saved.filename.startsWith(evil)).toBe(true);

    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-store, must-revalidate');
    const stats = (await (await fetch(`${url()}/system_stats`)).json()) as {
      system: { easel_version: string; backend: string; backend_runtime: string };
    };
    expect(page.text).toContain(`Easel ${stats.system.easel_version} (ComfyUI API 0.24.0)`);
    expect(page.text).toContain(`${stats.system.backend}: ${stats.system.backend_runtime}`);
    expect(page.text).toContain('0 prompts running or waiting');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    // the link leads to the file
    const href = /<a href="(\/view\?[^"]+)">/.exec(page.text)?.[1].replaceAll('&amp;', '&');
    expect(href).toBeDefined();
    const file = await fetch(`${url()}${href}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
  });

  it('has no frontend files to serve', async () => {
    expect((await get('/assets/app.js')).status).toBe(404);
    expect((await get('/index.html')).status).toBe(404);
  });

  it.each([
    ['/node_replacements', {}],
    ['/api/node_replacements', {}],
    ['/global_subgraphs', {}],
    ['/api/global_subgraphs', {}],
    ['/global_subgraphs/0123abcd', null],
    ['/api/global_subgraphs/0123abcd', null],
    ['/workflow_templates', {}],
    ['/api/workflow_templates', {}],
    ['/i18n', {}],
    ['/api/i18n', {}],
  ])('answers GET %s with %j', async (path, body) => {
    const response = await get(path);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(response.text)).toEqual(body);
  });

  it('answers /internal/logs with the recent output as one JSON string', async () => {
    const response = await get('/internal/logs');
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const text = JSON.parse(response.text) as unknown;
    expect(typeof text).toBe('string');
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6} - /);
    expect(text).toContain(`Easel is listening on 127.0.0.1 port ${testing.server.port}`);
    expect((await get('/api/internal/logs')).status).toBe(404);
  });

  it('sends logs messages to a subscribed session only, then stops when asked', async () => {
    expect((await patch('{"clientId": "log-reader"}')).status).toBe(400);
    expect((await patch('not json')).status).toBe(400);
    const on = await patch('{"clientId": "log-reader", "enabled": true}');
    expect([on.status, on.text]).toEqual([200, '']);

    const from = client.messages.length;
    await logSomething();
    const index = await client.waitFor(
      (m) => m.type === 'logs' && JSON.stringify(m.data).includes('non matching host and origin'),
      from,
      10_000,
    );
    const first = client.messages[index].data as { entries: { t: string; m: string }[]; size: unknown };
    expect(first.size).toEqual({ cols: 80, rows: 24 });
    expect(first.entries.at(-1)).toEqual({
      t: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
      m: expect.stringContaining('non matching host and origin') as unknown,
    });
    // the size is sent again only when it changed
    await logSomething();
    const second = await client.waitFor((m) => m.type === 'logs', index + 1, 10_000);
    expect(client.messages[second].data.size).toBeNull();

    const off = await patch('{"clientId": "log-reader", "enabled": false}');
    expect(off.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200)); // a burst already on its way may still arrive
    const count = logsMessages().length;
    await logSomething();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(logsMessages()).toHaveLength(count);
    expect(testing.server.output()).toContain('non matching host and origin');
  });

  it('answers /internal/logs/raw with the entries and the terminal size', async () => {
    const raw = JSON.parse((await get('/internal/logs/raw')).text) as {
      entries: { t: string; m: string }[];
      size: unknown;
    };
    expect(raw.size).toEqual({ cols: 80, rows: 24 });
    expect(raw.entries.length).toBeGreaterThan(2);
    expect(raw.entries.length).toBeLessThanOrEqual(300);
    expect(Object.keys(raw.entries[0]).sort()).toEqual(['m', 't']);
    expect(raw.entries.map((e) => e.m).join('')).toContain('Easel is listening on');
  });
});
