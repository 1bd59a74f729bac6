import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export type PackSourceKind = 'workspace' | 'node_modules' | 'custom_nodes';

/** Where packs come from. A source only lists candidate folders; the loader reads and loads them. */
export interface PackSource {
  readonly kind: PackSourceKind;
  /** Folders that may hold a pack (a package.json with an `easel.nodes` entry), in load order. */
  candidates(): Promise<string[]>;
}

/** Sub-folders of `dir`, sorted by name; none when `dir` does not exist. */
export async function subfolders(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort()
    .map((name) => join(dir, name));
}
