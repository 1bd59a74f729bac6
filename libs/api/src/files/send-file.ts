import type { BigIntStats } from 'node:fs';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Transform, pipeline } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';

// A static file answer like aiohttp's FileResponse: ETag and Last-Modified, conditional requests
// (If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since) and one byte range (If-Range).

/** aiohttp's ETag: hex mtime in nanoseconds and hex size. */
export function etagOf(stats: BigIntStats): string {
  return `"${stats.mtimeNs.toString(16)}-${stats.size.toString(16)}"`;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function etagMatches(list: string, etag: string, weak: boolean): boolean {
  if (list.trim() === '*') return true;
  const bare = (tag: string) => (weak ? tag.replace(/^W\//, '') : tag);
  return list
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => (weak || !tag.startsWith('W/')) && bare(tag) === bare(etag));
}

/** Seconds since the epoch of an HTTP date, or null. */
function httpDate(value: string | undefined): number | null {
  if (value === undefined) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : Math.floor(time / 1000);
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n`: the inclusive range, `null` for none, `'invalid'` for a bad one. */
export function parseRange(value: string | undefined, size: number): [number, number] | null | 'invalid' {
  if (value === undefined) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!match || (match[1] === '' && match[2] === '')) return 'invalid';
  if (match[1] === '') {
    const length = Number(match[2]);
    if (length === 0) return 'invalid';
    return [Math.max(0, size - length), size - 1];
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || start > end) return 'invalid';
  return [start, end];
}

/**
 * The bytes `start`..`end` of the open file. A file shrunk while it is sent (overwritten in
 * place) ends the connection: a body shorter than its Content-Length would leave the client
 * waiting for the rest.
 */
function fileBody(handle: FileHandle, start: number, end: number, reply: FastifyReply): Transform {
  let sent = 0;
  const body = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      if (sent < end - start + 1) reply.raw.destroy();
      done();
    },
  });
  // errors reach Fastify through `body`
  return pipeline(handle.createReadStream({ start, end }), body, () => undefined);
}

/**
 * Sends the regular file at `path`; headers set before are kept. Headers and body come from the
 * one opened file, so a file replaced or deleted meanwhile (a concurrent write or move) is sent
 * whole as it was when opened, or answered 404.
 */
export async function sendFile(
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
): Promise<FastifyReply> {
  let handle: FileHandle;
  let stats: BigIntStats;
  try {
    // non-blocking: a FIFO put in the file's place must not hold the request
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return reply.status(404).header('content-type', 'application/octet-stream').send();
  }
  try {
    stats = await handle.stat({ bigint: true });
  } catch (error) {
    await handle.close();
    throw error;
  }
  if (!stats.isFile()) {
    await handle.close();
    return reply.status(404).header('content-type', 'application/octet-stream').send();
  }
  const answer = answerFile(request, reply, handle, stats);
  if (answer.streamed === false) await handle.close();
  return answer.reply;
}

function answerFile(
  request: FastifyRequest,
  reply: FastifyReply,
  handle: FileHandle,
  stats: BigIntStats,
): { reply: FastifyReply; streamed: boolean } {
  const unstreamed = (answer: FastifyReply) => ({ reply: answer, streamed: false });
  const etag = etagOf(stats);
  const modified = Number(stats.mtimeMs / 1000n);
  const size = Number(stats.size);
  reply.header('etag', etag);
  reply.header('last-modified', new Date(modified * 1000).toUTCString());

  const ifMatch = header(request, 'if-match');
  const ifUnmodifiedSince = httpDate(header(request, 'if-unmodified-since'));
  if (
    (ifMatch !== undefined && !etagMatches(ifMatch, etag, false)) ||
    (ifMatch === undefined && ifUnmodifiedSince !== null && modified > ifUnmodifiedSince)
  ) {
    return unstreamed(reply.status(412).header('content-type', 'application/octet-stream').send());
  }
  const ifNoneMatch = header(request, 'if-none-match');
  const ifModifiedSince = httpDate(header(request, 'if-modified-since'));
  if (
    (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, etag, true)) ||
    (ifNoneMatch === undefined && ifModifiedSince !== null && modified <= ifModifiedSince)
  ) {
    reply.removeHeader('content-type');
    reply.removeHeader('content-disposition');
    return unstreamed(reply.status(304).send());
  }

  reply.header('accept-ranges', 'bytes');
  let range = parseRange(header(request, 'range'), size);
  const ifRange = header(request, 'if-range');
  if (range !== null && ifRange !== undefined) {
    const matches =
      ifRange.trim().startsWith('"') || ifRange.trim().startsWith('W/')
        ? ifRange.trim() === etag
        : httpDate(ifRange) === modified;
    if (!matches) range = null;
  }
  if (range === 'invalid') {
    return unstreamed(
      reply
        .status(416)
        .header('content-range', `bytes */${size}`)
        .header('content-type', 'application/octet-stream')
        .send(),
    );
  }
  if (range === null) {
    reply.header('content-length', size);
    if (size === 0) return unstreamed(reply.status(200).send(Buffer.alloc(0)));
    return { reply: reply.status(200).send(fileBody(handle, 0, size - 1, reply)), streamed: true };
  }
  const [start, end] = range;
  reply.header('content-range', `bytes ${start}-${end}/${size}`);
  reply.header('content-length', end - start + 1);
  return { reply: reply.status(206).send(fileBody(handle, start, end, reply)), streamed: true };
}
