import type { BigIntStats } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Injectable } from '@nestjs/common';
import { resolveUserFileParam, resolveV2Path, type UserPath } from './user-data-path.js';
import { isBadNameError } from '../files/fs-errors.js';
import {
  relativeSlashed,
  UserFilesRepository,
  type UserDataEntry,
  type UserFileInfo,
} from './user-files.repository.js';
import { UserService } from './user.service.js';

/**
 * Why a user data request did nothing. Controllers turn these into ComfyUI's answers:
 * - `empty`: no path given;
 * - `outside`: the path leads out of the user's folder (or names the folder itself where a file
 *   is needed);
 * - `missing`: nothing there;
 * - `not-directory`: a folder was needed;
 * - `exists`: the target exists and `overwrite=false`;
 * - `bad-name`: the file system refused the name (too long, a file where a folder must be);
 * - `directory`: a file was needed, the path is a folder.
 */
export type UserDataProblem =
  'empty' | 'outside' | 'missing' | 'not-directory' | 'exists' | 'bad-name' | 'directory';

export type UserDataResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: UserDataProblem };

const fail = (problem: UserDataProblem) => ({ ok: false, problem }) as const;
const done = <T>(value: T) => ({ ok: true, value }) as const;

/** How `/userdata?dir=` lists: ComfyUI's `recurse`, `full_info`, `split`. */
export interface ListOptions {
  readonly recurse: boolean;
  readonly fullInfo: boolean;
  readonly split: boolean;
}

/** A written or moved file: ComfyUI answers its path (OS separators) or its `full_info`. */
export type StoredFile = string | UserFileInfo;

/** A file to send. `userCss`: `<user root>/user.css`, which ComfyUI serves inline as CSS. */
export interface ReadableFile {
  readonly path: string;
  readonly stats: BigIntStats;
  readonly userCss: boolean;
}

/**
 * ComfyUI's user data routes on one user's folder (`<user dir>/<user>`). Every path goes through
 * `resolveUserFileParam` / `resolveV2Path` first, so nothing outside that folder is read,
 * listed, written, moved or deleted. The user's folder is created on first use; other folders
 * only when a file is written into them.
 */
@Injectable()
export class UserDataService {
  constructor(
    private readonly users: UserService,
    private readonly files: UserFilesRepository,
  ) {}

  /** A path in the user's folder that is not the folder itself, for the file routes. */
  private async filePath(user: string, value: string): Promise<UserDataResult<string>> {
    const root = await this.users.ensureUserRoot(user);
    const resolved: UserPath = resolveUserFileParam(root, value);
    if (!resolved.ok) return fail(resolved.reason);
    if (resolved.path === root) return fail('outside');
    return done(resolved.path);
  }

  /** `GET /userdata?dir=`: the files in a folder of the user's folder. */
  async list(user: string, dir: string, options: ListOptions): Promise<UserDataResult<unknown[]>> {
    const root = await this.users.ensureUserRoot(user);
    const resolved = resolveUserFileParam(root, dir);
    if (!resolved.ok) return fail(resolved.reason);
    const folder = resolved.path;
    if ((await this.files.kindOf(folder)) === null) return fail('missing');
    const found = await this.files.listFiles(folder, options.recurse);
    const items: unknown[] = [];
    for (const path of found) {
      if (options.fullInfo) {
        const info = await this.files.fileInfo(path, folder).catch(() => null);
        if (info !== null) items.push(info);
        continue;
      }
      const rel = relativeSlashed(folder, path);
      items.push(options.split ? [rel, ...rel.split('/')] : rel);
    }
    return done(items);
  }

  /** `GET /v2/userdata?path=`: everything below a folder (the user's folder when empty). */
  async listTree(user: string, value: string): Promise<UserDataResult<UserDataEntry[]>> {
    const root = this.users.userRoot(user);
    let target = root;
    if (value !== '') {
      const resolved = resolveV2Path(root, value);
      if (!resolved.ok) return fail(resolved.reason === 'empty' ? 'outside' : resolved.reason);
      target = resolved.path;
    }
    const kind = await this.files.kindOf(target);
    // a user who never stored anything has no folder yet
    if (kind === null) return target === root ? done([]) : fail('missing');
    if (kind !== 'directory') return fail('not-directory');
    return done(await this.files.walk(target, root));
  }

  /** `GET /userdata/{file}`. */
  async read(user: string, file: string): Promise<UserDataResult<ReadableFile>> {
    const path = await this.filePath(user, file);
    if (!path.ok) return path;
    // a folder is no file to send either
    const stats = await this.files.fileStats(path.value);
    if (stats === null) return fail('missing');
    return done({
      path: path.value,
      stats,
      userCss: path.value === join(this.users.userRoot(user), 'user.css'),
    });
  }

  /** `POST /userdata/{file}`: the body's bytes, as they are. */
  async write(
    user: string,
    file: string,
    data: Buffer,
    options: { overwrite: boolean; fullInfo: boolean },
  ): Promise<UserDataResult<StoredFile>> {
    const path = await this.filePath(user, file);
    if (!path.ok) return path;
    if (!options.overwrite && (await this.files.kindOf(path.value)) !== null) return fail('exists');
    try {
      await this.files.ensureDirectory(dirname(path.value));
      if (options.overwrite) await this.files.writeAtomic(path.value, data);
      else if ((await this.files.writeAtomicIfAbsent(path.value, data)) === 'exists') return fail('exists');
    } catch (error) {
      if (isBadNameError(error)) return fail('bad-name');
      throw error;
    }
    return done(await this.describe(user, path.value, options.fullInfo));
  }

  /** `DELETE /userdata/{file}`: files only. */
  async delete(user: string, file: string): Promise<UserDataResult<null>> {
    const path = await this.filePath(user, file);
    if (!path.ok) return path;
    if ((await this.files.kindOf(path.value)) === null) return fail('missing');
    try {
      if ((await this.files.deleteFile(path.value)) === 'directory') return fail('directory');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fail('missing');
      throw error;
    }
    return done(null);
  }

  /** `POST /userdata/{file}/move/{dest}`: a file (or folder) to another place in the user's folder. */
  async move(
    user: string,
    file: string,
    dest: string,
    options: { overwrite: boolean; fullInfo: boolean },
  ): Promise<UserDataResult<StoredFile>> {
    const source = await this.filePath(user, file);
    if (!source.ok) return source;
    if ((await this.files.kindOf(source.value)) === null) return fail('missing');
    const target = await this.filePath(user, dest);
    if (!target.ok) return target;
    const existing = await this.files.kindOf(target.value);
    // a folder is never replaced (Python's shutil.move would move the source into it)
    if (existing === 'directory' && target.value !== source.value) return fail('exists');
    if (!options.overwrite && existing !== null) return fail('exists');
    try {
      await this.files.ensureDirectory(dirname(target.value));
      await this.files.move(source.value, target.value);
    } catch (error) {
      if (isBadNameError(error)) return fail('bad-name');
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fail('missing');
      throw error;
    }
    return done(await this.describe(user, target.value, options.fullInfo));
  }

  private async describe(user: string, path: string, fullInfo: boolean): Promise<StoredFile> {
    const root = this.users.userRoot(user);
    return fullInfo ? this.files.fileInfo(path, root) : relative(root, path);
  }
}
