import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { readPngTexts, withPngTexts } from '@easel/core';
import { MultipartError, formPart, multipartBoundary, parseMultipart } from './multipart.js';
import {
  numberedName,
  parseOriginalRef,
  resolveOriginalPath,
  resolveUploadTarget,
  splitExtension,
} from './upload-path.js';

const dirs = { output: '/srv/base/output', input: '/srv/base/input', temp: '/srv/base/temp' };

function body(boundary: string, ...parts: (string | Buffer)[]): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
}

describe('multipart/form-data', () => {
  it('finds the boundary of multipart/form-data only', () => {
    expect(multipartBoundary('multipart/form-data; boundary=abc')).toBe('abc');
    expect(multipartBoundary('Multipart/Form-Data; charset=utf-8; boundary="a;b c"')).toBe('a;b c');
    expect(multipartBoundary('multipart/form-data')).toBeNull();
    expect(multipartBoundary('multipart/form-data; boundary=')).toBeNull();
    expect(multipartBoundary('application/json')).toBeNull();
    expect(multipartBoundary(undefined)).toBeNull();
  });

  it('reads files and text fields as aiohttp does', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x2d, 0x2d, 0x00, 0xff]);
    const parts = parseMultipart(
      body(
        'XyZ',
        'preamble to ignore\r\n',
        '--XyZ\r\nContent-Disposition: form-data; name="image"; filename="a \\"b\\".png"\r\n',
        'Content-Type: image/png\r\n\r\n',
        png,
        '\r\n--XyZ\r\nContent-Disposition: form-data; name="subfolder"\r\n\r\nsub/dir\r\n',
        '--XyZ  \r\ncontent-disposition: form-data;\r\n name="type"\r\n\r\ntemp',
        '\r\n--XyZ\r\nContent-Disposition: form-data; name="note"\r\nContent-Type: text/plain; charset=latin1\r\n\r\n',
        Buffer.from([0xe9]),
        '\r\n--XyZ\r\nContent-Disposition: form-data; name="empty"; filename=""\r\n\r\n\r\n',
        '--XyZ\r\nContent-Disposition: form-data; name="utf"; filename="x.png"; filename*=UTF-8\'\'%E2%82%AC.png\r\n\r\nE',
        '\r\n--XyZ\r\nContent-Disposition: form-data; name="raw"; filename="ünï.png"\r\n\r\nR',
        '\r\n--XyZ--\r\nepilogue',
      ),
      'XyZ',
    );
    expect(parts).toEqual([
      { kind: 'file', name: 'image', filename: 'a "b".png', data: png },
      { kind: 'field', name: 'subfolder', value: 'sub/dir' },
      { kind: 'field', name: 'type', value: 'temp' },
      { kind: 'field', name: 'note', value: 'é' },
      { kind: 'field', name: 'empty', value: '' },
      { kind: 'file', name: 'utf', filename: '€.png', data: Buffer.from('E') },
      { kind: 'file', name: 'raw', filename: 'ünï.png', data: Buffer.from('R') },
    ]);
    expect(formPart(parts, 'type')).toEqual({ kind: 'field', name: 'type', value: 'temp' });
    expect(formPart(parts, 'missing')).toBeUndefined();
  });

  it('refuses malformed bodies', () => {
    const bad = [
      'no boundary at all',
      '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nnever closed',
      '--b\r\nContent-Disposition: form-data; name="a"',
      '--bX\r\n\r\n',
      '--b\r\nnot a header\r\n\r\nx\r\n--b--',
    ];
    for (const text of bad) expect(() => parseMultipart(Buffer.from(text), 'b')).toThrow(MultipartError);
    expect(parseMultipart(Buffer.from('--b--\r\n'), 'b')).toEqual([]);
  });
});

describe('upload targets', () => {
  it('names files like ComfyUI: "name (n).ext"', () => {
    expect(numberedName('a.png', 1)).toBe('a (1).png');
    expect(numberedName('archive.tar.gz', 2)).toBe('archive.tar (2).gz');
    expect(numberedName('.hidden', 1)).toBe('.hidden (1)');
    expect(numberedName('noext', 3)).toBe('noext (3)');
    expect(splitExtension('..x')).toEqual(['..x', '']);
    expect(splitExtension('a.b.c')).toEqual(['a.b', '.c']);
  });

  it('writes inside the type folder, subfolders included', () => {
    expect(resolveUploadTarget(dirs.input, '', 'a.png')).toEqual({
      ok: true,
      folder: '/srv/base/input',
      filename: 'a.png',
      path: '/srv/base/input/a.png',
    });
    expect(resolveUploadTarget(dirs.temp, 'x/y', 'a b.png')).toMatchObject({
      path: '/srv/base/temp/x/y/a b.png',
    });
    expect(resolveUploadTarget(dirs.input, 'x/../y/', 'a.png')).toMatchObject({
      path: '/srv/base/input/y/a.png',
    });
    expect(resolveUploadTarget(dirs.input, '.', '100%.png')).toMatchObject({
      path: '/srv/base/input/100%.png',
    });
  });

  it('refuses every way out, plain or percent-encoded', () => {
    const refused = [
      ['', '../a.png'],
      ['', '..'],
      ['', '.'],
      ['', ''],
      ['', 'x/a.png'],
      ['', 'a\0.png'],
      ['', '..%2fa.png'],
      ['', '%2e%2e'],
      ['', '%252e%252e%252fa.png'],
      ['', '..\\a.png'],
      ['..', 'a.png'],
      ['../input2', 'a.png'],
      ['a/../..', 'a.png'],
      ['/etc', 'a.png'],
      ['/srv/base/input', 'a.png'],
      ['%2e%2e', 'a.png'],
      ['%252e%252e/%252e%252e', 'a.png'],
      ['..%5c..', 'a.png'],
      ['x\0', 'a.png'],
    ];
    for (const [subfolder, filename] of refused) {
      expect([subfolder, filename, resolveUploadTarget(dirs.input, subfolder, filename)]).toEqual([
        subfolder,
        filename,
        { ok: false, status: 400 },
      ]);
    }
  });

  it("checks /upload/mask's original_ref as ComfyUI does", () => {
    expect(parseOriginalRef('{"filename": "a.png"}')).toEqual({ filename: 'a.png' });
    for (const text of [
      '',
      'null',
      '[]',
      '{"filename": 3}',
      '{"subfolder": ""}',
      '{"filename":"a","type":1}',
    ]) {
      expect([text, parseOriginalRef(text)]).toEqual([text, null]);
    }
    expect(resolveOriginalPath({ filename: 'a.png' }, dirs)).toEqual({
      ok: true,
      path: '/srv/base/output/a.png',
    });
    expect(resolveOriginalPath({ filename: 'a.png', type: 'input', subfolder: 'clipspace' }, dirs)).toEqual({
      ok: true,
      path: '/srv/base/input/clipspace/a.png',
    });
    expect(resolveOriginalPath({ filename: 'a.png [temp]', type: 'input' }, dirs)).toEqual({
      ok: true,
      path: '/srv/base/temp/a.png',
    });
    for (const ref of [
      { filename: '' },
      { filename: ' [input]' },
      { filename: '/etc/passwd' },
      { filename: '../a.png' },
      { filename: 'x..y.png' },
      { filename: 'a.png', type: 'models' },
    ]) {
      expect([ref, resolveOriginalPath(ref, dirs)]).toEqual([ref, { ok: false, status: 400 }]);
    }
    for (const subfolder of ['..', '/etc', '../input', '%2e%2e']) {
      expect([subfolder, resolveOriginalPath({ filename: 'a.png', subfolder }, dirs)]).toEqual([
        subfolder,
        { ok: false, status: 403 },
      ]);
    }
  });
});

describe('PNG text metadata', () => {
  const chunk = (type: string, data: Buffer) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    return out; // CRC left zero: reading does not need it
  };

  it('reads tEXt, zTXt and iTXt, before and after the image data', async () => {
    const png = await sharp(Buffer.from([1, 2, 3]), { raw: { width: 1, height: 1, channels: 3 } })
      .png()
      .toBuffer();
    const iend = png.length - 12;
    const file = Buffer.concat([
      png.subarray(0, 33),
      chunk('tEXt', Buffer.from('prompt\0{"a": 1}', 'latin1')),
      chunk('zTXt', Buffer.concat([Buffer.from('workflow\0\0', 'latin1'), deflateSync('{"nodes": []}')])),
      png.subarray(33, iend),
      chunk('iTXt', Buffer.from('title\0\0\0en\0Titel\0caf\u00e9 \u2603', 'utf8')),
      chunk('tEXt', Buffer.from('prompt\0{"a": 2}', 'latin1')),
      png.subarray(iend),
    ]);
    const texts = readPngTexts(file);
    expect(texts).toEqual([
      { key: 'prompt', value: '{"a": 2}' },
      { key: 'workflow', value: '{"nodes": []}' },
      { key: 'title', value: 'café ☃', international: { language: 'en', translatedKey: 'Titel' } },
    ]);
    const written = withPngTexts(png, [...texts, { key: 'note', value: 'snow ☃' }]);
    // a value outside Latin-1 goes into an iTXt chunk, as Pillow writes it
    expect(readPngTexts(written)).toEqual([
      ...texts,
      { key: 'note', value: 'snow ☃', international: { language: '', translatedKey: '' } },
    ]);
    // still a valid PNG with the same pixels
    expect([...(await sharp(written).raw().toBuffer())]).toEqual([1, 2, 3]);
    expect(readPngTexts(Buffer.from('not a png'))).toEqual([]);
  });
});
