import { basename } from 'node:path';
import { subfolders, type PackSource } from './pack-source.js';

/** Installed npm packages (`npm install some-easel-pack`): every package in the given node_modules. */
export class NodeModulesPackSource implements PackSource {
  readonly kind = 'node_modules';

  constructor(private readonly nodeModulesDirs: readonly string[]) {}

  async candidates(): Promise<string[]> {
    const found: string[] = [];
    for (const dir of this.nodeModulesDirs) {
      for (const entry of await subfolders(dir)) {
        // scoped packages live one level deeper: node_modules/@scope/name
        if (basename(entry).startsWith('@')) found.push(...(await subfolders(entry)));
        else found.push(entry);
      }
    }
    return found;
  }
}
