import { subfolders, type PackSource } from './pack-source.js';

/** `<base>/custom_nodes`: one folder per pack, as in ComfyUI (folders without an Easel pack are skipped). */
export class CustomNodesPackSource implements PackSource {
  readonly kind = 'custom_nodes';

  constructor(private readonly customNodesDir: string) {}

  candidates(): Promise<string[]> {
    return subfolders(this.customNodesDir);
  }
}
