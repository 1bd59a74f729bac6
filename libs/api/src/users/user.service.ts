import { join, resolve } from 'node:path';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config.js';
import type { ConsoleLogger } from '../logging/console-logger.js';
import { LOGGER } from '../runtime/runtime.js';
import { KeyedLock } from './keyed-lock.js';
import { DEFAULT_USER, isPublicUserId, newUserId, SYSTEM_USER_PREFIX } from './user-ids.js';
import { UserFilesRepository } from './user-files.repository.js';
import { UsersFileError, UsersRepository } from './users.repository.js';

/**
 * The request names no user it may act as: a system user (`__...`), an id missing from
 * users.json, or one that is not a plain folder name. The same error for all, so clients cannot
 * probe which system users exist.
 */
export class UnknownUserError extends Error {
  override name = 'UnknownUserError';
  constructor() {
    super('Unknown user');
  }
}

/** `GET /users`: the user list in multi-user mode, whether the default user has a folder otherwise. */
export type UsersAnswer =
  | { readonly storage: 'server'; readonly users: Record<string, string> }
  | { readonly storage: 'server'; readonly migrated: boolean };

/** `POST /users`: the new id, or ComfyUI's error text. */
export type CreateUserResult =
  { readonly ok: true; readonly id: string } | { readonly ok: false; readonly error: string };

/**
 * Who a request acts as and where that user's files live. Without `--multi-user` everyone is
 * `default`; with it the `comfy-user` header picks a user listed in `<user dir>/users.json`
 * (read at start-up, rewritten by `POST /users`). This is not authentication: any client can
 * name any listed user.
 */
@Injectable()
export class UserService implements OnModuleInit {
  private users = new Map<string, string>();
  private readonly writes = new KeyedLock();
  readonly multiUser: boolean;
  private readonly userDirectory: string;

  constructor(
    @Inject(SERVER_CONFIG) config: ServerConfig,
    private readonly usersFile: UsersRepository,
    private readonly files: UserFilesRepository,
    @Inject(LOGGER) private readonly logger: ConsoleLogger,
  ) {
    this.multiUser = config.multiUser;
    this.userDirectory = resolve(config.directories.user);
  }

  /** Reads users.json; in multi-user mode a broken file stops the start (as in ComfyUI). */
  async onModuleInit(): Promise<void> {
    let stored: Map<string, string> | null = null;
    try {
      stored = await this.usersFile.load();
    } catch (error) {
      if (this.multiUser || !(error instanceof UsersFileError)) throw error;
      this.logger.warn(`${error.message}; it is only used with --multi-user, ignoring it.`);
    }
    this.users = stored ?? new Map<string, string>();
    // ComfyUI's single-user list is {"default": "default"}; POST /users writes it along
    if (!this.multiUser) this.users.set(DEFAULT_USER, DEFAULT_USER);
  }

  /**
   * The user a request acts as, from its `comfy-user` header (ignored without `--multi-user`;
   * absent means `default`, present but empty means the empty id, which is unknown).
   * @throws UnknownUserError
   */
  requestUser(header: string | string[] | undefined): string {
    if (!this.multiUser) return DEFAULT_USER;
    const id = header === undefined ? DEFAULT_USER : Array.isArray(header) ? header.join(', ') : header;
    if (id.startsWith(SYSTEM_USER_PREFIX) || !this.users.has(id) || !isPublicUserId(id)) {
      throw new UnknownUserError();
    }
    return id;
  }

  /** `<user dir>/<id>`, absolute; `id` comes from `requestUser`. */
  userRoot(id: string): string {
    return join(this.userDirectory, id);
  }

  /** The user's folder, created on first use (ComfyUI creates it when a path in it is resolved). */
  async ensureUserRoot(id: string): Promise<string> {
    const root = this.userRoot(id);
    await this.files.ensureDirectory(root);
    return root;
  }

  async listing(): Promise<UsersAnswer> {
    if (this.multiUser) {
      const visible = [...this.users].filter(([id]) => isPublicUserId(id));
      return { storage: 'server', users: Object.fromEntries(visible) };
    }
    const kind = await this.files.kindOf(this.userRoot(DEFAULT_USER));
    return { storage: 'server', migrated: kind !== null };
  }

  /**
   * ComfyUI's `POST /users`: a display name already used (as sent or trimmed) is a duplicate;
   * otherwise a new id is added and users.json rewritten, in either mode.
   */
  async create(username: string): Promise<CreateUserResult> {
    return this.writes.run('users.json', async () => {
      const names = new Set(this.users.values());
      if (names.has(username) || names.has(username.trim()))
        return { ok: false, error: 'Duplicate username.' };
      const result = newUserId(username);
      if (!result.ok) return result;
      const next = new Map(this.users).set(result.id, username.trim());
      await this.usersFile.save(next);
      this.users = next;
      return { ok: true, id: result.id };
    });
  }
}
