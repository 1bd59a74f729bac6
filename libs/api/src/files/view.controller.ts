import { stat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { BadRequestException, Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config.js';
import { errorBody } from '../http/json-errors.js';
import { ApiEmptyResponse, ApiErrorResponse, ApiMediaResponse } from '../openapi/api-docs.js';
import {
  UndecodableImageError,
  alphaVariant,
  previewVariant,
  rgbVariant,
  type ImageVariant,
} from './image-variants.js';
import {
  contentDisposition,
  contentTypeOf,
  isDangerousContentType,
  rendersSafelyAsImage,
} from './mime-types.js';
import { sendFile } from './send-file.js';
import { resolveViewPath } from './view-path.js';
import { bare, queryParam } from '../http/replies.js';

async function regularFile(path: string): Promise<BigIntStats | null> {
  try {
    const stats = await stat(path, { bigint: true });
    return stats.isFile() ? stats : null;
  } catch {
    return null;
  }
}

/**
 * ComfyUI's `GET /view`: a file from the output, input or temp folder, as it is or converted
 * (`preview=webp;90`, `preview=jpeg;80`, `channel=rgb`, `channel=a`).
 */
@ApiTags('Files')
@Controller()
export class ViewController {
  constructor(@Inject(SERVER_CONFIG) private readonly config: ServerConfig) {}

  @Get('view')
  @ApiOperation({
    summary: 'A file of the output, input or temp folder, as it is or converted',
    description:
      'A file as it is supports `Range`, `ETag` and `Last-Modified`. HTML, scripts, SVG and XML are sent as attachments (`application/octet-stream`), except SVG loaded as an image.',
  })
  @ApiQuery({
    name: 'filename',
    required: true,
    schema: { type: 'string' },
    description: 'The file name; a ` [input]`, ` [output]` or ` [temp]` suffix picks the folder.',
  })
  @ApiQuery({
    name: 'type',
    required: false,
    schema: { type: 'string', enum: ['output', 'input', 'temp'], default: 'output' },
  })
  @ApiQuery({ name: 'subfolder', required: false, schema: { type: 'string', default: '' } })
  @ApiQuery({
    name: 'preview',
    required: false,
    schema: { type: 'string' },
    description: 'Re-encode the image: `<webp|jpeg>[;<quality>]`, e.g. `webp;90`.',
  })
  @ApiQuery({
    name: 'channel',
    required: false,
    schema: { type: 'string', enum: ['rgba', 'rgb', 'a'], default: 'rgba' },
    description: '`rgb`: without alpha; `a`: the alpha channel only (PNG).',
  })
  @ApiMediaResponse(
    200,
    'The file, typed by its name; or the converted image (`image/webp`, `image/jpeg` or `image/png`)',
    ['*/*'],
  )
  @ApiMediaResponse(206, 'The requested range of the file', ['*/*'])
  @ApiEmptyResponse(304, 'Not modified since the given ETag or date')
  @ApiErrorResponse(
    400,
    'A bad file name or type (empty body), or a conversion of a file that is not an image',
  )
  @ApiEmptyResponse(403, 'The subfolder leads out of its folder')
  @ApiEmptyResponse(404, 'No such file (or no filename)')
  @ApiEmptyResponse(416, 'The range is not satisfiable')
  async view(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const target = resolveViewPath(
      {
        filename: queryParam(request, 'filename'),
        type: queryParam(request, 'type'),
        subfolder: queryParam(request, 'subfolder'),
      },
      this.config.directories,
    );
    if (!target.ok) return bare(reply, target.status);
    const stats = await regularFile(target.path);
    if (stats === null) return bare(reply, 404);

    const preview = queryParam(request, 'preview');
    const channel = queryParam(request, 'channel');
    if (preview !== undefined || channel === 'rgb' || channel === 'a') {
      let variant: ImageVariant;
      try {
        variant =
          preview !== undefined
            ? await previewVariant(target.path, preview, channel)
            : channel === 'rgb'
              ? await rgbVariant(target.path)
              : await alphaVariant(target.path);
      } catch (error) {
        if (!(error instanceof UndecodableImageError)) throw error;
        throw new BadRequestException(
          errorBody('bad_request', `${target.filename} is not an image that can be converted`, error.message),
        );
      }
      return reply
        .status(200)
        .header('content-type', variant.contentType)
        .header('content-disposition', contentDisposition(target.filename))
        .send(variant.body);
    }

    let contentType = contentTypeOf(target.filename);
    let attachment = false;
    if (isDangerousContentType(contentType)) {
      reply.header('vary', 'Sec-Fetch-Dest').header('cache-control', 'no-store');
      const dest = request.headers['sec-fetch-dest'] as string | string[] | undefined;
      if (!rendersSafelyAsImage(contentType, Array.isArray(dest) ? dest[0] : dest)) {
        contentType = 'application/octet-stream';
        attachment = true;
      }
    }
    reply
      .header('content-type', contentType)
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', contentDisposition(target.filename, attachment));
    return sendFile(request, reply, target.path);
  }
}
