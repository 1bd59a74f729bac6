import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileType } from '../files/view-path.js';

/**
 * `GET /internal/files/{type}`: the visible regular files directly in the folder (links followed),
 * newest first, each as `"<name> [<type>]"`. A folder that does not exist yet has none (ComfyUI
 * answers 500 there).
 */
export async function typeFolderFiles(dir: string, type: FileType): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const files: { name: string; mtimeMs: number }[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    try {
      const stats = await stat(join(dir, name));
      if (stats.isFile()) files.push({ name, mtimeMs: stats.mtimeMs });
    } catch {
      // a link to nothing, or removed meanwhile
    }
  }
  return files.sort((a, b) => b.mtimeMs - a.mtimeMs).map(({ name }) => `${name} [${type}]`);
}
