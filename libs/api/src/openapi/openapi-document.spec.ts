import { Controller, Get, Module, Param, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ConsoleLogger } from '../logging/console-logger.js';
import { createHttpApp } from '../http/http-app.js';
import { EASEL_VERSION } from '../runtime/version.js';
import { ApiEmptyResponse, ApiJsonResponse } from './api-docs.js';
import { OpenApiModule } from './openapi.module.js';
import { publishOpenApiDocument } from './openapi-document.js';
import { schemaRef } from './openapi-schemas.js';

// Declared out of alphabetical order on purpose: the document must sort them.
@ApiTags('History')
@Controller('zebra')
class ZebraController {
  @Post()
  @ApiOperation({ summary: 'Change zebras' })
  @ApiEmptyResponse(200, 'Done')
  change() {}

  @Get(':zebraId')
  @ApiOperation({ summary: 'One zebra' })
  @ApiJsonResponse(200, 'The zebra', schemaRef('History'))
  one(@Param('zebraId') id: string) {
    return { id };
  }

  @Get()
  @ApiOperation({ summary: 'All zebras' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer' } })
  @ApiJsonResponse(200, 'Zebras', { type: 'array', items: { type: 'string' } })
  list() {
    return [];
  }
}

@Controller('internal/aardvark')
class AardvarkController {
  @Get()
  list() {
    return [];
  }
}

@Module({ imports: [OpenApiModule], controllers: [ZebraController, AardvarkController] })
class ProbeModule {}

describe('the OpenAPI document', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createHttpApp(
      ProbeModule,
      { maxUploadSizeMb: 1, logLevel: 'CRITICAL' },
      new ConsoleLogger('CRITICAL'),
    );
    publishOpenApiDocument(app);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());

  const fetchDocument = async (url = '/openapi.json') => {
    const reply = await app.inject({ method: 'GET', url });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    return reply.json();
  };

  it('is served at /openapi.json and /api/openapi.json, as OpenAPI 3.1 with Easel’s version', async () => {
    const document = await fetchDocument();
    expect(await fetchDocument('/api/openapi.json')).toEqual(document);
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toMatchObject({ title: 'Easel', version: EASEL_VERSION });
    expect(document.info.description).toContain('`/api`');
    expect(document.info.description).toContain('`/internal/*`');
    expect(document.info.description).toContain('`/ws`');
  });

  it('lists every controller route once, by its bare path, with sorted paths and methods', async () => {
    const document = await fetchDocument();
    const paths = Object.keys(document.paths);
    expect(paths).toEqual(['/internal/aardvark', '/openapi.json', '/ws', '/zebra', '/zebra/{zebraId}']);
    expect(Object.keys(document.paths['/zebra'])).toEqual(['get', 'post']);
    expect(paths.some((path) => path.startsWith('/api/'))).toBe(false);
  });

  it('keeps what the annotations say', async () => {
    const document = await fetchDocument();
    const list = document.paths['/zebra'].get;
    expect(list).toMatchObject({
      operationId: 'Zebra_list',
      summary: 'All zebras',
      tags: ['History'],
      parameters: [{ name: 'limit', in: 'query', required: false, schema: { type: 'integer' } }],
    });
    expect(list.responses['200'].content['application/json'].schema).toEqual({
      type: 'array',
      items: { type: 'string' },
    });
    const one = document.paths['/zebra/{zebraId}'].get;
    expect(one.parameters).toEqual([
      expect.objectContaining({ name: 'zebraId', in: 'path', required: true }),
    ]);
    expect(one.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/History',
    });
    expect(document.paths['/zebra'].post.responses['200']).toEqual({ description: 'Done' });
  });

  it('describes the WebSocket handshake and carries the shared schemas, sorted', async () => {
    const document = await fetchDocument();
    expect(document.paths['/ws'].get.responses).toHaveProperty('101');
    const names = Object.keys(document.components.schemas);
    expect(names).toContain('ErrorBody');
    expect(names).toContain('QueueItem');
    expect(names).toEqual([...names].sort());
  });

  it('lists the described tags first, in their order, then any other tag', async () => {
    const document = await fetchDocument();
    expect(document.tags.map((tag: { name: string }) => tag.name)).toEqual([
      'History',
      'System',
      'WebSocket',
      'Aardvark',
    ]);
  });

  it('gives the same JSON text for the same routes', async () => {
    const first = (await app.inject({ method: 'GET', url: '/openapi.json' })).body;
    const again = publishOpenApiDocument(app);
    expect(JSON.stringify(again)).toBe(first);
  });
});
