import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { startServerProcess, type ServerProcess } from './testing/server-process.js';

// GET /view on the real, built server: files put in a temporary base directory's output/,
// input/ and temp/ folders, served as they are or converted, and every way out of those
// folders refused.

const SECRET = 'TOP SECRET: nothing may serve this';

/** A 2x1 RGBA PNG: an opaque-ish red pixel and a half-transparent blue one. */
const RGBA = Buffer.from([200, 10, 20, 255, 30, 40, 250, 128]);

describe('GET /view (end to end)', () => {
  let base: string;
  let server: ServerProcess;
  let png: Buffer;

  const fetchView = (query: string, init?: RequestInit, prefix = '') =>
    fetch(`${server.url}${prefix}/view?${query}`, init);

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'easel-view-e2e-'));
    png = await sharp(RGBA, { raw: { width: 2, height: 1, channels: 4 } })
      .png()
      .toBuffer();
    const output = join(base, 'output');
    await mkdir(join(output, 'sub', 'deeper'), { recursive: true });
    await mkdir(join(output, '%2e%2e'), { recursive: true });
    await writeFile(join(output, 'img.png'), png);
    await writeFile(join(output, 'sub', 'deeper', 'deep.png'), png);
    await writeFile(
      join(output, 'photo.jpg'),
      await sharp(RGBA, { raw: { width: 2, height: 1, channels: 4 } })
        .jpeg()
        .toBuffer(),
    );
    await writeFile(join(output, 'notes.txt'), 'just text');
    await writeFile(join(output, 'clip.webm'), Buffer.from([0x1a, 0x45, 0xdf, 0xa3]));
    await writeFile(join(output, 'page.html'), '<script>alert(1)</script>');
    await writeFile(join(output, 'pic.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(join(output, 'quote"d é.png'), png);
    await mkdir(join(base, 'input'), { recursive: true });
    await writeFile(join(base, 'input', 'in.png'), png);
    // files outside the type folders that nothing may reach
    await writeFile(join(base, 'secret.txt'), SECRET);
    await writeFile(join(base, 'models.txt'), SECRET);
    await mkdir(join(base, 'models'), { recursive: true });
    await writeFile(join(base, 'models', 'secret.txt'), SECRET);
    server = await startServerProcess(['--base-directory', base]);
    // the server empties temp/ when it starts
    await writeFile(join(base, 'temp', 'preview.png'), png);
  });

  afterAll(async () => {
    const code = await server?.stop();
    await rm(base, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it.each(['', '/api'])(
    'serves a file as it is at %s/view, with aiohttp FileResponse headers',
    async (prefix) => {
      const response = await fetchView('filename=img.png&rand=0.123', undefined, prefix);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer())).toEqual(png);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(response.headers.get('content-disposition')).toBe('filename="img.png"');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-length')).toBe(String(png.length));
      expect(response.headers.get('accept-ranges')).toBe('bytes');
      expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
      expect(response.headers.get('etag')).toContain(`-${png.length.toString(16)}"`);
      expect(response.headers.get('last-modified')).toMatch(
        /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
      );
      // no caching headers: /view has no image extension in its path (ComfyUI's cache middleware)
      expect(response.headers.get('cache-control')).toBeNull();
    },
  );

  it('finds files by type, subfolder and annotation suffix', async () => {
    const body = async (query: string) => {
      const response = await fetchView(query);
      expect([query, response.status]).toEqual([query, 200]);
      return Buffer.from(await response.arrayBuffer());
    };
    expect(await body('filename=preview.png&type=temp')).toEqual(png);
    expect(await body('filename=in.png&type=input')).toEqual(png);
    expect(await body('filename=deep.png&subfolder=sub/deeper')).toEqual(png);
    expect(await body('filename=deep.png&subfolder=sub%2Fdeeper&type=output')).toEqual(png);
    expect(await body('filename=deep.png&subfolder=sub/../sub/deeper')).toEqual(png);
    expect(await body(`filename=${encodeURIComponent('in.png [input]')}&type=temp`)).toEqual(png);
    expect(await body(`filename=${encodeURIComponent('preview.png [temp]')}`)).toEqual(png);
    // only the last part of filename counts (ComfyUI's quirk)
    expect(await body('filename=whatever/img.png')).toEqual(png);
  });

  it('answers HEAD, ranges and conditional requests', async () => {
    const head = await fetchView('filename=img.png', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(png.length));
    expect(head.headers.get('content-type')).toBe('image/png');
    expect((await head.arrayBuffer()).byteLength).toBe(0);

    const range = await fetchView('filename=img.png', { headers: { range: 'bytes=1-4' } });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 1-4/${png.length}`);
    expect(Buffer.from(await range.arrayBuffer())).toEqual(png.subarray(1, 5));
    const unsatisfiable = await fetchView('filename=img.png', { headers: { range: `bytes=${png.length}-` } });
    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.headers.get('content-range')).toBe(`bytes */${png.length}`);

    const etag = head.headers.get('etag')!;
    const cached = await fetchView('filename=img.png', { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);
    const since = await fetchView('filename=img.png', {
      headers: { 'if-modified-since': head.headers.get('last-modified')! },
    });
    expect(since.status).toBe(304);
  });

  it('converts previews to webp or jpeg with the asked quality', async () => {
    const webp = await fetchView('filename=img.png&preview=webp;50');
    expect(webp.status).toBe(200);
    expect(webp.headers.get('content-type')).toBe('image/webp');
    expect(webp.headers.get('content-disposition')).toBe('filename="img.png"');
    const webpMeta = await sharp(Buffer.from(await webp.arrayBuffer())).metadata();
    expect([webpMeta.format, webpMeta.width, webpMeta.height, webpMeta.hasAlpha]).toEqual([
      'webp',
      2,
      1,
      true,
    ]);

    const jpeg = await fetchView('filename=img.png&preview=jpeg;80');
    expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
    const jpegMeta = await sharp(Buffer.from(await jpeg.arrayBuffer())).metadata();
    expect([jpegMeta.format, jpegMeta.channels, jpegMeta.hasAlpha]).toEqual(['jpeg', 3, false]);

    // webp when the format is unknown or an alpha channel is asked for; rgb drops the alpha
    for (const [query, type, alpha] of [
      ['preview=png', 'image/webp', true],
      ['preview=jpeg&channel=rgba', 'image/webp', true],
      ['preview=jpeg;70&channel=a', 'image/webp', true],
      ['preview=webp&channel=rgb', 'image/webp', false],
    ] as const) {
      const response = await fetchView(`filename=img.png&${query}`);
      expect([query, response.headers.get('content-type')]).toEqual([query, type]);
      const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      expect([query, meta.hasAlpha]).toEqual([query, alpha]);
    }
    // a file that is no image cannot be converted: a JSON 400, and the server keeps serving
    const text = await fetchView('filename=notes.txt&preview=webp');
    expect(text.status).toBe(400);
    expect(((await text.json()) as { error: { type: string } }).error.type).toBe('bad_request');
  });

  it('extracts the rgb and alpha channels as PNG', async () => {
    const rgb = await fetchView('filename=img.png&channel=rgb');
    expect(rgb.status).toBe(200);
    expect(rgb.headers.get('content-type')).toBe('image/png');
    expect(rgb.headers.get('content-disposition')).toBe('filename="img.png"');
    const rgbPixels = await sharp(Buffer.from(await rgb.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(rgbPixels.info.channels).toBe(3);
    expect([...rgbPixels.data]).toEqual([200, 10, 20, 30, 40, 250]);

    const alpha = await fetchView('filename=img.png&channel=a');
    expect(alpha.headers.get('content-type')).toBe('image/png');
    const alphaPixels = await sharp(Buffer.from(await alpha.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(alphaPixels.info.channels).toBe(4);
    expect([...alphaPixels.data]).toEqual([0, 0, 0, 255, 0, 0, 0, 128]);

    // without alpha, the alpha image is fully opaque
    const opaque = await fetchView('filename=photo.jpg&channel=a');
    const opaquePixels = await sharp(Buffer.from(await opaque.arrayBuffer()))
      .raw()
      .toBuffer();
    expect([...opaquePixels]).toEqual([0, 0, 0, 255, 0, 0, 0, 255]);

    // channel=rgba (the default) is the file as it is
    const rgba = await fetchView('filename=img.png&channel=rgba');
    expect(Buffer.from(await rgba.arrayBuffer())).toEqual(png);
  });

  it('sends content types by extension and never renders active content inline', async () => {
    const text = await fetchView('filename=notes.txt');
    expect(text.headers.get('content-type')).toBe('text/plain');
    expect(await text.text()).toBe('just text');
    const video = await fetchView('filename=clip.webm');
    expect(video.headers.get('content-type')).toBe('video/webm');
    const jpeg = await fetchView('filename=photo.jpg');
    expect(jpeg.headers.get('content-type')).toBe('image/jpeg');

    const html = await fetchView('filename=page.html');
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toBe('application/octet-stream');
    expect(html.headers.get('content-disposition')).toBe('attachment; filename="page.html"');
    expect(html.headers.get('cache-control')).toBe('no-store');
    expect(html.headers.get('vary')).toBe('Sec-Fetch-Dest');
    expect(html.headers.get('x-content-type-options')).toBe('nosniff');

    const svgDocument = await fetchView('filename=pic.svg');
    expect(svgDocument.headers.get('content-type')).toBe('application/octet-stream');
    expect(svgDocument.headers.get('content-disposition')).toBe('attachment; filename="pic.svg"');
    const svgImage = await fetchView('filename=pic.svg', { headers: { 'sec-fetch-dest': 'image' } });
    expect(svgImage.headers.get('content-type')).toBe('image/svg+xml');
    expect(svgImage.headers.get('content-disposition')).toBe('filename="pic.svg"');
    expect(svgImage.headers.get('cache-control')).toBe('no-store');

    const odd = await fetchView(`filename=${encodeURIComponent('quote"d é.png')}`);
    expect(odd.status).toBe(200);
    const disposition = Buffer.from(odd.headers.get('content-disposition')!, 'latin1').toString('utf8');
    expect(disposition).toBe('filename="quote\\"d é.png"');
  });

  it('answers 404 with an empty body for missing files, folders and a missing filename', async () => {
    for (const query of [
      'filename=nothing.png',
      'filename=sub',
      'filename=deep.png',
      'type=output',
      'filename=img.png&subfolder=nowhere',
      'filename=blake3:0123abcd',
    ]) {
      const response = await fetchView(query);
      expect([query, response.status, await response.text()]).toEqual([query, 404, '']);
    }
    const head = await fetchView('filename=nothing.png', { method: 'HEAD' });
    expect(head.status).toBe(404);
  });

  it.each(['', '/api'])('refuses every way out of the folders at %s/view', async (prefix) => {
    const cases: [string, number][] = [
      // filename: .. anywhere, encoded or not, and absolute names are 400
      ['filename=../secret.txt', 400],
      ['filename=..%2Fsecret.txt', 400],
      ['filename=%2e%2e%2fsecret.txt', 400],
      ['filename=%2E%2E/secret.txt', 400],
      ['filename=..%5Csecret.txt', 400],
      ['filename=/etc/passwd', 400],
      ['filename=%2Fetc%2Fpasswd', 400],
      ['filename=' + encodeURIComponent(`${base}/secret.txt`), 400],
      ['filename=' + encodeURIComponent('../secret.txt [output]'), 400],
      ['filename=secret.txt&type=output&subfolder=..', 403],
      // double- and triple-encoded: refused as well (ComfyUI would look up a literal name)
      ['filename=%252e%252e%252fsecret.txt', 400],
      ['filename=%25252e%25252e%25252fsecret.txt', 400],
      // subfolder: outside the folder (or absolute) is 403
      ['filename=secret.txt&subfolder=..', 403],
      ['filename=secret.txt&subfolder=%2e%2e', 403],
      ['filename=secret.txt&subfolder=../', 403],
      ['filename=secret.txt&subfolder=sub/../..', 403],
      ['filename=secret.txt&subfolder=/', 403],
      ['filename=secret.txt&subfolder=' + encodeURIComponent(base), 403],
      ['filename=passwd&subfolder=%2Fetc', 403],
      ['filename=secret.txt&subfolder=..%2Fmodels', 403],
      ['filename=secret.txt&type=temp&subfolder=../models', 403],
      ['filename=secret.txt&subfolder=%252e%252e', 403],
      ['filename=secret.txt&subfolder=%25252e%25252e%25252f..', 403],
      // type: only output, input and temp
      ['filename=secret.txt&type=..', 400],
      ['filename=secret.txt&type=%2e%2e', 400],
      ['filename=secret.txt&type=../output/..', 400],
      ['filename=secret.txt&type=models', 400],
      ['filename=secret.txt&type=' + encodeURIComponent(base), 400],
      ['filename=secret.txt&type=', 400],
    ];
    for (const [query, status] of cases) {
      for (const extra of ['', '&preview=webp', '&channel=a']) {
        const response = await fetchView(query + extra, undefined, prefix);
        const body = await response.text();
        expect([query + extra, response.status]).toEqual([query + extra, status]);
        expect(body).toBe('');
      }
    }
    expect(await readFile(join(base, 'secret.txt'), 'utf8')).toBe(SECRET);
  });
});
