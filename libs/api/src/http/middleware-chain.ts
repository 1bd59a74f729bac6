import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@easel/core';
import type { ServerConfig } from '../config/server-config.js';
import { cacheControlFor } from './cache-control.js';
import { type OriginCheck, type OriginCheckRequest } from './origin-check.js';

const gzipAsync = promisify(gzip);

/** The settings that choose which of ComfyUI's middlewares run. */
export type MiddlewareSettings = Partial<
  Pick<ServerConfig, 'corsOrigin' | 'disableApiNodes' | 'compressResponseBody'>
>;

/** `--enable-cors-header`: the headers every answer gets. */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'POST, GET, DELETE, PUT, OPTIONS, PATCH',
    'access-control-allow-headers': 'Content-Type, Authorization',
    'access-control-allow-credentials': 'true',
  };
}

/** `--disable-api-nodes`: the page may only talk to this server. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data: blob:; font-src 'self'; connect-src 'self' data:; frame-src 'self'; object-src 'self';";

/** The path the client asked for (before the `/api` rewrite), decoded once, without the query. */
export function requestPath(rawUrl: string): string {
  const path = rawUrl.split('?', 1)[0];
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** An empty 200/403 as aiohttp's bare `web.Response`. */
function bare(reply: FastifyReply, status: number): FastifyReply {
  return reply.status(status).header('content-type', 'application/octet-stream').send();
}

/**
 * ComfyUI's middleware chain, as Fastify hooks on every route and on the not-found handler:
 * - before routing: either CORS mode (`OPTIONS` answered with 200) or the origin check (cross-site
 *   and mismatched-origin requests refused with an empty 403; then `OPTIONS` answered with 200);
 * - on the way out: Cache-Control by path, CORS headers, the CSP of `--disable-api-nodes`, and
 *   gzip of JSON and text answers with `--enable-compress-response-body`.
 * The WebSocket upgrade is checked by `OriginCheckedWsAdapter` with the same `OriginCheck`.
 */
export function registerMiddlewareChain(
  fastify: FastifyInstance,
  settings: MiddlewareSettings,
  originCheck: OriginCheck,
): void {
  // like ComfyUI's `if args.enable_cors_header`: an empty origin means no CORS mode
  const corsOrigin = settings.corsOrigin ? settings.corsOrigin : null;

  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (corsOrigin === null) {
      const target: OriginCheckRequest = {
        method: request.method,
        path: requestPath(request.originalUrl),
        headers: request.headers,
      };
      const verdict = await originCheck.check(target);
      if (!verdict.allowed) return bare(reply, 403);
    }
    if (request.method === 'OPTIONS') return bare(reply, 200);
  });

  fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (!reply.hasHeader('cache-control')) {
      const value = cacheControlFor(requestPath(request.originalUrl), reply.statusCode);
      if (value !== null) reply.header('cache-control', value);
    }
    if (corsOrigin !== null) reply.headers(corsHeaders(corsOrigin));
    if (settings.disableApiNodes) reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    if (settings.compressResponseBody) return compressed(request, reply, payload);
    return payload;
  });
}

/** aiohttp's `enable_compression` for non-streamed JSON and text answers, when the client takes gzip. */
async function compressed(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
  if (payload.length === 0 || reply.hasHeader('content-encoding')) return payload;
  const type = String(reply.getHeader('content-type') ?? '')
    .split(';', 1)[0]
    .trim()
    .toLowerCase();
  if (type !== 'application/json' && type !== 'text/plain') return payload;
  if (!(header(request, 'accept-encoding') ?? '').toLowerCase().includes('gzip')) return payload;
  const body = await gzipAsync(payload);
  reply.removeHeader('content-length');
  reply.header('content-encoding', 'gzip');
  reply.header('vary', 'Accept-Encoding');
  return body;
}

/** The warning ComfyUI logs for a refused Host/Origin pair. */
export function logMismatch(logger: Pick<Logger, 'warn'>): (host: string, origin: string) => void {
  return (host, origin) =>
    logger.warn(`WARNING: request with non matching host and origin ${host} != ${origin}, returning 403`);
}
