import { stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { ModelPaths } from '@easel/core';
import { scanFolder, scanModelFiles, type ModelFileInfo } from './model-file-search.js';
import { currentFolderName, hasFolderExtension, type ModelFolder } from './model-folders.js';

interface FolderEntry {
  readonly paths: string[];
  readonly extensions: readonly string[];
}

/** A folder's file list and the folder mtimes it was read at. */
interface CachedListing {
  readonly paths: readonly string[];
  readonly files: readonly string[];
  readonly dirs: ReadonlyMap<string, number>;
}

async function mtimeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return null;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * `name` read as if rooted in a folder (ComfyUI's `relpath(join("/", name), "/")`): `..` cannot
 * climb above the folder and an absolute name becomes relative. Null for a name that leaves
 * nothing (the folder itself) or holds a NUL.
 */
export function rootedName(name: string): string | null {
  if (name.includes('\0')) return null;
  // Windows also separates with `\`; elsewhere it is an ordinary character
  const slashed = process.platform === 'win32' ? name.replace(/\\/g, '/') : name;
  const inside = posix.normalize('/' + slashed).replace(/^\/+/, '');
  return inside === '' || inside === '.' ? null : inside;
}

/**
 * ComfyUI's `folder_paths` registry: folder names in registration order, each with the places it
 * is searched and the extensions that count. File lists are cached per folder and read again
 * when any folder they came from has a new mtime, or a missing place has appeared.
 */
export class ModelFolderRegistry implements ModelPaths {
  private readonly folders = new Map<string, FolderEntry>();
  private readonly listings = new Map<string, CachedListing>();

  constructor(folders: readonly ModelFolder[]) {
    for (const folder of folders) {
      this.folders.set(folder.name, { paths: [...folder.paths], extensions: folder.extensions });
    }
  }

  /**
   * ComfyUI's `add_model_folder_path`: appends `path` to the folder (first when `isDefault`,
   * moving it there if it is already listed); an unknown name becomes a new folder that lists
   * every file.
   */
  addPath(folder: string, path: string, isDefault = false): void {
    const name = currentFolderName(folder);
    const entry = this.folders.get(name);
    if (entry === undefined) {
      this.folders.set(name, { paths: [path], extensions: [] });
      return;
    }
    const at = entry.paths.indexOf(path);
    if (at >= 0) {
      if (isDefault && at > 0) {
        entry.paths.splice(at, 1);
        entry.paths.unshift(path);
      }
    } else if (isDefault) {
      entry.paths.unshift(path);
    } else {
      entry.paths.push(path);
    }
  }

  /** True for a registered name exactly as written (legacy names do not count). */
  has(folder: string): boolean {
    return this.folders.has(folder);
  }

  folderNames(): string[] {
    return [...this.folders.keys()];
  }

  folderPaths(folder: string): string[] {
    return [...(this.folders.get(currentFolderName(folder))?.paths ?? [])];
  }

  /** The folder's extensions, sorted (as `GET /experiment/models` lists them); empty for an unknown name. */
  extensions(folder: string): string[] {
    return [...(this.folders.get(currentFolderName(folder))?.extensions ?? [])].sort();
  }

  async list(folder: string): Promise<string[]> {
    const name = currentFolderName(folder);
    const entry = this.folders.get(name);
    if (entry === undefined) return [];
    const cached = this.listings.get(name);
    if (cached !== undefined && (await this.isCurrent(cached, entry.paths))) return [...cached.files];

    const paths = [...entry.paths];
    const files = new Set<string>();
    const dirs = new Map<string, number>();
    for (const scan of await Promise.all(paths.map((path) => scanFolder(path)))) {
      for (const file of scan.files) if (hasFolderExtension(file, entry.extensions)) files.add(file);
      for (const [dir, mtime] of scan.dirs) dirs.set(dir, mtime);
    }
    const listing: CachedListing = { paths, files: [...files].sort(), dirs };
    this.listings.set(name, listing);
    return [...listing.files];
  }

  async resolve(folder: string, name: string): Promise<string | null> {
    const entry = this.folders.get(currentFolderName(folder));
    const inside = rootedName(name);
    if (entry === undefined || inside === null) return null;
    for (const root of entry.paths) {
      const path = join(root, inside);
      if (await isFile(path)) return path;
    }
    return null;
  }

  /** The model files of every place of the folder, place by place (`GET /experiment/models/{folder}`). */
  async modelFiles(folder: string): Promise<ModelFileInfo[]> {
    const paths = this.folderPaths(folder);
    const perPlace = await Promise.all(paths.map((path, index) => scanModelFiles(path, index)));
    return perPlace.flat();
  }

  private async isCurrent(listing: CachedListing, paths: readonly string[]): Promise<boolean> {
    if (listing.paths.length !== paths.length || listing.paths.some((p, i) => p !== paths[i])) return false;
    const checks = [
      ...[...listing.dirs].map(async ([dir, mtime]) => (await mtimeOf(dir)) === mtime),
      ...paths.map(async (path) => listing.dirs.has(path) || !(await isDirectory(path))),
    ];
    return (await Promise.all(checks)).every(Boolean);
  }
}
