import { gunzipSync } from 'node:zlib';
import { Controller, Get, Header, HttpCode, Module, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConsoleLogger } from '../logging/console-logger.js';
import { createHttpApp } from './http-app.js';
import { CONTENT_SECURITY_POLICY, type MiddlewareSettings } from './middleware-chain.js';

@Controller()
class ProbeController {
  @Get('data')
  data() {
    return { text: 'x'.repeat(200) };
  }

  @Post('data')
  @HttpCode(200)
  post() {
    return { posted: true };
  }

  @Get('own.png')
  @Header('cache-control', 'no-store')
  @Header('content-type', 'image/png')
  own() {
    return 'picked by the handler';
  }

  @Get('file.js')
  script() {
    return 'script';
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

async function appWith(settings: MiddlewareSettings) {
  const logger = new ConsoleLogger('CRITICAL');
  const warnings: string[] = [];
  logger.warn = (message: string) => void warnings.push(message);
  const app = await createHttpApp(
    ProbeModule,
    { maxUploadSizeMb: 1, logLevel: 'CRITICAL', ...settings },
    logger,
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, warnings };
}

describe('the middleware chain (default: origin check)', () => {
  let app: NestFastifyApplication;
  let warnings: string[];
  beforeAll(async () => ({ app, warnings } = await appWith({})));
  afterAll(() => app.close());

  it('answers OPTIONS on any path with an empty 200 and no CORS headers', async () => {
    for (const url of ['/data', '/nowhere', '/api/data']) {
      const response = await app.inject({ method: 'OPTIONS', url });
      expect([url, response.statusCode, response.body]).toEqual([url, 200, '']);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('refuses a cross-site request and a mismatched Origin with an empty 403, and logs the pair', async () => {
    const crossSite = await app.inject({
      method: 'POST',
      url: '/data',
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect([crossSite.statusCode, crossSite.body]).toEqual([403, '']);
    const mismatch = await app.inject({
      method: 'GET',
      url: '/api/data',
      headers: { host: '127.0.0.1:8188', origin: 'http://localhost:8188' },
    });
    expect([mismatch.statusCode, mismatch.body]).toEqual([403, '']);
    expect(warnings).toEqual([
      'WARNING: request with non matching host and origin 127.0.0.1:8188 != localhost:8188, returning 403',
    ]);
    // refused before the 404 logic too, and OPTIONS gets no pass
    const options = await app.inject({
      method: 'OPTIONS',
      url: '/x',
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(options.statusCode).toBe(403);
  });

  it('lets same-origin requests through', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/data',
      headers: { host: 'localhost:8188', origin: 'http://localhost:8188', 'sec-fetch-site': 'same-origin' },
    });
    expect(response.json()).toEqual({ posted: true });
  });

  it('sets Cache-Control by path unless the handler chose one', async () => {
    expect((await app.inject({ method: 'GET', url: '/file.js' })).headers['cache-control']).toBe('no-cache');
    expect((await app.inject({ method: 'GET', url: '/missing.png' })).headers['cache-control']).toBe(
      'public, max-age=3600',
    );
    expect((await app.inject({ method: 'GET', url: '/own.png' })).headers['cache-control']).toBe('no-store');
    expect((await app.inject({ method: 'GET', url: '/data' })).headers['cache-control']).toBeUndefined();
  });

  it('sends no CSP and does not compress unless asked', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/data',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(response.headers['content-security-policy']).toBeUndefined();
    expect(response.headers['content-encoding']).toBeUndefined();
  });
});

describe('the middleware chain with --enable-cors-header, --disable-api-nodes, --enable-compress-response-body', () => {
  let app: NestFastifyApplication;
  beforeAll(
    async () =>
      ({ app } = await appWith({
        corsOrigin: 'http://app.example',
        disableApiNodes: true,
        compressResponseBody: true,
      })),
  );
  afterAll(() => app.close());

  const CORS = {
    'access-control-allow-origin': 'http://app.example',
    'access-control-allow-methods': 'POST, GET, DELETE, PUT, OPTIONS, PATCH',
    'access-control-allow-headers': 'Content-Type, Authorization',
    'access-control-allow-credentials': 'true',
  };

  it('answers OPTIONS with 200 and the CORS headers, and adds them to every answer', async () => {
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/data',
      headers: { origin: 'http://app.example' },
    });
    expect(preflight.statusCode).toBe(200);
    expect(preflight.body).toBe('');
    expect(preflight.headers).toMatchObject(CORS);
    expect((await app.inject({ method: 'GET', url: '/data' })).headers).toMatchObject(CORS);
  });

  it('does not check origins in CORS mode', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/data',
      headers: { host: 'localhost:8188', origin: 'http://elsewhere.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(response.statusCode).toBe(200);
  });

  it('sends the Content-Security-Policy on every answer', async () => {
    expect((await app.inject({ method: 'GET', url: '/data' })).headers['content-security-policy']).toBe(
      CONTENT_SECURITY_POLICY,
    );
    expect((await app.inject({ method: 'OPTIONS', url: '/x' })).headers['content-security-policy']).toBe(
      CONTENT_SECURITY_POLICY,
    );
  });

  it('gzips JSON for clients that accept it, and only for them', async () => {
    const zipped = await app.inject({
      method: 'GET',
      url: '/data',
      headers: { 'accept-encoding': 'gzip, deflate' },
    });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(zipped.rawPayload).toString('utf8'))).toEqual({ text: 'x'.repeat(200) });
    const plain = await app.inject({
      method: 'GET',
      url: '/data',
      headers: { 'accept-encoding': 'identity' },
    });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.json()).toEqual({ text: 'x'.repeat(200) });
    // not JSON or text: as it is
    const image = await app.inject({
      method: 'GET',
      url: '/own.png',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(image.headers['content-encoding']).toBeUndefined();
  });
});
