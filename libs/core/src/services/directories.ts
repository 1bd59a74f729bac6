/** ComfyUI's folder layout as the server was configured (`--base-directory`, `--input-directory`, ...). */
export interface Directories {
  readonly base: string;
  readonly input: string;
  readonly output: string;
  readonly temp: string;
  readonly user: string;
  readonly models: string;
  readonly customNodes: string;
}

/** Injection token: `constructor(@inject(Directories) private readonly dirs: Directories) {}` */
export const Directories: unique symbol = Symbol.for('easel.service.Directories');
