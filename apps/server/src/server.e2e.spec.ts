import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServer, startServerProcess, type ServerProcess } from './testing/server-process.js';

// Starts the real, built server as a child process on a free port, with a base directory outside
// the repository whose custom_nodes/ holds a working, a broken and a colliding pack.

const samples = new URL('../../../tools/fixtures/comfyui-0.24-samples/', import.meta.url);
const sample = (name: string): unknown => JSON.parse(readFileSync(new URL(name, samples), 'utf8'));
const catalogue = sample('object_info.json') as Record<string, unknown>;

async function writePack(dir: string, manifest: object, source: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module', ...manifest }));
  await writeFile(join(dir, 'index.js'), source);
}

describe('easel server (end to end)', () => {
  let base: string;
  let server: ServerProcess;

  const get = async (path: string) => {
    const response = await fetch(server.url + path);
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: (await response.json()) as any,
    };
  };

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'easel-e2e-'));
    const customNodes = join(base, 'custom_nodes');
    // plain JavaScript outside the repository: @easel/core must resolve to the server's own copy
    await writePack(
      join(customNodes, 'greeter'),
      { name: 'greeter-pack', version: '2.0.0', easel: { nodes: 'index.js' } },
      `import { Input, Node } from '@easel/core';
export class Greet { execute({ name }) { return ['hello ' + name]; } }
Input.string({ default: 'world' })(Greet.prototype, 'name');
Node({ classType: 'Greet', category: 'examples', outputs: ['STRING'] })(Greet);
`,
    );
    await writePack(
      join(customNodes, 'broken'),
      { name: 'broken-pack', easel: { nodes: 'index.js' } },
      `throw new Error('this pack is broken on purpose');\n`,
    );
    await writePack(
      join(customNodes, 'thief'),
      { name: 'thief-pack', easel: { nodes: 'index.js' } },
      `import { Node } from '@easel/core';
export class MyInt { execute() { return [1]; } }
Node({ classType: 'PrimitiveInt', outputs: ['INT'] })(MyInt);
`,
    );
    await mkdir(join(customNodes, 'ComfyUI-SomePythonPack'));
    await writeFile(join(customNodes, 'ComfyUI-SomePythonPack', '__init__.py'), '');
    await mkdir(join(base, 'models', 'embeddings', 'sub'), { recursive: true });
    await writeFile(join(base, 'models', 'embeddings', 'easynegative.safetensors'), '');
    await writeFile(join(base, 'models', 'embeddings', 'sub', 'style.pt'), '');
    await writeFile(join(base, 'models', 'embeddings', 'notes.txt'), '');
    server = await startServerProcess(['--base-directory', base]);
  });

  afterAll(async () => {
    const code = await server?.stop();
    await rm(base, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it('serves node definitions generated from the packs’ decorators at /object_info and /api/object_info', async () => {
    const bare = await get('/object_info');
    expect(bare.status).toBe(200);
    expect(bare.type).toBe('application/json; charset=utf-8');
    for (const name of [
      'PrimitiveInt',
      'PrimitiveFloat',
      'PrimitiveBoolean',
      'PrimitiveString',
      'StringConcatenate',
    ]) {
      expect(bare.body[name]).toEqual(catalogue[name]);
    }
    expect(bare.body.Greet).toMatchObject({
      name: 'Greet',
      python_module: 'custom_nodes.greeter-pack',
      input: { required: { name: ['STRING', { default: 'world' }] } },
      output: ['STRING'],
    });
    const prefixed = await get('/api/object_info');
    expect(prefixed.body).toEqual(bare.body);
  });

  it('answers /object_info/{class}, and {} for an unknown class', async () => {
    expect((await get('/object_info/PrimitiveInt')).body).toEqual({ PrimitiveInt: catalogue.PrimitiveInt });
    const recorded = sample('get_object_info_unknown.json') as {
      status: number;
      content_type: string;
      body: unknown;
    };
    expect(await get('/api/object_info/NoSuchNode')).toEqual({
      status: recorded.status,
      type: recorded.content_type,
      body: recorded.body,
    });
  });

  it("answers /system_stats in ComfyUI's shape with real figures", async () => {
    const { status, body } = await get('/system_stats');
    expect(status).toBe(200);
    const reference = sample('system_stats.json') as { system: object; devices: object[] };
    for (const key of Object.keys(reference.system)) expect(body.system).toHaveProperty([key]);
    expect(Object.keys(body.devices[0])).toEqual(Object.keys(reference.devices[0]));
    expect(body.system.ram_total).toBe(totalmem());
    expect(body.system.ram_free).toBeGreaterThan(0);
    expect(body.system.ram_free).toBeLessThanOrEqual(body.system.ram_total);
    expect(Array.isArray(body.system.comfy_package_versions)).toBe(true);
    expect(body.system.argv).toEqual(expect.arrayContaining(['--base-directory', base]));
    expect(body.devices[0]).toMatchObject({ name: 'cpu', type: 'cpu', index: null });
    expect(body.system.backend).toBe('onnx');
    expect(body.system.pytorch_version).toMatch(/^onnxruntime-node 1\.30\.0 \(cpu\)/);
  });

  it('lists pack load failures at /internal/packs: the error, its stack, and both packs of a collision', async () => {
    const { status, body } = await get('/internal/packs');
    expect(status).toBe(200);
    const loaded = body.loaded.map((p: { name: string }) => p.name);
    expect(loaded).toEqual(expect.arrayContaining(['@easel/core-nodes', 'greeter-pack']));
    const broken = body.failed.find((f: { name: string }) => f.name === 'broken-pack');
    expect(broken).toMatchObject({ source: 'custom_nodes', path: join(base, 'custom_nodes', 'broken') });
    expect(broken.error).toContain('this pack is broken on purpose');
    expect(broken.stack).toContain('broken/index.js');
    const thief = body.failed.find((f: { name: string }) => f.name === 'thief-pack');
    expect(thief.error).toBe(
      'Pack "thief-pack" declares class_type "PrimitiveInt", which pack "@easel/core-nodes" already declares',
    );
    expect(body.failed).toHaveLength(2);
    // the collision did not overwrite the original
    expect((await get('/object_info/PrimitiveInt')).body.PrimitiveInt.python_module).toBe(
      'comfy_extras.nodes_primitive',
    );
    expect(server.output()).toContain('this pack is broken on purpose');
  });

  it('answers /features, /extensions and /embeddings', async () => {
    expect((await get('/features')).body).toEqual({
      supports_preview_metadata: true,
      max_upload_size: 104857600,
      node_replacements: true,
      assets: false,
    });
    expect((await get('/api/extensions')).body).toEqual([]);
    expect((await get('/embeddings')).body).toEqual(['easynegative', 'sub/style']);
  });

  it('answers unknown routes with a JSON 404 and ignores unknown query parameters', async () => {
    const missing = await get('/no/such/route');
    expect(missing.status).toBe(404);
    expect(missing.body.error.type).toBe('not_found');
    expect((await get('/system_stats?rand=0.123&x=y')).status).toBe(200);
  });

  it("exits with code 1 and ComfyUI's message when the port is taken", async () => {
    const second = await runServer(['--port', String(server.port), '--base-directory', base]);
    expect(second.code).toBe(1);
    expect(second.output).toContain(
      `Port ${server.port} is already in use on address 127.0.0.1. Please close the other application or use a different port with --port.`,
    );
    expect((await get('/system_stats')).status).toBe(200);
  });

  it('runs on the tfjs backend when asked, and reports it', async () => {
    const tfjs = await startServerProcess(['--base-directory', base, '--backend', 'tfjs']);
    try {
      const stats = (await (await fetch(`${tfjs.url}/system_stats`)).json()) as any;
      expect(stats.system.backend).toBe('tfjs');
      expect(stats.system.pytorch_version).toMatch(/^tfjs 4\.22\.0 \((tensorflow|wasm|cpu)/);
      expect(stats.devices[0]).toMatchObject({ type: expect.any(String), vram_total: totalmem() });
      const info = (await (await fetch(`${tfjs.url}/object_info/UpscaleModelLoader`)).json()) as any;
      expect(info.UpscaleModelLoader.input.required.model_name[1].options).toContain(
        'esrgan-slim-x4 [built-in]',
      );
    } finally {
      expect(await tfjs.stop()).toBe(0);
    }
  });

  it('refuses a device the backend does not have, at start-up', async () => {
    const result = await runServer(['--base-directory', base, '--backend', 'onnx', '--device', 'tensorrt']);
    expect(result.code).toBe(1);
    expect(result.output).toContain('cannot use device "tensorrt"');
  });

  it('exits with code 1 and a clear message on a bad flag value', async () => {
    const bad = await runServer(['--backend', 'torch', '--base-directory', base]);
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('--backend must be one of onnx, tfjs, got "torch"');
  });
});
