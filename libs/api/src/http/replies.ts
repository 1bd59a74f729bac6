import type { FastifyReply, FastifyRequest } from 'fastify';

// The answer shapes ComfyUI's aiohttp routes use: bare statuses, short texts, and JSON of any
// value (a bare string or null included); and its way of reading query parameters.

type Query = Record<string, string | string[] | undefined>;

/** A query parameter's first value, like aiohttp's `query.get(name)`. */
export function queryParam(request: FastifyRequest, name: string): string | undefined {
  const value = ((request.query ?? {}) as Query)[name];
  return Array.isArray(value) ? value[0] : value;
}

/** ComfyUI's boolean query flags: true only for `true`, in any case. */
export function queryFlag(request: FastifyRequest, name: string): boolean {
  return (queryParam(request, name) ?? '').toLowerCase() === 'true';
}

/** `overwrite`: true unless it is exactly `false`. */
export function overwriteFlag(request: FastifyRequest): boolean {
  return queryParam(request, 'overwrite') !== 'false';
}

/** `web.Response(status=...)`: no body. */
export function bare(reply: FastifyReply, status: number): FastifyReply {
  return reply.status(status).header('content-type', 'application/octet-stream').send();
}

/** `web.Response(status=..., text=...)`. */
export function text(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.status(status).header('content-type', 'text/plain; charset=utf-8').send(body);
}

/** `web.json_response(value)`, for any JSON value (Fastify would send a string as text). */
export function json(reply: FastifyReply, value: unknown, status = 200): FastifyReply {
  return reply
    .status(status)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify(value));
}
