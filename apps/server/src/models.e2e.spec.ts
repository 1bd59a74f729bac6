import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { runServer, startServerProcess, type ServerProcess } from './testing/server-process.js';

// The model routes on the real, built server: a temporary base directory holds tiny fake model
// files, <base>/extra_model_paths.yaml and two more YAML files given with
// --extra-model-paths-config add folders elsewhere, and every way out of a folder is refused.

const samples = new URL('../../../tools/fixtures/comfyui-0.24-samples/', import.meta.url);
const recorded = (name: string) =>
  JSON.parse(readFileSync(new URL(name, samples), 'utf8')) as {
    status: number;
    content_type: string;
    body: unknown;
  };

const SECRET = 'TOP SECRET: nothing may serve this';

/** A safetensors file with this header and no tensors. */
function safetensors(header: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json]);
}

async function put(path: string, content: string | Buffer = ''): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

async function png(r: number, g: number, b: number): Promise<Buffer> {
  return sharp({ create: { width: 3, height: 2, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();
}

interface RawAnswer {
  status: number;
  type: string | undefined;
  body: string;
}

/** A GET with the path sent exactly as written: fetch would resolve `..` and `%2e%2e` first. */
function rawGet(url: string, path: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: res.headers['content-type'],
          body: Buffer.concat(chunks).toString('latin1'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('model routes (end to end)', () => {
  let base: string;
  let elsewhere: string;
  let server: ServerProcess;
  let models: string;
  let shared: string;

  const get = async (path: string) => {
    const response = await fetch(server.url + path);
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      text,
      body: response.headers.get('content-type')?.startsWith('application/json')
        ? (JSON.parse(text) as unknown)
        : undefined,
    };
  };

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'easel-models-e2e-'));
    elsewhere = await mkdtemp(join(tmpdir(), 'easel-models-e2e-extra-'));
    models = join(base, 'models');
    shared = join(base, 'shared');
    const metadata = { 'modelspec.title': 'Tiny SD', ss_network_dim: '16' };
    await put(join(models, 'checkpoints', 'sd.safetensors'), safetensors({ __metadata__: metadata }));
    await put(join(models, 'checkpoints', 'sd.png'), await png(200, 20, 20));
    await put(join(models, 'checkpoints', 'sub', 'other.ckpt'), 'x');
    await put(join(models, 'checkpoints', 'notes.txt'), 'not a model');
    await put(join(models, 'checkpoints', 'nometa.safetensors'), safetensors({ w: { dtype: 'F32' } }));
    await put(join(models, 'unet', 'u.safetensors'), safetensors({ __metadata__: { kind: 'unet' } }));
    await put(join(models, 'embeddings', 'easy.safetensors'));
    await put(join(models, 'embeddings', 'sub', 'style.pt'));
    await put(join(models, 'embeddings', 'readme.md'));
    // things no route may serve
    await put(join(base, 'secret.safetensors'), safetensors({ __metadata__: { secret: SECRET } }));
    await put(join(base, 'secret.png'), await png(1, 2, 3));
    await put(join(models, 'secret.safetensors'), safetensors({ __metadata__: { secret: SECRET } }));
    await put(join(models, 'secret.png'), await png(1, 2, 3));

    // <base>/extra_model_paths.yaml, read at start-up like ComfyUI's own
    await put(
      join(base, 'extra_model_paths.yaml'),
      `# shared with another install
shared:
  base_path: ./shared
  checkpoints: |
    ckpts
    more_ckpts
  loras: loras
  my_new_type: custom
`,
    );
    await put(join(shared, 'ckpts', 'shared.safetensors'), safetensors({ __metadata__: { from: 'shared' } }));
    await put(join(shared, 'loras', 'shared_lora.safetensors'));
    await put(join(shared, 'custom', 'thing.bin'));
    await put(join(shared, 'custom', 'readme.txt'));

    // two more files given on the command line: relative paths against their own folder
    await put(join(elsewhere, 'first.yaml'), `first:\n  is_default: true\n  vae: vae_first\n`);
    await put(join(elsewhere, 'vae_first', 'first.safetensors'));
    await put(join(elsewhere, 'second.yaml'), `second:\n  upscale_models: upscalers\n  unet: unets\n`);
    await put(join(elsewhere, 'upscalers', 'shared_upscaler.onnx'));
    await put(join(elsewhere, 'unets', 'extra_unet.safetensors'));

    // input files for /internal/files
    await put(join(base, 'input', 'old.png'), 'a');
    await put(join(base, 'input', 'new.png'), 'b');
    await put(join(base, 'input', '.hidden.png'), 'c');
    await put(join(base, 'input', 'folder', 'inner.png'), 'd');
    await utimes(join(base, 'input', 'old.png'), new Date('2020-01-01'), new Date('2020-01-01'));

    server = await startServerProcess([
      '--base-directory',
      base,
      '--extra-model-paths-config',
      join(elsewhere, 'first.yaml'),
      join(elsewhere, 'second.yaml'),
    ]);
  });

  afterAll(async () => {
    const code = await server?.stop();
    await rm(base, { recursive: true, force: true });
    await rm(elsewhere, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it.each(['', '/api'])(
    'answers %s/models: the recorded folder names, then the ones the YAML added',
    async (prefix) => {
      const sample = recorded('get_models.json');
      const answer = await get(`${prefix}/models`);
      expect(answer.status).toBe(sample.status);
      expect(answer.type).toBe(sample.content_type);
      expect(answer.body).toEqual([...(sample.body as string[]), 'my_new_type']);
    },
  );

  it('lists a folder: every place, recursively, filtered by extension, sorted', async () => {
    expect((await get('/models/checkpoints')).body).toEqual([
      'nometa.safetensors',
      'sd.safetensors',
      'shared.safetensors',
      'sub/other.ckpt',
    ]);
    expect((await get('/api/models/loras')).body).toEqual(['shared_lora.safetensors']);
    expect((await get('/models/diffusion_models')).body).toEqual(['extra_unet.safetensors', 'u.safetensors']);
    expect((await get('/models/vae')).body).toEqual(['first.safetensors']);
    // a key the YAML created lists every file
    expect((await get('/models/my_new_type')).body).toEqual(['readme.txt', 'thing.bin']);
    expect((await get('/models/configs')).body).toEqual([]);
  });

  it('answers 404 with no body for an unknown folder and for the legacy names', async () => {
    for (const folder of ['nope', 'unet', 'clip']) {
      const answer = await get(`/models/${folder}`);
      expect([answer.status, answer.text]).toEqual([404, '']);
    }
  });

  it('answers /embeddings from the embeddings folder, without extensions', async () => {
    const sample = recorded('get_embeddings.json');
    const answer = await get('/embeddings');
    expect(answer.type).toBe(sample.content_type);
    expect(answer.body).toEqual(['easy', 'sub/style']);
  });

  it('answers /experiment/models with every folder but configs and custom_nodes, its places and extensions', async () => {
    const answer = await get('/experiment/models');
    const folders = answer.body as { name: string; folders: string[]; extensions: string[] }[];
    expect(folders.map((f) => f.name)).toEqual(
      (recorded('get_models.json').body as string[])
        .filter((name) => name !== 'configs' && name !== 'custom_nodes')
        .concat('my_new_type'),
    );
    for (const folder of folders) expect(Object.keys(folder)).toEqual(['name', 'folders', 'extensions']);
    const byName = new Map(folders.map((f) => [f.name, f]));
    expect(byName.get('checkpoints')).toEqual({
      name: 'checkpoints',
      folders: [
        join(models, 'checkpoints'),
        join(shared, 'ckpts'),
        join(shared, 'more_ckpts'),
        join(base, 'output', 'checkpoints'),
      ],
      extensions: ['.bin', '.ckpt', '.pkl', '.pt', '.pt2', '.pth', '.safetensors', '.sft'],
    });
    // is_default puts the first YAML's vae folder before the standard one
    expect(byName.get('vae')?.folders).toEqual([
      join(elsewhere, 'vae_first'),
      join(models, 'vae'),
      join(base, 'output', 'vae'),
    ]);
    expect(byName.get('diffusion_models')?.folders).toEqual([
      join(models, 'unet'),
      join(models, 'diffusion_models'),
      join(elsewhere, 'unets'),
      join(base, 'output', 'diffusion_models'),
    ]);
    expect(byName.get('my_new_type')).toEqual({
      name: 'my_new_type',
      folders: [join(shared, 'custom')],
      extensions: [],
    });
    expect(byName.get('classifiers')?.extensions).toEqual(['']);
  });

  it('answers /experiment/models/{folder} with files per place, sizes and times', async () => {
    const answer = await get('/experiment/models/checkpoints');
    const files = answer.body as Record<string, unknown>[];
    expect(files.map((f) => [f.name, f.pathIndex])).toEqual([
      ['nometa.safetensors', 0],
      ['sd.safetensors', 0],
      ['sub/other.ckpt', 0],
      ['shared.safetensors', 1],
    ]);
    for (const file of files) {
      expect(Object.keys(file)).toEqual(['name', 'pathIndex', 'modified', 'created', 'size']);
      expect(typeof file.modified).toBe('number');
      expect(Math.abs((file.modified as number) - Date.now() / 1000)).toBeLessThan(3600);
    }
    expect(files[2].size).toBe(1);
    expect((await get('/experiment/models/unet')).status).toBe(404);
    expect((await get('/experiment/models/nope')).text).toBe('');
  });

  it('serves the preview beside a model as WebP', async () => {
    const response = await fetch(`${server.url}/api/experiment/models/preview/checkpoints/0/sd.safetensors`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/webp');
    const image = sharp(Buffer.from(await response.arrayBuffer()));
    expect(await image.metadata()).toMatchObject({ format: 'webp', width: 3, height: 2 });
    const { data } = await image.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(Math.abs(data[0] - 200)).toBeLessThan(8);
    expect((await get('/experiment/models/preview/checkpoints/0/nometa.safetensors')).status).toBe(404);
    expect((await get('/experiment/models/preview/checkpoints/7/sd.safetensors')).status).toBe(404);
    expect((await get('/experiment/models/preview/checkpoints/x/sd.safetensors')).status).toBe(400);
    expect((await get('/experiment/models/preview/nope/0/sd.safetensors')).status).toBe(404);
  });

  it("answers /view_metadata with the header's __metadata__, legacy folder names accepted", async () => {
    const answer = await get('/view_metadata/checkpoints?filename=sd.safetensors');
    expect([answer.status, answer.type]).toEqual([200, 'application/json; charset=utf-8']);
    expect(answer.body).toEqual({ 'modelspec.title': 'Tiny SD', ss_network_dim: '16' });
    expect((await get('/api/view_metadata/checkpoints?filename=shared.safetensors')).body).toEqual({
      from: 'shared',
    });
    expect((await get('/view_metadata/unet?filename=u.safetensors')).body).toEqual({ kind: 'unet' });
    // normalised as if rooted: `sub/..` stays in the folder
    expect((await get('/view_metadata/checkpoints?filename=sub/../sd.safetensors')).status).toBe(200);
    for (const query of [
      '/view_metadata/checkpoints',
      '/view_metadata/checkpoints?filename=nometa.safetensors',
      '/view_metadata/checkpoints?filename=sub/other.ckpt',
      '/view_metadata/checkpoints?filename=missing.safetensors',
      '/view_metadata/nope?filename=sd.safetensors',
    ]) {
      const missing = await get(query);
      expect([query, missing.status, missing.text]).toEqual([query, 404, '']);
    }
  });

  it('answers /internal/folder_paths with every folder and its places, only without /api', async () => {
    const answer = await get('/internal/folder_paths');
    const paths = answer.body as Record<string, string[]>;
    expect(Object.keys(paths)).toEqual([...(recorded('get_models.json').body as string[]), 'my_new_type']);
    expect(paths.custom_nodes).toEqual([join(base, 'custom_nodes')]);
    expect(paths.loras).toEqual([
      join(models, 'loras'),
      join(shared, 'loras'),
      join(base, 'output', 'loras'),
    ]);
    expect((await get('/api/internal/folder_paths')).status).toBe(404);
  });

  it('answers /internal/files/{type}: visible files directly in the folder, newest first', async () => {
    expect((await get('/internal/files/input')).body).toEqual(['new.png [input]', 'old.png [input]']);
    expect((await get('/internal/files/temp')).body).toEqual([]);
    const bad = await get('/internal/files/models');
    expect([bad.status, bad.body]).toEqual([400, { error: 'Invalid directory type' }]);
    expect((await get('/api/internal/files/input')).status).toBe(404);
  });

  it('lets the upscale pack list the upscale_models folders the YAML added', async () => {
    const answer = await get('/object_info/UpscaleModelLoader');
    const modelName = (
      answer.body as Record<string, { input: { required: { model_name: [string, { options: string[] }] } } }>
    ).UpscaleModelLoader.input.required.model_name;
    expect(modelName[1].options).toContain('shared_upscaler.onnx');
  });

  it('does not start with an extra model paths file it cannot read, and says which', async () => {
    const missing = join(elsewhere, 'missing.yaml');
    const exited = await runServer([
      '--port',
      '0',
      '--base-directory',
      base,
      '--extra-model-paths-config',
      missing,
    ]);
    expect(exited.code).toBe(1);
    expect(exited.output).toContain(`Cannot read the extra model paths config ${missing}`);
    await put(join(elsewhere, 'broken.yaml'), 'a: [unclosed\n');
    const broken = await runServer([
      '--port',
      '0',
      '--base-directory',
      base,
      '--extra-model-paths-config',
      join(elsewhere, 'broken.yaml'),
    ]);
    expect(broken.code).toBe(1);
    expect(broken.output).toContain('broken.yaml is not valid YAML');
  });

  describe('refuses every way out of a folder', () => {
    const secretLeaks = (answer: RawAnswer) => answer.body.includes(SECRET) || answer.status === 200;
    const up = (text: string) => [
      ['plain', text],
      ['%2e%2e', text.replaceAll('..', '%2e%2e')],
      ['%2f', text.replaceAll('/', '%2f')],
    ];

    it.each([
      ['..', 404],
      ['%2e%2e', 404],
      ['%252e%252e', 404],
      ['..%2fsecret.safetensors', 404],
      ['%2fetc', 404],
      ['checkpoints%00', 404],
      ['unet', 404],
    ])('/models/%s (also /experiment/models/, /api/models/) answers %d', async (folder, status) => {
      for (const prefix of ['/models/', '/experiment/models/', '/api/models/']) {
        const answer = await rawGet(server.url, prefix + folder);
        expect([prefix, answer.status]).toEqual([prefix, status]);
        expect(secretLeaks(answer)).toBe(false);
      }
    });

    it.each([
      ...up('../../secret.safetensors').map(([how, name]) => [`${how} ..`, name, 403] as const),
      ...up('sub/../../../secret.safetensors').map(([how, name]) => [`${how} deep ..`, name, 403] as const),
      ['double-encoded', '%252e%252e%252f%252e%252e%252fsecret.safetensors', 404],
      ['absolute', `%2f${'BASE'}%2fsecret.safetensors`, 403],
      ['absolute after //', `/${'BASE'}/secret.safetensors`, 403],
      ['NUL', 'sd.safetensors%00', 400],
      ['NUL then ..', '%00/../../secret.safetensors', 400],
    ] as const)('preview, %s: %s -> %d', async (_, name, status) => {
      const target = name.replaceAll('BASE', encodeURIComponent(base).replaceAll('%2F', '/').slice(1));
      const answer = await rawGet(server.url, `/experiment/models/preview/checkpoints/0/${target}`);
      expect(answer.status).toBe(status);
      expect(answer.type).not.toBe('image/webp');
      expect(secretLeaks(answer)).toBe(false);
    });

    it.each([
      ['plain', '../../secret.safetensors'],
      ['deep', 'sub/../../../models/secret.safetensors'],
      ['%2e%2e', '%2e%2e%2f%2e%2e%2fsecret.safetensors'],
      ['double-encoded', '%252e%252e%252f%252e%252e%252fsecret.safetensors'],
      ['absolute', 'ABSOLUTE'],
      ['NUL', 'sd.safetensors%00.safetensors'],
      ['NUL only', '%00'],
    ])('view_metadata, %s: %s -> 404', async (_, name) => {
      const filename = name === 'ABSOLUTE' ? encodeURIComponent(join(base, 'secret.safetensors')) : name;
      for (const folder of ['checkpoints', 'unet', '..', '%2e%2e']) {
        const answer = await rawGet(server.url, `/view_metadata/${folder}?filename=${filename}`);
        expect([folder, answer.status, answer.body]).toEqual([folder, 404, '']);
      }
    });

    it.each(['..', '%2e%2e', '%252e%252e', '..%2f..%2fsecret.png', '%2fetc', 'input%00', 'INPUT'])(
      '/internal/files/%s answers 400',
      async (type) => {
        const answer = await rawGet(server.url, `/internal/files/${type}`);
        expect(answer.status).toBe(400);
        expect(JSON.parse(answer.body)).toEqual({ error: 'Invalid directory type' });
      },
    );
  });
});
