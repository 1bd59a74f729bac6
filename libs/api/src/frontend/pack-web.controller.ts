import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config.js';
import { ApiEmptyResponse, ApiErrorResponse, ApiMediaResponse } from '../openapi/api-docs.js';
import type { PackLoadReport } from '../packs/pack-loader.js';
import { PACK_REPORT } from '../runtime/runtime.js';
import { sendFrontendFile, sendStaticFile } from './static-file.js';

const PREFIX = '/extensions/';

/**
 * `GET /extensions/<pack>/<path>`: a file of a pack's web folder (`easel.web`), as ComfyUI serves
 * a custom node's `WEB_DIRECTORY`. `<pack>` is one path segment, percent-decoded once
 * (`%40scope%2Fpkg` for `@scope/pkg`). A pack owns its whole prefix, as in ComfyUI where the pack
 * routes come before the frontend's: a name that is no pack's is a file of the frontend build
 * (`extensions/core/...`).
 */
@ApiTags('Frontend')
@Controller()
export class PackWebController {
  private readonly folderOf: ReadonlyMap<string, string>;

  constructor(
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(PACK_REPORT) report: PackLoadReport,
  ) {
    this.folderOf = new Map(
      report.loaded.flatMap((pack) => (pack.web ? [[pack.web.name, pack.web.path] as const] : [])),
    );
  }

  @Get('extensions/:pack/*')
  @ApiOperation({
    summary: "A file of a node pack's frontend extension folder (`easel.web`)",
    description:
      "`<pack>` is the pack's folder name under custom_nodes, or its package name for a pack from node_modules or the workspace, percent-encoded as one segment (`@scope/pkg` is `%40scope%2Fpkg`). The path is decoded once and must stay inside the pack's web folder, links resolved. A pack shadows a folder of the same name in the frontend build's `extensions`; any other name is a file of the frontend build. Sent with `ETag` and `Last-Modified`, conditional and `Range` requests.",
  })
  @ApiParam({ name: 'pack', description: 'The pack, percent-encoded', schema: { type: 'string' } })
  @ApiParam({
    name: 'path',
    description: 'The file, relative to the web folder; it may hold `/` (`sub/util.js`)',
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
    'No such pack or file, or a path that leads out of the web folder (`..`, a NUL, a backslash, a link)',
  )
  @ApiEmptyResponse(412, 'The file does not match `If-Match` or `If-Unmodified-Since`')
  @ApiEmptyResponse(416, 'The range is not satisfiable')
  file(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    // the raw path, not the routed parameter: the pack segment is decoded exactly once
    const rest = request.url.split('?', 1)[0].slice(PREFIX.length);
    const slash = rest.indexOf('/');
    const folder = this.folderOf.get(decodeOrEmpty(rest.slice(0, slash)));
    if (folder === undefined) return sendFrontendFile(request, reply, this.config.frontEndRoot);
    return sendStaticFile(request, reply, folder, rest.slice(slash + 1));
  }
}

function decodeOrEmpty(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}
