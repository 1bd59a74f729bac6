import { stat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Inject, NotFoundException, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HistoryStore, PromptQueue } from '@easel/executor';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config.js';
import { sendFile } from '../files/send-file.js';
import { ApiEmptyResponse, ApiErrorResponse, ApiMediaResponse } from '../openapi/api-docs.js';
import { HISTORY_STORE, PROMPT_QUEUE } from '../runtime/runtime.js';
import { EASEL_VERSION } from '../runtime/version.js';
import { COMFYUI_API_VERSION, SystemInfoService } from '../system/system-info.service.js';
import { sendFrontendFile } from './static-file.js';
import { frontendContentType } from './static-path.js';
import { recentOutputFiles, renderStatusPage } from './status-page.js';

/** How many history entries and files the status page looks at. */
const RECENT_PROMPTS = 20;
const RECENT_FILES = 24;

async function statOrNull(path: string): Promise<BigIntStats | null> {
  try {
    return await stat(path, { bigint: true });
  } catch {
    return null;
  }
}

/**
 * The web UI: with `--front-end-root`, a ComfyUI frontend build (`/` is its index.html, every
 * other GET path that no route takes is a file of it); without, a status page at `/`.
 */
@ApiTags('Frontend')
@Controller()
export class FrontendController {
  constructor(
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    private readonly systemInfo: SystemInfoService,
    @Inject(PROMPT_QUEUE) private readonly queue: PromptQueue,
    @Inject(HISTORY_STORE) private readonly history: HistoryStore,
  ) {}

  /** ComfyUI always revalidates the entry page, so a new frontend build is picked up at once. */
  @Get()
  @ApiOperation({
    summary: "The web UI: the frontend build's index.html, or Easel's status page",
    description:
      "With `--front-end-root`, that folder's `index.html` (sent like a static file: `ETag`, `Last-Modified`, conditional and `Range` requests); without, an HTML page with Easel's version, its backend, the queue and the latest outputs. Never cached. Also served at `/api/`.",
  })
  @ApiMediaResponse(200, 'The index.html of the frontend build, or the status page', ['text/html'])
  @ApiMediaResponse(206, 'The requested range of index.html', ['text/html'])
  @ApiEmptyResponse(304, 'index.html was not modified since the given ETag or date')
  @ApiErrorResponse(404, 'The `--front-end-root` folder has no index.html')
  @ApiEmptyResponse(412, 'index.html does not match `If-Match` or `If-Unmodified-Since`')
  @ApiEmptyResponse(416, 'The range is not satisfiable')
  async index(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    reply
      .header('cache-control', 'no-store, must-revalidate')
      .header('pragma', 'no-cache')
      .header('expires', '0');
    const root = this.config.frontEndRoot;
    if (root === null) return reply.type('text/html; charset=utf-8').send(await this.statusPage());
    const index = join(root, 'index.html');
    const stats = await statOrNull(index);
    if (stats === null || !stats.isFile())
      throw new NotFoundException('The frontend folder has no index.html');
    reply.header('content-type', frontendContentType(index));
    return sendFile(request, reply, index);
  }

  /** A file of the frontend build; registered as a wildcard, so every API route wins over it. */
  @Get('*')
  @ApiOperation({
    summary: 'A file of the frontend build (`--front-end-root`)',
    description:
      'Every GET path no other route takes: a route of the API always wins over a file of the same name. The path is decoded once and must stay inside the build folder, links resolved; there is no `/api` copy. Sent with `ETag` and `Last-Modified`, conditional and `Range` requests.',
  })
  @ApiParam({
    name: 'path',
    description: 'The file, relative to the build folder; it may hold `/` (`assets/app.js`)',
    schema: { type: 'string' },
  })
  @ApiMediaResponse(200, 'The file, typed by its name (`.js` as `application/javascript; charset=utf-8`)', [
    '*/*',
  ])
  @ApiMediaResponse(206, 'The requested range of the file', ['*/*'])
  @ApiEmptyResponse(304, 'Not modified since the given ETag or date')
  @ApiErrorResponse(403, 'The path is a folder: folders are not listed')
  @ApiErrorResponse(
    404,
    'No such file; no `--front-end-root`; an `/api/...` path; or a path that leads out of the build folder (`..`, a NUL, a backslash, a link)',
  )
  @ApiEmptyResponse(412, 'The file does not match `If-Match` or `If-Unmodified-Since`')
  @ApiEmptyResponse(416, 'The range is not satisfiable')
  file(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return sendFrontendFile(request, reply, this.config.frontEndRoot);
  }

  private async statusPage(): Promise<string> {
    const stats = this.systemInfo.systemStats();
    const [queueRemaining, entries] = await Promise.all([
      this.queue.remaining(),
      this.history.list(RECENT_PROMPTS),
    ]);
    return renderStatusPage({
      easelVersion: EASEL_VERSION,
      comfyuiVersion: COMFYUI_API_VERSION,
      backend: stats.system.backend,
      backendRuntime: stats.system.backend_runtime,
      devices: stats.devices.map((device) => device.name),
      queueRemaining,
      recentOutputs: recentOutputFiles(
        entries.map(([, entry]) => entry),
        RECENT_FILES,
      ),
    });
  }
}
