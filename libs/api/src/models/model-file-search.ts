import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { MODEL_FILE_EXTENSIONS, hasFolderExtension } from './model-folders.js';

// The two ways ComfyUI walks a model folder. Both follow symbolic links; a link back to a folder
// being walked is not entered again (ComfyUI would loop forever).

/** Every file under one place of a folder, and the folders seen with their mtimes (for the cache). */
export interface FolderScan {
  /** Paths relative to the place, with the OS separator. */
  readonly files: string[];
  /** Absolute folder path -> mtime in ms, the place itself included. */
  readonly dirs: Map<string, number>;
}

async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch {
    return null;
  }
}

async function entriesOf(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Realpath of a folder, or null when it cannot be resolved. */
async function realFolder(dir: string): Promise<string | null> {
  try {
    return await realpath(dir);
  } catch {
    return null;
  }
}

/**
 * ComfyUI's `recursive_search` (behind `GET /models/{folder}`): every file under `root`, hidden
 * ones included, skipping `.git` folders. Links that lead nowhere are left out. A missing root
 * has no files and no folders.
 */
export async function scanFolder(root: string): Promise<FolderScan> {
  const files: string[] = [];
  const dirs = new Map<string, number>();
  const rootStats = await statOrNull(root);
  if (!rootStats?.isDirectory()) return { files, dirs };

  async function walk(dir: string, mtimeMs: number, ancestors: readonly string[]): Promise<void> {
    dirs.set(dir, mtimeMs);
    const real = await realFolder(dir);
    if (real === null || ancestors.includes(real)) return;
    const inside = [...ancestors, real];
    for (const entry of await entriesOf(dir)) {
      if (entry.name === '.git') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory() || entry.isSymbolicLink()) {
        // symbolic links are judged by what they point to
        const stats = await statOrNull(path);
        if (stats === null) continue;
        if (stats.isDirectory()) {
          await walk(path, stats.mtimeMs, inside);
          continue;
        }
      }
      files.push(relative(root, path));
    }
  }
  await walk(root, rootStats.mtimeMs, []);
  return { files, dirs };
}

/** One file of `GET /experiment/models/{folder}`. */
export interface ModelFileInfo {
  readonly name: string;
  readonly pathIndex: number;
  /** Seconds since the epoch, with a fraction. */
  readonly modified: number;
  readonly created: number;
  readonly size: number;
}

/**
 * ComfyUI's `recursive_search_models_`: model files (by the global model extensions, whatever
 * the folder's own) under one place, hidden files and folders and `.git` skipped, each folder's
 * files (sorted) before its subfolders, as `os.walk` gives them. Subfolders are taken in name
 * order, where ComfyUI takes the file system's order.
 */
export async function scanModelFiles(root: string, pathIndex: number): Promise<ModelFileInfo[]> {
  const found: ModelFileInfo[] = [];
  const rootStats = await statOrNull(root);
  if (!rootStats?.isDirectory()) return found;

  async function walk(dir: string, ancestors: readonly string[]): Promise<void> {
    const real = await realFolder(dir);
    if (real === null || ancestors.includes(real)) return;
    const inside = [...ancestors, real];
    const files: string[] = [];
    const subdirs: string[] = [];
    for (const entry of await entriesOf(dir)) {
      if (entry.name.startsWith('.')) continue;
      const isDir =
        entry.isDirectory() ||
        (entry.isSymbolicLink() && (await statOrNull(join(dir, entry.name)))?.isDirectory() === true);
      if (isDir) subdirs.push(entry.name);
      else files.push(entry.name);
    }
    for (const name of files.filter((f) => hasFolderExtension(f, MODEL_FILE_EXTENSIONS)).sort()) {
      const path = join(dir, name);
      // a link to nothing cannot be described: skipped, as ComfyUI skips it with a warning
      const stats = await stat(path, { bigint: true }).catch(() => null);
      if (stats === null) continue;
      found.push({
        name: relative(root, path),
        pathIndex,
        modified: Number(stats.mtimeNs) / 1e9,
        created: Number(stats.ctimeNs) / 1e9,
        size: Number(stats.size),
      });
    }
    for (const name of subdirs.sort()) await walk(join(dir, name), inside);
  }
  await walk(root, []);
  return found;
}
