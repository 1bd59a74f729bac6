import { stat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { BadRequestException, Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config.js';
import { errorBody } from '../http/json-errors.js';
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

type Query = Record<string, string | string[] | undefined>;

/** A query parameter's first value, like aiohttp's `query[name]`. */
function param(query: Query, name: string): string | undefined {
  const value = query[name];
  return Array.isArray(value) ? value[0] : value;
}

/** An answer with no body, as ComfyUI's `web.Response(status=...)`. */
function bare(reply: FastifyReply, status: number): FastifyReply {
  return reply.status(status).header('content-type', 'application/octet-stream').send();
}

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
@Controller()
export class ViewController {
  constructor(@Inject(SERVER_CONFIG) private readonly config: ServerConfig) {}

  @Get('view')
  async view(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const query = (request.query ?? {}) as Query;
    const target = resolveViewPath(
      {
        filename: param(query, 'filename'),
        type: param(query, 'type'),
        subfolder: param(query, 'subfolder'),
      },
      this.config.directories,
    );
    if (!target.ok) return bare(reply, target.status);
    const stats = await regularFile(target.path);
    if (stats === null) return bare(reply, 404);

    const preview = param(query, 'preview');
    const channel = param(query, 'channel');
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
    return sendFile(request, reply, target.path, stats);
  }
}
