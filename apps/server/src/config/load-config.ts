import { existsSync, readFileSync } from 'node:fs';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import type {
  BackendName,
  CacheSettings,
  LogLevel,
  PackSearchPaths,
  ServerConfig,
  StateStoreKind,
} from '@easel/api';

/**
 * Every setting has a command-line flag (ComfyUI's name where ComfyUI has it), an environment
 * variable `EASEL_<NAME>` and a key in the JSON config file. Precedence: flag, environment,
 * config file, default.
 */
interface Setting {
  key: keyof RawSettings;
  flag: string;
  description: string;
  /** Value when the flag is given without one (flags with an optional value). */
  bare?: string;
}

export interface RawSettings {
  listen: string;
  port: string;
  baseDirectory: string;
  inputDirectory: string;
  outputDirectory: string;
  tempDirectory: string;
  userDirectory: string;
  extraModelPathsConfig: string;
  enableCorsHeader: string;
  maxUploadSize: string;
  frontEndRoot: string;
  verbose: string;
  backend: string;
  device: string;
  cacheClassic: string;
  cacheLru: string;
  cacheNone: string;
  cacheRam: string;
  stateStore: string;
  disableMetadata: string;
  multiUser: string;
  disableApiNodes: string;
  enableCompressResponseBody: string;
}

const SETTINGS: Setting[] = [
  {
    key: 'listen',
    flag: '--listen [ip]',
    description: 'comma-separated addresses to listen on; without a value: all (0.0.0.0,::)',
    bare: '0.0.0.0,::',
  },
  { key: 'port', flag: '--port <port>', description: 'port to listen on (default 8188)' },
  {
    key: 'baseDirectory',
    flag: '--base-directory <dir>',
    description: 'ComfyUI base folder (default: the current folder)',
  },
  {
    key: 'inputDirectory',
    flag: '--input-directory <dir>',
    description: 'input folder (default <base>/input)',
  },
  {
    key: 'outputDirectory',
    flag: '--output-directory <dir>',
    description: 'output folder (default <base>/output)',
  },
  {
    key: 'tempDirectory',
    flag: '--temp-directory <dir>',
    description: 'the temp folder is <dir>/temp (default <base>/temp)',
  },
  {
    key: 'userDirectory',
    flag: '--user-directory <dir>',
    description: 'user data folder (default <base>/user)',
  },
  {
    key: 'extraModelPathsConfig',
    flag: '--extra-model-paths-config <paths...>',
    description: `more extra_model_paths.yaml files, after <base>/extra_model_paths.yaml (repeatable; in EASEL_* and the config file: separated by "${delimiter}")`,
  },
  {
    key: 'enableCorsHeader',
    flag: '--enable-cors-header [origin]',
    description: 'send CORS headers for this origin instead of checking origins; without a value: *',
    bare: '*',
  },
  {
    key: 'maxUploadSize',
    flag: '--max-upload-size <mb>',
    description: 'largest request body in MB (default 100)',
  },
  {
    key: 'frontEndRoot',
    flag: '--front-end-root <dir>',
    description: 'serve a ComfyUI frontend build from this folder',
  },
  {
    key: 'verbose',
    flag: '--verbose [level]',
    description: 'log level: DEBUG, INFO, WARNING, ERROR, CRITICAL (default INFO; without a value: DEBUG)',
    bare: 'DEBUG',
  },
  { key: 'backend', flag: '--backend <name>', description: 'tensor backend: onnx or tfjs (default onnx)' },
  { key: 'device', flag: '--device <device>', description: 'device for the tensor backend (default cpu)' },
  {
    key: 'cacheClassic',
    flag: '--cache-classic [on]',
    description: 'keep only the results the latest prompt used',
    bare: 'true',
  },
  { key: 'cacheLru', flag: '--cache-lru <n>', description: 'keep the results of the last N nodes (0: off)' },
  { key: 'cacheNone', flag: '--cache-none [on]', description: 'cache nothing between prompts', bare: 'true' },
  {
    key: 'cacheRam',
    flag: '--cache-ram [gb]',
    description: 'the default: keep results until free RAM drops below GB (default 10% of RAM, 2..10 GB)',
    bare: 'default',
  },
  {
    key: 'stateStore',
    flag: '--state-store <kind>',
    description: 'where the queue and history live: sqlite (<user>/easel.db, survives restarts) or memory',
  },
  {
    key: 'disableMetadata',
    flag: '--disable-metadata [on]',
    description: 'do not write the prompt and workflow into saved images',
    bare: 'true',
  },
  {
    key: 'multiUser',
    flag: '--multi-user [on]',
    description: 'per-user settings and user data; the comfy-user header names a user of users.json',
    bare: 'true',
  },
  {
    key: 'disableApiNodes',
    flag: '--disable-api-nodes [on]',
    description: 'send a Content-Security-Policy that keeps the frontend from reaching other sites',
    bare: 'true',
  },
  {
    key: 'enableCompressResponseBody',
    flag: '--enable-compress-response-body [on]',
    description: 'gzip JSON and text answers for clients that accept it',
    bare: 'true',
  },
];

const DEFAULTS: Partial<RawSettings> = {
  listen: '127.0.0.1',
  port: '8188',
  maxUploadSize: '100',
  verbose: 'INFO',
  backend: 'onnx',
  device: 'cpu',
  stateStore: 'sqlite',
};

const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];
const BACKENDS: readonly BackendName[] = ['onnx', 'tfjs'];
const STATE_STORES: readonly StateStoreKind[] = ['sqlite', 'memory'];

/** A setting with a value the server cannot use; the message says which and why. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface LoadConfigOptions {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The Easel checkout the server runs from, if any (for `node-packs/`). */
  workspaceRoot: string | null;
  /** The node_modules folders the server resolves its own packages from (searched for packs too). */
  nodeModulesDirs: readonly string[];
}

export function envName(key: keyof RawSettings): string {
  return 'EASEL_' + key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

/** Reads the command line, `EASEL_*` variables and the config file into a `ServerConfig`. */
export function loadConfig(options: LoadConfigOptions): ServerConfig {
  const program = new Command('easel')
    .description("Easel: a workflow server that speaks ComfyUI's API")
    .option('--config <file>', 'JSON config file (default: easel.config.json in the current folder, if any)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  for (const setting of SETTINGS) {
    const option = new Option(setting.flag, setting.description);
    if (setting.bare !== undefined) option.preset(setting.bare);
    program.addOption(option);
  }
  program.parse([...options.argv], { from: 'user' });
  // variadic flags (`<paths...>`) give lists
  const flags = program.opts<Partial<Record<keyof RawSettings, string | string[]>> & { config?: string }>();

  const configPath = flags.config ?? options.env.EASEL_CONFIG ?? defaultConfigFile(options.cwd);
  const fromFile = configPath ? readConfigFile(resolve(options.cwd, configPath)) : {};
  const raw: Partial<RawSettings> = { ...DEFAULTS };
  for (const { key } of SETTINGS) {
    const value =
      joinList(flags[key]) ??
      options.env[envName(key)] ??
      fileValue(fromFile, key, configPath) ??
      DEFAULTS[key];
    if (value !== undefined) raw[key] = value;
  }
  return toServerConfig(raw, options);
}

function defaultConfigFile(cwd: string): string | undefined {
  const path = join(cwd, 'easel.config.json');
  return existsSync(path) ? path : undefined;
}

function readConfigFile(path: string): Partial<Record<keyof RawSettings, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      `Cannot read config file ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`Config file ${path} must hold a JSON object`);
  }
  const known = new Set<string>(SETTINGS.map((s) => s.key));
  const unknown = Object.keys(parsed).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      `Config file ${path} has unknown keys: ${unknown.join(', ')} (known: ${[...known].join(', ')})`,
    );
  }
  return parsed;
}

/** A flag with several values (`<paths...>`, repeatable) arrives as a list: one string, like its variable. */
function joinList(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(delimiter) : value;
}

function fileValue(
  fromFile: Partial<Record<keyof RawSettings, unknown>>,
  key: keyof RawSettings,
  path: string | undefined,
): string | undefined {
  const value = fromFile[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new ConfigError(`Config file ${path ?? ''}: "${key}" must be a string or a number`);
}

function toServerConfig(raw: Partial<RawSettings>, options: LoadConfigOptions): ServerConfig {
  const base = resolve(options.cwd, raw.baseDirectory ?? '.');
  const dir = (value: string | undefined, fallback: string) =>
    value ? resolve(options.cwd, value) : fallback;
  const directories = {
    base,
    input: dir(raw.inputDirectory, join(base, 'input')),
    output: dir(raw.outputDirectory, join(base, 'output')),
    // like ComfyUI, --temp-directory X means X/temp
    temp: raw.tempDirectory ? join(resolve(options.cwd, raw.tempDirectory), 'temp') : join(base, 'temp'),
    user: dir(raw.userDirectory, join(base, 'user')),
    models: join(base, 'models'),
    customNodes: join(base, 'custom_nodes'),
  };
  const packs: PackSearchPaths = {
    workspaceDir: options.workspaceRoot ? join(options.workspaceRoot, 'node-packs') : null,
    nodeModulesDirs: unique([...options.nodeModulesDirs, join(base, 'node_modules')]),
    customNodesDir: directories.customNodes,
  };
  return {
    listen: parseListen(raw.listen ?? '127.0.0.1'),
    port: parseInteger('port', raw.port ?? '8188', 0, 65535),
    directories,
    extraModelPathsConfigs: (raw.extraModelPathsConfig ?? '')
      .split(delimiter)
      .filter((path) => path !== '')
      .map((path) => resolve(options.cwd, path)),
    maxUploadSizeMb: parsePositive('max-upload-size', raw.maxUploadSize ?? '100'),
    corsOrigin: raw.enableCorsHeader ?? null,
    frontEndRoot: raw.frontEndRoot ? resolve(options.cwd, raw.frontEndRoot) : null,
    logLevel: oneOf('verbose', (raw.verbose ?? 'INFO').toUpperCase(), LOG_LEVELS),
    backend: oneOf('backend', (raw.backend ?? 'onnx').toLowerCase(), BACKENDS),
    device: raw.device ?? 'cpu',
    cache: parseCache(raw),
    stateStore: oneOf('state-store', (raw.stateStore ?? 'sqlite').toLowerCase(), STATE_STORES),
    disableMetadata: parseBoolean('disable-metadata', raw.disableMetadata),
    multiUser: parseBoolean('multi-user', raw.multiUser),
    disableApiNodes: parseBoolean('disable-api-nodes', raw.disableApiNodes),
    compressResponseBody: parseBoolean('enable-compress-response-body', raw.enableCompressResponseBody),
    packs,
    argv: [basename(process.argv[1] ?? 'easel'), ...options.argv],
  };
}

/** ComfyUI's order: classic, then lru N (N > 0), then none, else RAM pressure (the default). */
function parseCache(raw: Partial<RawSettings>): CacheSettings {
  if (parseBoolean('cache-classic', raw.cacheClassic)) return { mode: 'classic' };
  const lru = raw.cacheLru === undefined ? 0 : parseInteger('cache-lru', raw.cacheLru, 0, 1e9);
  if (lru > 0) return { mode: 'lru', size: lru };
  if (parseBoolean('cache-none', raw.cacheNone)) return { mode: 'none' };
  const ram = raw.cacheRam;
  if (ram === undefined || ram === 'default') return { mode: 'ram-pressure', headroomGb: null };
  return { mode: 'ram-pressure', headroomGb: parsePositive('cache-ram', ram) };
}

function parseBoolean(name: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  const lower = value.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(lower)) return true;
  if (['false', '0', 'no', 'off', ''].includes(lower)) return false;
  throw new ConfigError(`--${name} must be true or false, got ${JSON.stringify(value)}`);
}

function parseListen(value: string): string[] {
  const addresses = value
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  if (addresses.length === 0) throw new ConfigError('--listen needs at least one address');
  return unique(addresses);
}

function parseInteger(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

function parsePositive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConfigError(`--${name} must be a positive number, got ${JSON.stringify(value)}`);
  return n;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`--${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** The Easel checkout containing `from` (a folder with nx.json and node-packs/), if any. */
export function findWorkspaceRoot(from: string): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json')) && existsSync(join(dir, 'node-packs'))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

/** The node_modules folders Node would search from `from`, nearest first. */
export function nodeModulesAbove(from: string): string[] {
  const found: string[] = [];
  for (let dir = from; ; dir = dirname(dir)) {
    if (basename(dir) !== 'node_modules' && existsSync(join(dir, 'node_modules')))
      found.push(join(dir, 'node_modules'));
    if (dirname(dir) === dir) return found;
  }
}
