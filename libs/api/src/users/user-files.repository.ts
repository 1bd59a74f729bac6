import { randomUUID } from 'node:crypto';
import type { BigIntStats, Stats } from 'node:fs';
import {
  cp,
  link,
  lstat,
  mkdir,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Injectable } from '@nestjs/common';

/** `full_info` of a user data file (ComfyUI's `get_file_info`): times in whole milliseconds. */
export interface UserFileInfo {
  readonly path: string;
  readonly size: number;
  readonly modified: number;
  readonly created: number;
}

/** One entry of `GET /v2/userdata`: `modified` in (fractional) seconds, as Python's `st_mtime`. */
export type UserDataEntry =
  | { readonly name: string; readonly path: string; readonly type: 'directory' }
  | {
      readonly name: string;
      readonly path: string;
      readonly type: 'file';
      readonly size?: number;
      readonly modified?: number;
    };

/** `relative(from, to)` with forward slashes. */
export function relativeSlashed(from: string, to: string): string {
  return relative(from, to).split(sep).join('/');
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException).code;

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch {
    return null;
  }
}

/** All file system work on user folders: listing, reading, atomic writes, moves. */
@Injectable()
export class UserFilesRepository {
  /** What is at `path` (links followed): a file, a folder, something else, or nothing. */
  async kindOf(path: string): Promise<'file' | 'directory' | 'other' | null> {
    const stats = await statOrNull(path);
    if (stats === null) return null;
    return stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other';
  }

  /** Stats of a regular file for sending it, or null. */
  async fileStats(path: string): Promise<BigIntStats | null> {
    try {
      const stats = await stat(path, { bigint: true });
      return stats.isFile() ? stats : null;
    } catch {
      return null;
    }
  }

  async ensureDirectory(path: string): Promise<void> {
    await mkdir(path, { recursive: true });
  }

  async fileInfo(path: string, relativeTo: string): Promise<UserFileInfo> {
    const stats = await stat(path);
    return {
      path: relativeSlashed(relativeTo, path),
      size: stats.size,
      modified: Math.trunc(stats.mtimeMs),
      created: Math.trunc(stats.ctimeMs),
    };
  }

  /**
   * Files in `dir` (or below it with `recurse`) as Python's `glob` finds them for `*` and
   * `**` + `*`: names starting with `.` are skipped, folders are not listed, linked folders are
   * followed (each real folder once). Per folder in name order, its files before its subfolders'.
   */
  async listFiles(dir: string, recurse: boolean): Promise<string[]> {
    const found: string[] = [];
    const visited = new Set<string>();
    const walk = async (folder: string): Promise<void> => {
      let names: string[];
      try {
        const real = await realpath(folder);
        if (visited.has(real)) return;
        visited.add(real);
        names = (await readdir(folder)).filter((name) => !name.startsWith('.')).sort();
      } catch {
        return;
      }
      const folders: string[] = [];
      for (const name of names) {
        const path = join(folder, name);
        const stats = await statOrNull(path);
        if (stats?.isFile()) found.push(path);
        else if (stats?.isDirectory()) folders.push(path);
      }
      if (recurse) for (const sub of folders) await walk(sub);
    };
    await walk(dir);
    return found;
  }

  /**
   * Every folder and file below `target` (Python's `os.walk`: linked folders are listed but not
   * entered, unreadable folders skipped), paths relative to `root`, sorted folders first, then
   * by name ignoring case.
   */
  async walk(target: string, root: string): Promise<UserDataEntry[]> {
    const entries: UserDataEntry[] = [];
    const visit = async (folder: string): Promise<void> => {
      let names: string[];
      try {
        names = (await readdir(folder)).sort();
      } catch {
        return;
      }
      const subfolders: string[] = [];
      for (const name of names) {
        const path = join(folder, name);
        const stats = await statOrNull(path);
        if (stats?.isDirectory()) {
          entries.push({ name, path: relativeSlashed(root, path), type: 'directory' });
          const own = await lstat(path).catch(() => null);
          if (own?.isDirectory()) subfolders.push(path);
        } else {
          entries.push({
            name,
            path: relativeSlashed(root, path),
            type: 'file',
            ...(stats ? { size: stats.size, modified: stats.mtimeMs / 1000 } : {}),
          });
        }
      }
      for (const sub of subfolders) await visit(sub);
    };
    await visit(target);
    const key = (entry: UserDataEntry) => entry.name.toLowerCase();
    return entries.sort((a, b) =>
      a.type !== b.type ? (a.type === 'directory' ? -1 : 1) : key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0,
    );
  }

  /** The file's text, or null when it is missing or unreadable. */
  async readText(path: string): Promise<string | null> {
    try {
      return await readFile(path, 'utf8');
    } catch {
      return null;
    }
  }

  /**
   * Writes `data` to `path` so that readers see the old or the new content, never a part: a
   * hidden temporary file in the same folder, then a rename over the target.
   */
  async writeAtomic(path: string, data: Buffer | string): Promise<void> {
    const temporary = join(dirname(path), `.tmp-${randomUUID()}`);
    try {
      await writeFile(temporary, data, { flag: 'wx' });
      await rename(temporary, path);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Like `writeAtomic`, but only when nothing is at `path` yet, decided atomically (a hard link
   * fails when the name is taken), so of two writers of one new name only one succeeds.
   * File systems without hard links fall back to a check before the rename.
   */
  async writeAtomicIfAbsent(path: string, data: Buffer | string): Promise<'written' | 'exists'> {
    const temporary = join(dirname(path), `.tmp-${randomUUID()}`);
    try {
      await writeFile(temporary, data, { flag: 'wx' });
      try {
        await link(temporary, path);
      } catch (error) {
        const code = errorCode(error);
        if (code === 'EEXIST') return 'exists';
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw error;
        if ((await this.kindOf(path)) !== null) return 'exists';
        await rename(temporary, path);
      }
      return 'written';
    } finally {
      await unlink(temporary).catch(() => undefined);
    }
  }

  /** Deletes a file; `'directory'` (nothing deleted) when `path` is a folder. */
  async deleteFile(path: string): Promise<'deleted' | 'directory'> {
    if ((await lstat(path)).isDirectory()) return 'directory';
    await unlink(path);
    return 'deleted';
  }

  /** Moves a file or folder to `dest`, replacing a file there; across devices by copying. */
  async move(source: string, dest: string): Promise<void> {
    try {
      await rename(source, dest);
    } catch (error) {
      if (errorCode(error) !== 'EXDEV') throw error;
      await cp(source, dest, { recursive: true, force: true, errorOnExist: false });
      await rm(source, { recursive: true, force: true });
    }
  }
}
