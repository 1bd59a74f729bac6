import { realpath, stat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { ForbiddenException, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendFile } from '../files/send-file.js';
import { isInside } from '../files/view-path.js';
import { frontendContentType, resolveStaticPath } from './static-path.js';

async function statOrNull(path: string): Promise<BigIntStats | null> {
  try {
    return await stat(path, { bigint: true });
  } catch {
    return null;
  }
}

/**
 * Sends the file the URL path `urlPath` names under the folder `root`, typed by its name, as
 * ComfyUI's static routes do. A path that leads out of `root` (`..`, a NUL, a backslash, a link
 * whose target is outside) or names nothing answers 404; a folder 403 (not listed).
 */
export async function sendStaticFile(
  request: FastifyRequest,
  reply: FastifyReply,
  root: string,
  urlPath: string,
): Promise<FastifyReply> {
  const notFound = new NotFoundException(`Cannot GET ${request.url.split('?', 1)[0]}`);
  const path = resolveStaticPath(root, urlPath);
  if (path === null) throw notFound;
  const stats = await statOrNull(path);
  if (stats === null) throw notFound;
  if (stats.isDirectory()) throw new ForbiddenException('Directories are not listed');
  // a link that leads out of the folder is refused like a `..` path
  const [realRoot, realFile] = await Promise.all([realpath(root), realpath(path)]);
  if (!stats.isFile() || !isInside(realRoot, realFile)) throw notFound;
  reply.header('content-type', frontendContentType(path));
  return sendFile(request, reply, path);
}

/**
 * A file of the frontend build (`--front-end-root`) at the request's path; 404 without a build,
 * and for an `/api/...` path: static files have no /api copy in ComfyUI.
 */
export async function sendFrontendFile(
  request: FastifyRequest,
  reply: FastifyReply,
  frontEndRoot: string | null,
): Promise<FastifyReply> {
  if (frontEndRoot === null || request.originalUrl.startsWith('/api/')) {
    throw new NotFoundException(`Cannot GET ${request.url.split('?', 1)[0]}`);
  }
  return sendStaticFile(request, reply, frontEndRoot, request.url);
}
