import { jest } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ConfigError, envName, loadConfig, type LoadConfigOptions } from './load-config.js';

describe('loadConfig', () => {
  let cwd: string;
  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'easel-config-'));
  });
  afterEach(() => rm(cwd, { recursive: true, force: true }));

  const load = (argv: string[], env: NodeJS.ProcessEnv = {}, extra: Partial<LoadConfigOptions> = {}) =>
    loadConfig({
      argv,
      env,
      cwd,
      workspaceRoot: null,
      nodeModulesDirs: ['/srv/easel/node_modules'],
      ...extra,
    });

  it("has ComfyUI's defaults", () => {
    const config = load([]);
    expect(config.listen).toEqual(['127.0.0.1']);
    expect(config.port).toBe(8188);
    expect(config.maxUploadSizeMb).toBe(100);
    expect(config.corsOrigin).toBeNull();
    expect(config.frontEndRoot).toBeNull();
    expect(config.logLevel).toBe('INFO');
    expect(config.backend).toBe('onnx');
    expect(config.device).toBe('cpu');
    expect(config.directories).toEqual({
      base: cwd,
      input: join(cwd, 'input'),
      output: join(cwd, 'output'),
      temp: join(cwd, 'temp'),
      user: join(cwd, 'user'),
      models: join(cwd, 'models'),
      customNodes: join(cwd, 'custom_nodes'),
    });
    expect(config.packs).toEqual({
      workspaceDir: null,
      nodeModulesDirs: ['/srv/easel/node_modules', join(cwd, 'node_modules')],
      customNodesDir: join(cwd, 'custom_nodes'),
    });
  });

  it("reads ComfyUI's flags, including the ones with an optional value", () => {
    const config = load([
      '--listen',
      '--port',
      '9000',
      '--base-directory',
      'comfy',
      '--temp-directory',
      '/scratch',
      '--enable-cors-header',
      '--max-upload-size',
      '0.5',
      '--verbose',
      '--backend',
      'tfjs',
    ]);
    expect(config.listen).toEqual(['0.0.0.0', '::']);
    expect(config.port).toBe(9000);
    expect(config.directories.base).toBe(join(cwd, 'comfy'));
    expect(config.directories.input).toBe(join(cwd, 'comfy', 'input'));
    expect(config.directories.temp).toBe('/scratch/temp');
    expect(config.corsOrigin).toBe('*');
    expect(config.maxUploadSizeMb).toBe(0.5);
    expect(config.logLevel).toBe('DEBUG');
    expect(config.backend).toBe('tfjs');

    const explicit = load([
      '--listen',
      '10.0.0.5,127.0.0.1',
      '--enable-cors-header',
      'http://app.example',
      '--verbose',
      'warning',
    ]);
    expect(explicit.listen).toEqual(['10.0.0.5', '127.0.0.1']);
    expect(explicit.corsOrigin).toBe('http://app.example');
    expect(explicit.logLevel).toBe('WARNING');
  });

  it('takes a flag over EASEL_* over the config file over the default', async () => {
    await writeFile(
      join(cwd, 'easel.config.json'),
      JSON.stringify({ port: 7000, backend: 'tfjs', device: 'gpu:1' }),
    );
    expect(envName('baseDirectory')).toBe('EASEL_BASE_DIRECTORY');
    const fromFile = load([]);
    expect([fromFile.port, fromFile.backend, fromFile.device]).toEqual([7000, 'tfjs', 'gpu:1']);
    const fromEnv = load([], { EASEL_PORT: '7001', EASEL_BACKEND: 'onnx' });
    expect([fromEnv.port, fromEnv.backend, fromEnv.device]).toEqual([7001, 'onnx', 'gpu:1']);
    const fromFlag = load(['--port', '7002'], { EASEL_PORT: '7001' });
    expect(fromFlag.port).toBe(7002);

    await writeFile(join(cwd, 'other.json'), JSON.stringify({ port: 7003 }));
    expect(load(['--config', 'other.json']).port).toBe(7003);
    expect(load([], { EASEL_CONFIG: join(cwd, 'other.json') }).port).toBe(7003);
  });

  it.each([
    [['--port', 'eighty'], /--port must be an integer from 0 to 65535, got "eighty"/],
    [['--port', '70000'], /--port must be an integer/],
    [['--backend', 'torch'], /--backend must be one of onnx, tfjs, got "torch"/],
    [['--max-upload-size', '-1'], /--max-upload-size must be a positive number/],
    [['--verbose', 'LOUD'], /--verbose must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL/],
    [['--listen', ','], /--listen needs at least one address/],
    [['--config', 'missing.json'], /Cannot read config file/],
  ])('refuses %j with a clear message', (argv, message) => {
    expect(() => load(argv)).toThrow(ConfigError);
    expect(() => load(argv)).toThrow(message);
  });

  it('refuses unknown keys and odd values in the config file', async () => {
    await writeFile(join(cwd, 'easel.config.json'), JSON.stringify({ prot: 1 }));
    expect(() => load([])).toThrow(/unknown keys: prot/);
    await writeFile(join(cwd, 'easel.config.json'), JSON.stringify({ port: { n: 1 } }));
    expect(() => load([])).toThrow(/"port" must be a string or a number/);
    await writeFile(join(cwd, 'easel.config.json'), '[1]');
    expect(() => load([])).toThrow(/must hold a JSON object/);
  });

  it('reads --multi-user from the flag, EASEL_MULTI_USER or the config file (off by default)', async () => {
    expect(load([]).multiUser).toBe(false);
    expect(load(['--multi-user']).multiUser).toBe(true);
    expect(load([], { EASEL_MULTI_USER: 'true' }).multiUser).toBe(true);
    await writeFile(join(cwd, 'easel.config.json'), JSON.stringify({ multiUser: true }));
    expect(load([]).multiUser).toBe(true);
    expect(load(['--multi-user', 'false']).multiUser).toBe(false);
  });

  it('reads --disable-api-nodes and --enable-compress-response-body (off by default)', () => {
    expect([load([]).disableApiNodes, load([]).compressResponseBody]).toEqual([false, false]);
    const on = load(['--disable-api-nodes', '--enable-compress-response-body']);
    expect([on.disableApiNodes, on.compressResponseBody]).toEqual([true, true]);
    const env = load([], { EASEL_DISABLE_API_NODES: 'true', EASEL_ENABLE_COMPRESS_RESPONSE_BODY: '1' });
    expect([env.disableApiNodes, env.compressResponseBody]).toEqual([true, true]);
  });

  it('reads --extra-model-paths-config: several values, repeatable, relative to the current folder', async () => {
    expect(load([]).extraModelPathsConfigs).toEqual([]);
    expect(
      load([
        '--extra-model-paths-config',
        'a.yaml',
        '/etc/b.yaml',
        '--port',
        '1',
        '--extra-model-paths-config',
        'c.yaml',
      ]).extraModelPathsConfigs,
    ).toEqual([join(cwd, 'a.yaml'), '/etc/b.yaml', join(cwd, 'c.yaml')]);
    expect(
      load([], { EASEL_EXTRA_MODEL_PATHS_CONFIG: `x.yaml${delimiter}/y.yaml` }).extraModelPathsConfigs,
    ).toEqual([join(cwd, 'x.yaml'), '/y.yaml']);
    await writeFile(join(cwd, 'easel.config.json'), JSON.stringify({ extraModelPathsConfig: 'z.yaml' }));
    expect(load([]).extraModelPathsConfigs).toEqual([join(cwd, 'z.yaml')]);
  });

  it('refuses unknown flags', () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(() => load(['--no-such-flag'])).toThrow(/unknown option/);
    } finally {
      stderr.mockRestore();
    }
  });
});
