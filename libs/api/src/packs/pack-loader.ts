import { readFile, realpath } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isNodeClass, type Logger, type NodeClass } from '@easel/core';
import type { NodeRegistry } from '@easel/executor';
import type { PackSource, PackSourceKind } from './pack-source.js';
import { resolvePackWebFolder, type PackWeb } from './pack-web.js';

export interface LoadedPack {
  readonly name: string;
  readonly version: string;
  readonly source: PackSourceKind;
  readonly path: string;
  /** The `class_type`s the pack declares. */
  readonly nodes: readonly string[];
  /** Its frontend extension folder (`easel.web`), or null when it has none. */
  readonly web: PackWeb | null;
}

/** A pack that was found but not loaded; the server still starts without it. */
export interface PackLoadFailure {
  /** The package name, or the folder name when there is none. */
  readonly name: string;
  readonly source: PackSourceKind;
  readonly path: string;
  readonly error: string;
  readonly stack: string | null;
}

export interface PackLoadReport {
  readonly loaded: readonly LoadedPack[];
  readonly failed: readonly PackLoadFailure[];
}

interface PackManifest {
  name?: unknown;
  version?: unknown;
  /** `autoload: false`: load only from custom_nodes (a pack for tests, or one to opt into). */
  easel?: { nodes?: unknown; autoload?: unknown; web?: unknown };
}

/** Thrown for a pack that cannot load; `packName` is known once package.json was read. */
class PackError extends Error {
  constructor(
    message: string,
    readonly packName?: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

export type ModuleImporter = (url: string) => Promise<Record<string, unknown>>;

const importModule: ModuleImporter = (url) => import(url) as Promise<Record<string, unknown>>;

/**
 * Finds packs in the given sources (in order), imports each pack's `easel.nodes` entry and
 * registers the `@Node` classes it exports. A pack that fails (bad manifest, an entry that throws,
 * a taken `class_type`, ...) is recorded and skipped; the others still load.
 */
export class PackLoader {
  constructor(
    private readonly registry: NodeRegistry,
    private readonly logger: Logger,
    private readonly importer: ModuleImporter = importModule,
  ) {}

  async load(sources: readonly PackSource[]): Promise<PackLoadReport> {
    const loaded: LoadedPack[] = [];
    const failed: PackLoadFailure[] = [];
    const seenPaths = new Set<string>();
    const pathOfName = new Map<string, string>();
    const packOfWebName = new Map<string, string>();

    for (const source of sources) {
      for (const folder of await source.candidates()) {
        try {
          const pack = await this.loadOne(source.kind, folder, seenPaths, pathOfName, packOfWebName);
          if (pack) {
            loaded.push(pack);
            this.logger.debug(`Loaded pack ${pack.name} (${pack.nodes.length} nodes) from ${pack.path}`);
          }
        } catch (error) {
          const failure = toFailure(source.kind, folder, error);
          failed.push(failure);
          this.logger.error(`Cannot load pack ${failure.name} from ${folder}: ${failure.error}`);
        }
      }
    }
    return { loaded, failed };
  }

  private async loadOne(
    kind: PackSourceKind,
    folder: string,
    seenPaths: Set<string>,
    pathOfName: Map<string, string>,
    packOfWebName: Map<string, string>,
  ): Promise<LoadedPack | undefined> {
    const manifest = await readManifest(kind, folder);
    if (!manifest?.easel) {
      if (kind === 'custom_nodes') {
        this.logger.debug(`${folder} is not an Easel pack (no "easel" field in package.json); skipped`);
      }
      return undefined;
    }
    const name = typeof manifest.name === 'string' && manifest.name !== '' ? manifest.name : basename(folder);
    if (manifest.easel.autoload === false && kind !== 'custom_nodes') {
      this.logger.debug(`${name} is not loaded automatically ("autoload": false); link it into custom_nodes`);
      return undefined;
    }
    const root = await realpath(folder);
    // node-packs/* are also linked into node_modules by npm workspaces: load each folder once
    if (seenPaths.has(root)) return undefined;
    seenPaths.add(root);

    const entryName = manifest.easel.nodes;
    if (typeof entryName !== 'string' || entryName.trim() === '') {
      throw new PackError('package.json "easel.nodes" must name the module that exports the nodes', name);
    }
    const entry = resolve(root, entryName);
    const inside = relative(root, entry);
    if (inside.startsWith('..') || isAbsolute(inside)) {
      throw new PackError(`"easel.nodes" (${entryName}) points outside the pack folder`, name);
    }
    const other = pathOfName.get(name);
    if (other !== undefined)
      throw new PackError(`a pack named ${name} is already loaded from ${other}`, name);
    const web = await webOf(kind, folder, root, name, manifest.easel.web);
    const webOwner = web && packOfWebName.get(web.name);
    if (web && webOwner !== undefined) {
      throw new PackError(
        `its web folder would be served at /extensions/${web.name}/, taken by pack ${webOwner}`,
        name,
      );
    }

    let exports: Record<string, unknown>;
    try {
      exports = await this.importer(pathToFileURL(entry).href);
    } catch (error) {
      throw new PackError(`its entry ${entryName} failed to load: ${messageOf(error)}`, name, error);
    }
    const nodeClasses = collectNodeClasses(exports);
    if (nodeClasses.length === 0) {
      throw new PackError(`its entry ${entryName} exports no @Node classes`, name);
    }
    let registered;
    try {
      registered = this.registry.registerPack(name, nodeClasses);
    } catch (error) {
      throw new PackError(messageOf(error), name, error);
    }
    pathOfName.set(name, root);
    if (web) packOfWebName.set(web.name, name);
    return {
      name,
      version: typeof manifest.version === 'string' ? manifest.version : '0.0.0',
      source: kind,
      path: root,
      nodes: registered.map((n) => n.classType),
      web,
    };
  }
}

/**
 * The pack's `easel.web` folder. It is named in URLs as ComfyUI names a custom node's: by its
 * folder under custom_nodes; a package from node_modules or the workspace by its package name.
 */
async function webOf(
  kind: PackSourceKind,
  folder: string,
  root: string,
  name: string,
  field: unknown,
): Promise<PackWeb | null> {
  let path;
  try {
    path = await resolvePackWebFolder(root, field);
  } catch (error) {
    throw new PackError(messageOf(error), name, error);
  }
  return path === null ? null : { name: kind === 'custom_nodes' ? basename(folder) : name, path };
}

async function readManifest(kind: PackSourceKind, folder: string): Promise<PackManifest | undefined> {
  let text: string;
  try {
    text = await readFile(join(folder, 'package.json'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PackError(`cannot read package.json: ${messageOf(error)}`);
  }
  try {
    const manifest = JSON.parse(text) as unknown;
    return manifest !== null && typeof manifest === 'object' ? manifest : undefined;
  } catch (error) {
    // a broken package in node_modules is npm's business, not a pack of ours
    if (kind === 'node_modules') return undefined;
    throw new PackError(`package.json is not valid JSON: ${messageOf(error)}`);
  }
}

/** Node classes among a module's exports, and inside exported arrays (`export const nodes = [...]`). */
function collectNodeClasses(exports: Record<string, unknown>): NodeClass[] {
  const found = new Set<NodeClass>();
  for (const value of Object.values(exports)) {
    for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
      if (isNodeClass(item)) found.add(item);
    }
  }
  return [...found];
}

function toFailure(source: PackSourceKind, folder: string, error: unknown): PackLoadFailure {
  const cause = error instanceof PackError ? (error.cause ?? error) : error;
  return {
    name: (error instanceof PackError && error.packName) || basename(folder),
    source,
    path: folder,
    error: messageOf(error),
    stack: cause instanceof Error && cause.stack ? cause.stack : null,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
