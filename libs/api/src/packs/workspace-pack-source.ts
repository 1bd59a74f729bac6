import { subfolders, type PackSource } from './pack-source.js';

/** The `node-packs/` folder of an Easel checkout: Easel's built-in packs. */
export class WorkspacePackSource implements PackSource {
  readonly kind = 'workspace';

  constructor(private readonly nodePacksDir: string) {}

  candidates(): Promise<string[]> {
    return subfolders(this.nodePacksDir);
  }
}
