import type { FastifyInstance, FastifyRequest } from 'fastify';

/** A body that is not JSON. Routes that need JSON answer 400; routes that take bytes use `rawBody`. */
export class UnparsedBody {
  constructor(
    readonly raw: Buffer,
    readonly reason: string,
  ) {}
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body as received (every content type except multipart). */
    rawBody?: Buffer;
  }
}

/** Parses a request body as ComfyUI (aiohttp) does: JSON whatever the Content-Type, empty allowed. */
export function parseLenientBody(raw: Buffer): unknown {
  const text = raw.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return new UnparsedBody(raw, error instanceof Error ? error.message : String(error));
  }
}

/**
 * Replaces Fastify's JSON and text parsers with one for every content type except multipart:
 * clients post JSON as text/plain (the frontend) or form-urlencoded (ComfyUI's Python examples).
 */
export function registerLenientBodyParser(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
    request.rawBody = body;
    done(null, parseLenientBody(body));
  });
}
