import { readdir, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/**
 * Files under `root` (recursively, following symlinks, skipping `.git`), as sorted relative paths
 * with forward slashes. `extensions` (lower-case, with the dot) filters them; empty means all.
 * A missing `root` has no files.
 */
export async function listFiles(root: string, extensions: readonly string[] = []): Promise<string[]> {
  const found: string[] = [];
  const visited = new Set<string>();
  async function walk(dir: string): Promise<void> {
    let entries;
    try {
      // symlinked folders are followed once: a link back up the tree does not loop
      const real = await realpath(dir);
      if (visited.has(real)) return;
      visited.add(real);
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES') return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() || (entry.isSymbolicLink() && (await isDirectory(path)))) {
        if (entry.name !== '.git') await walk(path);
      } else if (
        extensions.length === 0 ||
        extensions.some((ext) => entry.name.toLowerCase().endsWith(ext))
      ) {
        found.push(relative(root, path).split(sep).join('/'));
      }
    }
  }
  await walk(root);
  return found.sort();
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    await readdir(path);
    return true;
  } catch {
    return false;
  }
}
