import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { openSocket, rawRequest } from './testing/raw-http.js';
import { startServerProcess, type ServerProcess } from './testing/server-process.js';

// ComfyUI's security perimeter on the real server: the origin check (cross-site requests and
// mismatched Host/Origin pairs refused, for HTTP and the WebSocket upgrade), OPTIONS, CORS mode,
// the CSP of --disable-api-nodes, compression, Cache-Control, and loopback-only listening.

const CORS_ORIGIN = 'http://app.example';

describe('origin check and cache headers (default settings)', () => {
  let base: string;
  let server: ServerProcess;
  const request = (path: string, headers: Record<string, string> = {}, method = 'GET', body?: string) =>
    rawRequest(server.port, { path, headers, method, body });

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'easel-security-e2e-'));
    server = await startServerProcess(['--base-directory', base, '--state-store', 'memory']);
  });

  afterAll(async () => {
    const code = await server?.stop();
    await rm(base, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  const own = () => `127.0.0.1:${server.port}`;

  it('listens on loopback only by default', async () => {
    expect(server.output()).toContain(`Easel is listening on 127.0.0.1 port ${server.port}`);
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((address) => address?.family === 'IPv4' && !address.internal)?.address;
    if (outside === undefined) return; // a machine with no other interface has nothing more to check
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      const socket = connect(server.port, outside);
      socket.once('connect', () => {
        socket.destroy();
        resolve(null);
      });
      socket.once('error', resolve);
    });
    expect(error?.code).toBe('ECONNREFUSED');
  });

  it('refuses cross-site requests with an empty 403 before any handler runs, GET and POST', async () => {
    const crossSite = { 'sec-fetch-site': 'cross-site' };
    for (const [method, path, body] of [
      ['GET', '/system_stats', undefined],
      ['GET', '/api/queue', undefined],
      ['GET', '/internal/logs', undefined],
      // a malformed prompt would be a 400 from the handler
      ['POST', '/prompt', '{'],
      ['POST', '/api/prompt', '{'],
      ['GET', '/no/such/route', undefined],
    ] as const) {
      const response = await request(path, crossSite, method, body);
      expect([method, path, response.status, response.text]).toEqual([method, path, 403, '']);
    }
  });

  it('refuses an Origin that does not match a loopback Host, GET and POST', async () => {
    const port = server.port;
    const pairs: [string, string][] = [
      [`localhost:${port}`, 'http://localhost:5173'],
      [`localhost:${port}`, `http://127.0.0.1:${port}`],
      [own(), `http://localhost:${port}`],
      [own(), 'https://evil.example'],
      [`[::1]:${port}`, `http://localhost:${port}`],
    ];
    for (const [host, origin] of pairs) {
      for (const [method, body] of [
        ['GET', undefined],
        ['POST', '{'],
      ] as const) {
        const response = await request('/prompt', { host, origin }, method, body);
        expect([host, origin, method, response.status, response.text]).toEqual([
          host,
          origin,
          method,
          403,
          '',
        ]);
      }
    }
    expect(server.output()).toContain(
      `WARNING: request with non matching host and origin localhost:${port} != localhost:5173, returning 403`,
    );
  });

  it('lets same-origin requests and requests without Origin through', async () => {
    const port = server.port;
    const sameOrigin: Record<string, string>[] = [
      { host: own(), origin: `http://${own()}`, 'sec-fetch-site': 'same-origin' },
      { host: `localhost:${port}`, origin: `http://localhost:${port}` },
      { host: `localhost:${port}`, origin: 'http://localhost' },
      { host: own(), origin: 'null' },
      { host: own(), 'sec-fetch-site': 'none' },
      // a public address is not checked (ComfyUI limits the check to loopback hosts)
      { host: '10.1.2.3:8188', origin: 'http://other.example', 'sec-fetch-site': 'same-site' },
      {},
    ];
    for (const headers of sameOrigin) {
      const response = await request('/prompt', headers);
      expect([headers, response.status]).toEqual([headers, 200]);
      expect(JSON.parse(response.text)).toEqual({ exec_info: { queue_remaining: 0 } });
      // and the handler runs for POST too: the malformed body is its 400
      expect((await request('/prompt', headers, 'POST', '{')).status).toBe(400);
    }
  });

  it('lets a cross-site link to the UI open it, and nothing else', async () => {
    const navigate = {
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'navigate',
      'sec-fetch-dest': 'document',
    };
    expect((await request('/', navigate)).status).toBe(200);
    expect((await request('/system_stats', navigate)).status).toBe(403);
  });

  it('answers OPTIONS on any path with an empty 200 without CORS headers', async () => {
    for (const path of ['/prompt', '/api/prompt', '/internal/logs', '/nowhere']) {
      const response = await request(path, {}, 'OPTIONS');
      expect([path, response.status, response.text]).toEqual([path, 200, '']);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect((await request('/prompt', { 'sec-fetch-site': 'cross-site' }, 'OPTIONS')).status).toBe(403);
  });

  it('checks the WebSocket upgrade the same way, at /ws and /api/ws', async () => {
    const port = server.port;
    for (const path of ['/ws', '/api/ws']) {
      const url = `ws://127.0.0.1:${port}${path}?clientId=security-test`;
      expect((await openSocket(url, { 'Sec-Fetch-Site': 'cross-site' })).refused).toBe(403);
      expect(
        (await openSocket(url, { Host: `localhost:${port}`, Origin: 'http://localhost:5173' })).refused,
      ).toBe(403);
      expect((await openSocket(url, { Origin: 'https://evil.example' })).refused).toBe(403);

      const accepted = await openSocket(url, { Origin: `http://${own()}`, 'Sec-Fetch-Site': 'same-origin' });
      expect(accepted.refused).toBeNull();
      const status = await accepted.socket!.waitFor((m) => m.type === 'status');
      expect(status?.data.sid).toBe('security-test');
      accepted.socket!.close();
    }
  });

  it("sets ComfyUI's Cache-Control by path", async () => {
    const cacheControl = async (path: string) => {
      const response = await request(path);
      return [response.status, response.headers['cache-control'] ?? null];
    };
    expect(await cacheControl('/')).toEqual([200, 'no-store, must-revalidate']);
    expect(await cacheControl('/scripts/missing.js')).toEqual([404, 'no-cache']);
    expect(await cacheControl('/assets/missing.css')).toEqual([404, 'no-cache']);
    expect(await cacheControl('/missing.png')).toEqual([404, 'public, max-age=3600']);
    expect(await cacheControl('/api/missing.JPG')).toEqual([404, 'public, max-age=3600']);
    expect(await cacheControl('/system_stats')).toEqual([200, null]);
    expect(await cacheControl('/view?filename=missing.png')).toEqual([404, null]);
    const root = await request('/');
    expect([root.headers.pragma, root.headers.expires]).toEqual(['no-cache', '0']);
  });

  it('sends no CSP and does not compress by default', async () => {
    const response = await request('/object_info', { 'accept-encoding': 'gzip' });
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.headers['content-security-policy']).toBeUndefined();
  });
});

describe('--enable-cors-header, --disable-api-nodes, --enable-compress-response-body', () => {
  let base: string;
  let server: ServerProcess;
  const request = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    rawRequest(server.port, { path, headers, method });

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'easel-cors-e2e-'));
    server = await startServerProcess([
      '--base-directory',
      base,
      '--state-store',
      'memory',
      '--enable-cors-header',
      CORS_ORIGIN,
      '--disable-api-nodes',
      '--enable-compress-response-body',
    ]);
  });

  afterAll(async () => {
    const code = await server?.stop();
    await rm(base, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  const CORS_HEADERS = {
    'access-control-allow-origin': CORS_ORIGIN,
    'access-control-allow-methods': 'POST, GET, DELETE, PUT, OPTIONS, PATCH',
    'access-control-allow-headers': 'Content-Type, Authorization',
    'access-control-allow-credentials': 'true',
  };

  it('answers a preflight with 200 and the CORS headers', async () => {
    const preflight = await request(
      '/prompt',
      { origin: CORS_ORIGIN, 'access-control-request-method': 'POST' },
      'OPTIONS',
    );
    expect([preflight.status, preflight.text]).toEqual([200, '']);
    expect(preflight.headers).toMatchObject(CORS_HEADERS);
  });

  it('adds the CORS headers to answers and checks no origins', async () => {
    const response = await request('/system_stats', {
      host: `localhost:${server.port}`,
      origin: 'http://elsewhere.example',
      'sec-fetch-site': 'cross-site',
    });
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject(CORS_HEADERS);
    const socket = await openSocket(`ws://127.0.0.1:${server.port}/ws`, {
      Origin: 'http://elsewhere.example',
      'Sec-Fetch-Site': 'cross-site',
    });
    expect(socket.refused).toBeNull();
    socket.socket!.close();
  });

  it('sends the Content-Security-Policy', async () => {
    for (const path of ['/', '/system_stats']) {
      expect((await request(path)).headers['content-security-policy']).toBe(
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; style-src 'self' 'unsafe-inline'; " +
          "img-src 'self' data: blob:; font-src 'self'; connect-src 'self' data:; frame-src 'self'; object-src 'self';",
      );
    }
  });

  it('gzips JSON for clients that accept gzip', async () => {
    const zipped = await request('/object_info', { 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    const info = JSON.parse(gunzipSync(zipped.body).toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(info).length).toBeGreaterThan(10);
    const plain = await request('/object_info');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(plain.text)).toEqual(info);
    // the HTML page is not compressed (ComfyUI compresses JSON and plain text only)
    expect((await request('/', { 'accept-encoding': 'gzip' })).headers['content-encoding']).toBeUndefined();
  });
});
