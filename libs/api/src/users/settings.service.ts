import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { KeyedLock } from './keyed-lock.js';
import { asciiJson } from './python-json.js';
import { UserFilesRepository } from './user-files.repository.js';
import { UserService } from './user.service.js';

/** The frontend's settings of one user: `<user dir>/<user>/comfy.settings.json`. */
export const SETTINGS_FILE = 'comfy.settings.json';

export type Settings = Record<string, unknown>;

/** Sets `key` as an own property, also for `__proto__`. */
function setOwn(settings: Settings, key: string, value: unknown): void {
  Object.defineProperty(settings, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * ComfyUI's `AppSettings`: the whole object is read, changed and written back, one change at a
 * time per user. A missing or unreadable file is `{}` (ComfyUI logs and starts over).
 */
@Injectable()
export class SettingsService {
  private readonly writes = new KeyedLock();

  constructor(
    private readonly users: UserService,
    private readonly files: UserFilesRepository,
  ) {}

  async all(user: string): Promise<Settings> {
    const root = await this.users.ensureUserRoot(user);
    const text = await this.files.readText(join(root, SETTINGS_FILE));
    if (text === null) return {};
    try {
      const parsed: unknown = JSON.parse(text);
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Settings)
        : {};
    } catch {
      return {};
    }
  }

  /** One setting's value; null when it is not set. */
  async get(user: string, id: string): Promise<unknown> {
    const settings = await this.all(user);
    return Object.hasOwn(settings, id) ? settings[id] : null;
  }

  /** Shallow-merges `values` over the stored settings. */
  async merge(user: string, values: Settings): Promise<void> {
    await this.update(user, (settings) => {
      for (const [key, value] of Object.entries(values)) setOwn(settings, key, value);
    });
  }

  async set(user: string, id: string, value: unknown): Promise<void> {
    await this.update(user, (settings) => setOwn(settings, id, value));
  }

  private async update(user: string, change: (settings: Settings) => void): Promise<void> {
    await this.writes.run(user, async () => {
      const settings = await this.all(user);
      change(settings);
      const path = join(this.users.userRoot(user), SETTINGS_FILE);
      // ComfyUI writes json.dumps(settings, indent=4)
      await this.files.writeAtomic(path, asciiJson(settings, 4));
    });
  }
}
