import { BadRequestException, Body, Controller, Get, HttpCode, Module, Post, Req } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { ConsoleLogger } from '../logging/console-logger.js';
import { createHttpApp } from './http-app.js';
import { UnparsedBody } from './request-body.js';

@Controller()
class ProbeController {
  @Post('echo')
  @HttpCode(200)
  echo(@Body() body: unknown, @Req() request: FastifyRequest) {
    return {
      body: body instanceof UnparsedBody ? { unparsed: body.reason !== '' } : (body ?? null),
      raw: request.rawBody?.toString('utf8') ?? null,
    };
  }

  @Get('internal/ping')
  internal() {
    return { pong: true };
  }

  @Get('bad')
  bad() {
    throw new BadRequestException('Widget width must be a number');
  }

  @Get('boom')
  boom() {
    throw new Error('secret internal detail');
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

describe('HTTP conventions (createHttpApp)', () => {
  let app: NestFastifyApplication;
  const unexpected: unknown[] = [];

  beforeAll(async () => {
    const logger = new ConsoleLogger('CRITICAL');
    logger.error = (_message: string, error: unknown) => void unexpected.push(error);
    // 1 KiB body limit
    app = await createHttpApp(ProbeModule, { maxUploadSizeMb: 1 / 1024, logLevel: 'CRITICAL' }, logger);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());

  const post = (url: string, payload: string, contentType?: string) =>
    app.inject({ method: 'POST', url, payload, headers: contentType ? { 'content-type': contentType } : {} });

  it.each([
    'application/json',
    'text/plain;charset=UTF-8',
    'application/x-www-form-urlencoded',
    'application/octet-stream',
  ])('parses a JSON body sent as %s', async (contentType) => {
    const response = await post('/echo', '{"prompt": {"1": {}}}', contentType);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ body: { prompt: { '1': {} } }, raw: '{"prompt": {"1": {}}}' });
  });

  it('answers every route at /x and /api/x alike, but /internal only without /api', async () => {
    const bare = await post('/echo', '[1,2]', 'application/json');
    const prefixed = await post('/api/echo', '[1,2]', 'application/json');
    expect(prefixed.statusCode).toBe(200);
    expect(prefixed.json()).toEqual(bare.json());
    expect((await app.inject({ method: 'GET', url: '/internal/ping?unknown=1' })).json()).toEqual({
      pong: true,
    });
    expect((await app.inject({ method: 'GET', url: '/api/internal/ping' })).statusCode).toBe(404);
  });

  it('accepts an empty body and hands a non-JSON body over unparsed', async () => {
    expect((await post('/echo', '', 'application/json')).json()).toEqual({ body: null, raw: '' });
    expect((await post('/echo', 'not json', 'text/plain')).json()).toEqual({
      body: { unparsed: true },
      raw: 'not json',
    });
  });

  it('refuses a body over --max-upload-size with a JSON 413', async () => {
    const response = await post('/api/echo', JSON.stringify({ big: 'x'.repeat(2000) }), 'application/json');
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ error: { type: 'payload_too_large' } });
  });

  it('answers errors as JSON in ComfyUI error shape, and hides unexpected ones', async () => {
    const notFound = await app.inject({ method: 'GET', url: '/nowhere' });
    expect(notFound.statusCode).toBe(404);
    expect(notFound.headers['content-type']).toMatch(/^application\/json/);
    expect(notFound.json()).toEqual({
      error: { type: 'not_found', message: 'Cannot GET /nowhere', details: '', extra_info: {} },
    });

    const bad = await app.inject({ method: 'GET', url: '/bad' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      error: { type: 'bad_request', message: 'Widget width must be a number' },
    });

    const boom = await app.inject({ method: 'GET', url: '/boom' });
    expect(boom.statusCode).toBe(500);
    expect(boom.json()).toEqual({
      error: { type: 'server_error', message: 'Internal server error', details: '', extra_info: {} },
    });
    expect(boom.body).not.toContain('secret');
    expect(unexpected).toHaveLength(1);
  });
});
