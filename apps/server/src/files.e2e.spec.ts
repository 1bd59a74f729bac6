import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import {
  ComfyClient,
  ExecutionError,
  startTestingServer,
  type TestingServer,
} from './testing/comfy-client.js';
import {
  GOLDEN_IO_PACK,
  compareRecords,
  goldenPrompt,
  readGoldenCases,
  type GoldenCase,
  type TensorRecord,
} from './testing/goldens.js';

// Files through the real server: uploads (POST /upload/image, /upload/mask), the loaders run on
// what was uploaded (LoadImage, LoadImageMask against ComfyUI 0.24's recorded tensors), SaveImage
// against the PNG files ComfyUI wrote, and every way out of the folders refused.

/** --max-upload-size for this server: 64 KiB, so a 413 needs no large test data. */
const MAX_UPLOAD_MB = 0.0625;
const MAX_UPLOAD_BYTES = 65536;

type Part =
  { name: string; value: string } | { name: string; filename: string; data: Buffer; disposition?: string };

/** A multipart/form-data body, written by hand so tests control every header byte. */
function multipart(parts: readonly Part[]): { body: Buffer; contentType: string } {
  const boundary = `----easel${randomUUID()}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition =
      'value' in part
        ? `form-data; name="${part.name}"`
        : (part.disposition ?? `form-data; name="${part.name}"; filename="${part.filename}"`);
    const head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${
      'value' in part ? '' : 'Content-Type: application/octet-stream\r\n'
    }\r\n`;
    chunks.push(Buffer.from(head, 'utf8'), 'value' in part ? Buffer.from(part.value, 'utf8') : part.data);
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The file list of a folder tree, as sorted relative paths. */
async function tree(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else found.push(relative(root, path));
    }
  };
  await walk(root);
  return found.sort();
}

/** PNG chunk types in order, runs of IDAT counted once. */
function chunkLayout(png: Buffer): string[] {
  const types: string[] = [];
  for (let offset = 8; offset + 8 <= png.length;) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    if (!(type === 'IDAT' && types.at(-1) === 'IDAT')) types.push(type);
    offset += 12 + length;
  }
  return types;
}

function pngTexts(png: Buffer): [string, string][] {
  const texts: [string, string][] = [];
  for (let offset = 8; offset + 8 <= png.length;) {
    const length = png.readUInt32BE(offset);
    if (png.toString('latin1', offset + 4, offset + 8) === 'tEXt') {
      const data = png.subarray(offset + 8, offset + 8 + length);
      const nul = data.indexOf(0);
      texts.push([data.toString('latin1', 0, nul), data.toString('latin1', nul + 1)]);
    }
    offset += 12 + length;
  }
  return texts;
}

/** Bit depth and colour type from the IHDR chunk. */
const pngFormat = (png: Buffer) => [png[24], png[25]];

async function rgbaPng(width: number, height: number, pixel: (x: number, y: number) => number[]) {
  const data = Buffer.from(
    Array.from({ length: width * height }, (_, i) => pixel(i % width, Math.floor(i / width))).flat(),
  );
  return sharp(data, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}

describe('files: uploads, loaders and SaveImage (end to end)', () => {
  let testing: TestingServer;
  let client: ComfyClient;
  let input: string;
  let output: string;

  async function post(path: string, parts: readonly Part[]): Promise<{ status: number; body: unknown }> {
    const { body, contentType } = multipart(parts);
    const response = await fetch(testing.server.url + path, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? '' : JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: response.status, body: parsed };
  }

  const uploadImage = (filename: string, data: Buffer, fields: Record<string, string> = {}) =>
    post('/upload/image', [
      { name: 'image', filename, data },
      ...Object.entries(fields).map(([name, value]) => ({ name, value })),
    ]);

  /** Runs one node and dumps its outputs through the golden-io pack. */
  const runNode = (classType: string, inputs: Record<string, unknown>, outputs = 2) =>
    client.run({
      node: { class_type: classType, inputs },
      ...Object.fromEntries(
        Array.from({ length: outputs }, (_, i) => [
          `out${i}`,
          { class_type: 'EaselGoldenOutput', inputs: { value: ['node', i] } },
        ]),
      ),
    });

  const dumped = (result: Awaited<ReturnType<typeof runNode>>, i: number) =>
    (result.outputs[`out${i}`]?.tensors as { shape: number[]; data_b64: string }[])[0];

  beforeAll(async () => {
    testing = await startTestingServer(['--max-upload-size', String(MAX_UPLOAD_MB)], {
      'golden-io': GOLDEN_IO_PACK,
    });
    client = await ComfyClient.connect(testing.server.url);
    input = join(testing.base, 'input');
    output = join(testing.base, 'output');
  }, 120_000);
  afterAll(async () => {
    client?.close();
    await testing?.stop();
  });

  describe("ComfyUI 0.24's recorded file cases", () => {
    const loadCases = readGoldenCases((name) => name.startsWith('LoadImage'));
    const saveCases = readGoldenCases((name) => name.startsWith('SaveImage'));

    it('has them', () => {
      expect(loadCases.length).toBe(10);
      expect(saveCases.length).toBe(2);
    });

    it.each(loadCases.map((c) => [c.case, c] as const))(
      '%s: uploaded, then loaded as ComfyUI did',
      async (_name, golden: GoldenCase) => {
        const file = golden.input_files!.image;
        const uploaded = await uploadImage(file.filename, Buffer.from(file.png_b64, 'base64'));
        expect(uploaded).toEqual({
          status: 200,
          body: { name: golden.inputs.image, subfolder: '', type: 'input' },
        });
        const result = await client.run(goldenPrompt(golden));
        golden.outputs.forEach((expected, i) => {
          // FFmpeg takes 16-bit RGB through YUV, which moves values by up to 26/65535
          const tolerance = golden.case === 'LoadImage_png_rgb16' && i === 0 ? 4e-4 : 0;
          const actual = (result.outputs[`out${i}`]?.tensors ?? []) as Parameters<typeof compareRecords>[1][];
          const comparison = compareRecords(expected as TensorRecord, actual[0], tolerance);
          expect({ output: i, ...comparison }).toEqual({
            output: i,
            ok: true,
            maxDifference: comparison.maxDifference,
          });
        });
      },
    );

    it.each(saveCases.map((c) => [c.case, c] as const))(
      '%s: the PNG files have the recorded pixels and chunk layout',
      async (_name, golden: GoldenCase) => {
        const result = await client.run(goldenPrompt(golden));
        expect(result.outputs.node).toEqual(golden.ui);
        for (const file of golden.files!) {
          const query = new URLSearchParams({
            filename: file.filename,
            subfolder: file.subfolder,
            type: file.type,
          });
          const response = await fetch(`${testing.server.url}/view?${query.toString()}`);
          expect(response.status).toBe(200);
          const ours = Buffer.from(await response.arrayBuffer());
          const theirs = Buffer.from(file.png_b64, 'base64');
          const pixels = file.pixels as { shape: number[]; data_b64: string };
          const { data, info } = await sharp(ours).raw().toBuffer({ resolveWithObject: true });
          expect([info.height, info.width, info.channels]).toEqual(pixels.shape);
          expect(data.equals(Buffer.from(pixels.data_b64, 'base64'))).toBe(true);
          expect(pngFormat(ours)).toEqual(pngFormat(theirs));
          // sharp adds a pHYs chunk (resolution) that Pillow does not write: the only difference
          expect(chunkLayout(ours).filter((type) => type !== 'pHYs')).toEqual(chunkLayout(theirs));
          expect(pngTexts(ours).map(([key]) => key)).toEqual(pngTexts(theirs).map(([key]) => key));
          expect(pngTexts(ours)[0][1]).toContain(
            `"filename_prefix": "${golden.inputs.filename_prefix as string}"`,
          );
        }
      },
    );
  });

  describe('POST /upload/image', () => {
    it('keeps the name for identical bytes and numbers it for different ones', async () => {
      const a = await rgbaPng(2, 2, () => [10, 20, 30, 255]);
      const b = await rgbaPng(2, 2, () => [40, 50, 60, 255]);
      const c = await rgbaPng(3, 1, () => [70, 80, 90, 255]);
      const named = async (data: Buffer, fields?: Record<string, string>) => {
        const answer = await uploadImage('same.png', data, fields);
        expect(answer.status).toBe(200);
        return (answer.body as { name: string }).name;
      };
      expect(await named(a)).toBe('same.png');
      expect(await named(a)).toBe('same.png');
      expect(await named(b)).toBe('same (1).png');
      expect(await named(b)).toBe('same (1).png');
      expect(await named(c)).toBe('same (2).png');
      expect(await readFile(join(input, 'same.png'))).toEqual(a);
      expect(await readFile(join(input, 'same (1).png'))).toEqual(b);
      expect(await readFile(join(input, 'same (2).png'))).toEqual(c);
      // overwrite replaces whatever has the name
      expect(await named(c, { overwrite: 'true' })).toBe('same.png');
      expect(await readFile(join(input, 'same.png'))).toEqual(c);
      expect(await named(b, { overwrite: '1' })).toBe('same.png');
      expect(await named(a, { overwrite: 'yes' })).toBe('same (3).png');
    });

    it('writes into temp and output, into subfolders it creates, also at /api', async () => {
      const png = await rgbaPng(1, 1, () => [1, 2, 3, 4]);
      expect(await uploadImage('t.png', png, { type: 'temp', subfolder: 'x/y' })).toEqual({
        status: 200,
        body: { name: 't.png', subfolder: 'x/y', type: 'temp' },
      });
      expect(await readFile(join(testing.base, 'temp', 'x', 'y', 't.png'))).toEqual(png);
      expect(await uploadImage('o.png', png, { type: 'output', subfolder: 'a/../b' })).toEqual({
        status: 200,
        body: { name: 'o.png', subfolder: 'a/../b', type: 'output' },
      });
      expect(await readFile(join(output, 'b', 'o.png'))).toEqual(png);
      expect(
        (await post('/api/upload/image', [{ name: 'image', filename: 'api.png', data: png }])).body,
      ).toEqual({
        name: 'api.png',
        subfolder: '',
        type: 'input',
      });
    });

    it('refuses what is not an image with 400, and a form without an image', async () => {
      const before = await tree(input);
      const text = await uploadImage('notes.txt', Buffer.from('just some text'));
      expect(text.status).toBe(400);
      expect(text.body).toMatchObject({
        error: { type: 'bad_request', message: 'The upload is not an image' },
      });
      expect((await uploadImage('fake.png', Buffer.from('<html>not a png</html>'))).status).toBe(400);
      expect((await post('/upload/image', [{ name: 'image', value: 'a text field' }])).status).toBe(400);
      expect(
        await post('/upload/image', [{ name: 'other', filename: 'a.png', data: Buffer.from('x') }]),
      ).toEqual({
        status: 400,
        body: '',
      });
      const json = await fetch(`${testing.server.url}/upload/image`, {
        method: 'POST',
        body: '{"image": 1}',
      });
      expect(json.status).toBe(400);
      const malformed = await fetch(`${testing.server.url}/upload/image`, {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=zz' },
        body: '--zz\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\nno end',
      });
      expect(malformed.status).toBe(400);
      expect(await tree(input)).toEqual(before);
    });

    it('answers 413 to an upload above --max-upload-size and keeps serving', async () => {
      const big = Buffer.alloc(MAX_UPLOAD_BYTES + 1024, 7);
      const answer = await uploadImage('big.png', big);
      expect(answer.status).toBe(413);
      expect((await tree(input)).includes('big.png')).toBe(false);
      expect((await client.request('GET', '/object_info/LoadImage')).status).toBe(200);
    });

    it('refuses every way out of the folders and touches nothing outside them', async () => {
      const png = await rgbaPng(1, 1, () => [9, 9, 9, 255]);
      await writeFile(join(testing.base, 'secret.png'), png);
      const outsideBefore = (await tree(testing.base)).filter((p) => !p.startsWith('user/'));
      const refusals: [Part[], number][] = [
        [[{ name: 'image', filename: '../evil.png', data: png }], 400],
        [[{ name: 'image', filename: '../../evil.png', data: png }], 400],
        [[{ name: 'image', filename: '%2e%2e%2fevil.png', data: png }], 400],
        [[{ name: 'image', filename: '%252e%252e%252fevil.png', data: png }], 400],
        [[{ name: 'image', filename: 'sub/evil.png', data: png }], 400],
        [[{ name: 'image', filename: '..', data: png }], 400],
        [
          [
            {
              name: 'image',
              filename: 'x',
              data: png,
              disposition: `form-data; name="image"; filename="ok.png"; filename*=UTF-8''..%2F..%2Fevil.png`,
            },
          ],
          400,
        ],
        ...[
          '..',
          '../',
          '../../tmp',
          'a/../../..',
          '/tmp',
          input,
          '%2e%2e',
          '%2E%2E%2F',
          '%252e%252e',
          '..%5c..',
        ].map((subfolder): [Part[], number] => [
          [
            { name: 'image', filename: 'evil.png', data: png },
            { name: 'subfolder', value: subfolder },
          ],
          400,
        ]),
        ...['../output', 'models', 'user', '', 'INPUT', '%69nput'].map((type): [Part[], number] => [
          [
            { name: 'image', filename: 'evil.png', data: png },
            { name: 'type', value: type },
          ],
          400,
        ]),
      ];
      for (const [parts, status] of refusals) {
        const answer = await post('/upload/image', parts);
        expect([JSON.stringify(parts.slice(1)), answer.status]).toEqual([
          JSON.stringify(parts.slice(1)),
          status,
        ]);
      }
      const mask = (ref: object) =>
        post('/upload/mask', [
          { name: 'image', filename: 'evil.png', data: png },
          { name: 'original_ref', value: JSON.stringify(ref) },
        ]);
      expect((await mask({ filename: '../secret.png', type: 'input' })).status).toBe(400);
      expect((await mask({ filename: '/etc/passwd' })).status).toBe(400);
      expect((await mask({ filename: 'secret.png', type: 'user' })).status).toBe(400);
      expect((await mask({ filename: 'secret.png', subfolder: '..' })).status).toBe(403);
      expect((await mask({ filename: 'secret.png', subfolder: '%2e%2e' })).status).toBe(403);
      expect((await mask({ filename: 'secret.png [input]', subfolder: '../..' })).status).toBe(403);
      const after = (await tree(testing.base)).filter((p) => !p.startsWith('user/'));
      expect(after).toEqual(outsideBefore);
      expect(after.some((p) => p.includes('evil'))).toBe(false);

      // nor can a prompt load a file outside the input folder
      const answer = await client.request('POST', '/prompt', {
        prompt: {
          node: { class_type: 'LoadImage', inputs: { image: '../secret.png' } },
          out0: { class_type: 'EaselGoldenOutput', inputs: { value: ['node', 0] } },
        },
      });
      expect(answer.status).toBe(400);
      expect(JSON.stringify(answer.body)).toContain('image - Invalid image file: ../secret.png');
    });
  });

  describe('POST /upload/mask', () => {
    it("writes the original with the mask's alpha and the original's text chunks", async () => {
      // the PNG ComfyUI saved for SaveImage_rgb_b2 carries a prompt chunk
      const [golden] = readGoldenCases((name) => name === 'SaveImage_rgb_b2.json');
      const original = Buffer.from(golden.files![0].png_b64, 'base64');
      expect((await uploadImage('orig.png', original, { type: 'output' })).status).toBe(200);
      const { width, height } = await sharp(original).metadata();
      const maskPng = await rgbaPng(width, height, (x, y) => [0, 0, 0, (x * 19 + y * 23) % 256]);
      const answer = await post('/upload/mask', [
        { name: 'image', filename: 'clipspace-mask.png', data: maskPng },
        { name: 'type', value: 'input' },
        { name: 'subfolder', value: 'clipspace' },
        {
          name: 'original_ref',
          value: JSON.stringify({ filename: 'orig.png', subfolder: '', type: 'output' }),
        },
      ]);
      expect(answer).toEqual({
        status: 200,
        body: { name: 'clipspace-mask.png', subfolder: 'clipspace', type: 'input' },
      });
      const written = await readFile(join(input, 'clipspace', 'clipspace-mask.png'));
      expect(pngFormat(written)).toEqual([8, 6]);
      expect(pngTexts(written)).toEqual(pngTexts(original));
      const ours = await sharp(written).raw().toBuffer();
      const rgb = await sharp(original).raw().toBuffer();
      const alpha = await sharp(maskPng).extractChannel(3).raw().toBuffer();
      for (let p = 0; p < width * height; p++) {
        expect([p, ...ours.subarray(p * 4, p * 4 + 4)]).toEqual([
          p,
          ...rgb.subarray(p * 3, p * 3 + 3),
          alpha[p],
        ]);
      }

      // LoadImage gives the mask back as 1 - alpha
      const result = await runNode('LoadImage', { image: 'clipspace/clipspace-mask.png' });
      const mask = dumped(result, 1);
      expect(mask.shape).toEqual([1, height, width]);
      const values = Buffer.from(mask.data_b64, 'base64');
      for (let p = 0; p < width * height; p++) {
        expect(values.readFloatLE(p * 4)).toBe(Math.fround(1 - Math.fround(alpha[p] / 255)));
      }
    });

    it('refuses a missing or bad original_ref, a missing original and a mask of another size', async () => {
      const png = await rgbaPng(2, 2, () => [0, 0, 0, 128]);
      expect((await uploadImage('small.png', png, { type: 'output' })).status).toBe(200);
      const mask = (ref: string | null, data = png) =>
        post('/upload/mask', [
          { name: 'image', filename: 'm.png', data },
          ...(ref === null ? [] : [{ name: 'original_ref', value: ref }]),
        ]);
      expect((await mask(null)).status).toBe(400);
      expect((await mask('not json')).status).toBe(400);
      expect((await mask('{"subfolder": ""}')).status).toBe(400);
      expect((await mask('{"filename": "gone.png"}')).status).toBe(404);
      expect((await mask('{"filename": "small.png"}', await rgbaPng(3, 2, () => [0, 0, 0, 0]))).status).toBe(
        400,
      );
      expect((await mask('{"filename": "small.png"}')).status).toBe(200);
    });
  });

  describe('LoadImage', () => {
    it('lists a file added to input/ after start-up in /object_info', async () => {
      const listed = async () => {
        const answer = await client.request('GET', '/object_info/LoadImage');
        return ((answer.body as any).LoadImage.input.required.image as [string[], object])[0];
      };
      expect(await listed()).not.toContain('late.png');
      await writeFile(join(input, 'late.png'), await rgbaPng(1, 1, () => [0, 0, 0, 255]));
      await writeFile(join(input, 'late.txt'), 'not an image');
      await mkdir(join(input, 'late-folder'), { recursive: true });
      const names = await listed();
      expect(names).toContain('late.png');
      expect(names).not.toContain('late.txt');
      expect(names).not.toContain('clipspace/clipspace-mask.png');
      expect(names).toEqual([...names].sort());
      const all = await client.request('GET', '/object_info');
      expect(((all.body as any).LoadImageMask.input.required.image as [string[]])[0]).toContain('late.png');
    });

    it("answers ComfyUI's validation error for a missing file", async () => {
      const answer = await client.request('POST', '/prompt', {
        prompt: {
          '1': { class_type: 'LoadImage', inputs: { image: 'does_not_exist.png' } },
          '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } },
        },
      });
      expect(answer).toEqual({
        status: 400,
        body: {
          error: {
            type: 'prompt_outputs_failed_validation',
            message: 'Prompt outputs failed validation',
            details: '',
            extra_info: {},
          },
          node_errors: {
            '1': {
              errors: [
                {
                  type: 'custom_validation_failed',
                  message: 'Custom validation failed for node',
                  details: 'image - Invalid image file: does_not_exist.png',
                  extra_info: { input_name: 'image' },
                },
              ],
              dependent_outputs: ['2'],
              class_type: 'LoadImage',
            },
          },
        },
      });
    });

    it('fails the prompt naming the file when it is corrupt', async () => {
      const png = await rgbaPng(16, 16, (x, y) => [x * 16, y * 16, 0, 255]);
      const uploaded = await uploadImage('broken.png', png.subarray(0, png.length - 40));
      expect(uploaded.status).toBe(200);
      const error = await runNode('LoadImage', { image: 'broken.png' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ExecutionError);
      const data = (error as ExecutionError).data;
      expect(data).toMatchObject({
        node_id: 'node',
        node_type: 'LoadImage',
        exception_type: 'ImageFileError',
      });
      expect(data.exception_message).toContain('broken.png');
    });

    it('runs again when the file changes, and not before', async () => {
      const first = await rgbaPng(1, 1, () => [255, 0, 0, 255]);
      const second = await rgbaPng(1, 1, () => [0, 0, 255, 255]);
      await uploadImage('rerun.png', first);
      const one = await runNode('LoadImage', { image: 'rerun.png' });
      expect(one.didRun('node')).toBe(true);
      const two = await runNode('LoadImage', { image: 'rerun.png' });
      expect(two.wasCached('node')).toBe(true);
      expect((await uploadImage('rerun.png', second, { overwrite: 'true' })).body).toMatchObject({
        name: 'rerun.png',
      });
      const three = await runNode('LoadImage', { image: 'rerun.png' });
      expect(three.didRun('node')).toBe(true);
      const red = (result: typeof one) => Buffer.from(dumped(result, 0).data_b64, 'base64').readFloatLE(0);
      expect([red(one), red(three)]).toEqual([1, 0]);
    });

    it('LoadImageOutput loads "name [output]" from the output folder', async () => {
      const png = await rgbaPng(2, 1, () => [0, 255, 0, 255]);
      await uploadImage('from-output.png', png, { type: 'output' });
      const result = await runNode('LoadImageOutput', { image: 'from-output.png [output]' });
      expect(dumped(result, 0).shape).toEqual([1, 1, 2, 3]);
      expect(dumped(result, 1).shape).toEqual([1, 1, 2]);
    });
  });
});
