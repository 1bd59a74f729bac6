import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config.js';
import { asciiJson } from './python-json.js';
import { UserFilesRepository } from './user-files.repository.js';

/** users.json cannot be used; the message names the file and the problem. */
export class UsersFileError extends Error {
  override name = 'UsersFileError';
}

/** `<user dir>/users.json`: user id -> display name (ComfyUI's multi-user list). */
@Injectable()
export class UsersRepository {
  readonly path: string;

  constructor(
    @Inject(SERVER_CONFIG) config: ServerConfig,
    private readonly files: UserFilesRepository,
  ) {
    this.path = join(config.directories.user, 'users.json');
  }

  /** The users in the file; null when there is no file. */
  async load(): Promise<Map<string, string> | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new UsersFileError(`Cannot read ${this.path}: ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new UsersFileError(`${this.path} is not valid JSON: ${(error as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new UsersFileError(`${this.path} must hold a JSON object of user id -> display name`);
    }
    const users = new Map<string, string>();
    for (const [id, name] of Object.entries(parsed)) {
      if (typeof name !== 'string') {
        throw new UsersFileError(`${this.path}: the display name of ${JSON.stringify(id)} must be a string`);
      }
      users.set(id, name);
    }
    return users;
  }

  /** Rewrites the whole file (as ComfyUI's `json.dump`), atomically. */
  async save(users: ReadonlyMap<string, string>): Promise<void> {
    await this.files.ensureDirectory(join(this.path, '..'));
    await this.files.writeAtomic(this.path, asciiJson(Object.fromEntries(users)));
  }
}
