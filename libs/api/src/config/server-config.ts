import type { Directories } from '@easel/core';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';
export type BackendName = 'onnx' | 'tfjs';
export type StateStoreKind = 'sqlite' | 'memory';

/** Which output cache runs (ComfyUI's `--cache-*` flags). */
export type CacheSettings =
  | { readonly mode: 'classic' }
  | { readonly mode: 'lru'; readonly size: number }
  | { readonly mode: 'none' }
  /** `headroomGb`: free RAM to keep; null for ComfyUI's default. */
  | { readonly mode: 'ram-pressure'; readonly headroomGb: number | null };

/** The server's settings after command line, environment and config file are merged. */
export interface ServerConfig {
  /** Addresses to listen on (`--listen`); one listener each, all on `port`. */
  readonly listen: readonly string[];
  readonly port: number;
  readonly directories: Directories;
  /** `--extra-model-paths-config`: more `extra_model_paths.yaml` files, absolute, in the order given. */
  readonly extraModelPathsConfigs: readonly string[];
  /** `--max-upload-size` in MB: the limit of every request body. */
  readonly maxUploadSizeMb: number;
  /** `--enable-cors-header [ORIGIN]`: the allowed origin, or null for the origin check. */
  readonly corsOrigin: string | null;
  readonly frontEndRoot: string | null;
  /** `--disable-api-nodes`: a Content-Security-Policy keeps the frontend off the internet. */
  readonly disableApiNodes: boolean;
  /** `--enable-compress-response-body`: gzip JSON and text answers. */
  readonly compressResponseBody: boolean;
  readonly logLevel: LogLevel;
  readonly backend: BackendName;
  /** `--device`: which device the backend runs on (`cpu`, `cuda:0`, ...). */
  readonly device: string;
  readonly cache: CacheSettings;
  /** Where the queue and history live (`--state-store`); sqlite survives restarts. */
  readonly stateStore: StateStoreKind;
  /** `--multi-user`: the `comfy-user` header picks a user of `<user dir>/users.json`; otherwise everyone is `default`. */
  readonly multiUser: boolean;
  /** `--disable-metadata`: saved images carry no prompt or workflow. */
  readonly disableMetadata: boolean;
  /** Where packs come from; the server fills these from its own location and the base directory. */
  readonly packs: PackSearchPaths;
  /** The command line as given, for `/system_stats`. */
  readonly argv: readonly string[];
}

export interface PackSearchPaths {
  /** `node-packs/` of the Easel workspace, when the server runs from a checkout. */
  readonly workspaceDir: string | null;
  /** `node_modules` folders whose packages are scanned for an `easel.nodes` field. */
  readonly nodeModulesDirs: readonly string[];
  /** `<base>/custom_nodes`: one folder per pack. */
  readonly customNodesDir: string;
}

/** Nest injection token of the `ServerConfig`. */
export const SERVER_CONFIG = Symbol.for('easel.api.ServerConfig');

/** `--max-upload-size` in bytes, rounded like ComfyUI. */
export function maxBodyBytes(config: Pick<ServerConfig, 'maxUploadSizeMb'>): number {
  return Math.round(config.maxUploadSizeMb * 1024 * 1024);
}
