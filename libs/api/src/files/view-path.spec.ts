import {
  contentDisposition,
  contentTypeOf,
  isDangerousContentType,
  rendersSafelyAsImage,
} from './mime-types.js';
import { parseRange } from './send-file.js';
import { annotatedName, resolveViewPath } from './view-path.js';

const dirs = { output: '/srv/base/output', input: '/srv/base/input', temp: '/srv/base/temp' };

describe('GET /view path rules', () => {
  it('picks the folder from type (default output) or an annotation suffix', () => {
    expect(resolveViewPath({ filename: 'a.png' }, dirs)).toEqual({
      ok: true,
      path: '/srv/base/output/a.png',
      filename: 'a.png',
    });
    expect(resolveViewPath({ filename: 'a.png', type: 'temp', subfolder: 'x/y' }, dirs)).toEqual({
      ok: true,
      path: '/srv/base/temp/x/y/a.png',
      filename: 'a.png',
    });
    expect(resolveViewPath({ filename: 'a.png [input]', type: 'temp' }, dirs)).toMatchObject({
      path: '/srv/base/input/a.png',
    });
    expect(annotatedName('b.png [output]')).toEqual({ name: 'b.png', type: 'output' });
    expect(annotatedName('b.png [temp]')).toEqual({ name: 'b.png', type: 'temp' });
    expect(annotatedName('[temp]')).toEqual({ name: '', type: 'temp' });
  });

  it('uses only the last component of filename, and allows subfolders that stay inside', () => {
    expect(resolveViewPath({ filename: 'deep/dir/a.png' }, dirs)).toMatchObject({
      path: '/srv/base/output/a.png',
    });
    expect(resolveViewPath({ filename: 'a.png', subfolder: 'x/../y' }, dirs)).toMatchObject({
      path: '/srv/base/output/y/a.png',
    });
    expect(resolveViewPath({ filename: 'a.png', subfolder: '' }, dirs)).toMatchObject({
      path: '/srv/base/output/a.png',
    });
  });

  it('answers 404 without a filename, 400 for refused names and types, 403 for subfolders outside', () => {
    const status = (query: Parameters<typeof resolveViewPath>[0]) => {
      const result = resolveViewPath(query, dirs);
      return result.ok ? 200 : result.status;
    };
    expect(status({})).toBe(404);
    expect(status({ filename: 'blake3:abcdef' })).toBe(404);
    expect(status({ filename: 'dir/' })).toBe(404);
    for (const filename of [
      '',
      ' [output]',
      '/etc/passwd',
      '../secret.txt',
      'a/../../b',
      '..',
      'x..y',
      'a\0b',
    ]) {
      expect([filename, status({ filename })]).toEqual([filename, 400]);
    }
    for (const type of ['', 'models', '../output', 'OUTPUT', 'user']) {
      expect([type, status({ filename: 'a.png', type })]).toEqual([type, 400]);
    }
    for (const subfolder of ['..', '../temp', 'a/../../..', '/etc', '/srv/base/output', '..\0']) {
      expect([subfolder, status({ filename: 'a.png', subfolder })]).toEqual([subfolder, 403]);
    }
  });
});

describe('content types', () => {
  it("guesses types like ComfyUI's mimetypes", () => {
    expect(contentTypeOf('a.png')).toBe('image/png');
    expect(contentTypeOf('A.JPG')).toBe('image/jpeg');
    expect(contentTypeOf('clip.webm')).toBe('video/webm');
    expect(contentTypeOf('page.js')).toBe('application/javascript; charset=utf-8');
    expect(contentTypeOf('model.safetensors')).toBe('application/safetensors');
    expect(contentTypeOf('noext')).toBe('application/octet-stream');
  });

  it('knows the dangerous types', () => {
    for (const type of [
      'text/html',
      'TEXT/HTML; charset=utf-8',
      'image/svg+xml',
      'application/rss+xml',
      'text/xml',
    ]) {
      expect([type, isDangerousContentType(type)]).toEqual([type, true]);
    }
    for (const type of ['image/png', 'application/json', 'text/plain', 'video/mp4']) {
      expect([type, isDangerousContentType(type)]).toEqual([type, false]);
    }
    expect(rendersSafelyAsImage('image/svg+xml', 'image')).toBe(true);
    expect(rendersSafelyAsImage('image/svg+xml', 'document')).toBe(false);
    expect(rendersSafelyAsImage('text/html', 'image')).toBe(false);
  });

  it('writes a header-safe Content-Disposition', () => {
    expect(contentDisposition('a.png')).toBe('filename="a.png"');
    expect(contentDisposition('x.html', true)).toBe('attachment; filename="x.html"');
    expect(contentDisposition('a"b\\c\r\nd.png')).toBe('filename="a\\"b\\\\cd.png"');
    expect(Buffer.from(contentDisposition('é.png'), 'latin1').toString('utf8')).toBe('filename="é.png"');
  });
});

describe('byte ranges', () => {
  it('parses one range as aiohttp does', () => {
    expect(parseRange(undefined, 10)).toBeNull();
    expect(parseRange('bytes=0-3', 10)).toEqual([0, 3]);
    expect(parseRange('bytes=4-', 10)).toEqual([4, 9]);
    expect(parseRange('bytes=-3', 10)).toEqual([7, 9]);
    expect(parseRange('bytes=-30', 10)).toEqual([0, 9]);
    expect(parseRange('bytes=5-100', 10)).toEqual([5, 9]);
    for (const bad of ['bytes=10-', 'bytes=5-2', 'bytes=-', 'bytes=0-1,3-4', 'items=0-1', 'bytes=-0']) {
      expect([bad, parseRange(bad, 10)]).toEqual([bad, 'invalid']);
    }
  });
});
