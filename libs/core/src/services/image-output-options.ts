/**
 * How nodes that save images write them, as the server was configured. A server that registers
 * nothing means the defaults: `{ disableMetadata: false }`.
 */
export interface ImageOutputOptions {
  /** `--disable-metadata`: saved images carry no `prompt` or workflow text chunks. */
  readonly disableMetadata: boolean;
}

/**
 * Injection token. The service is optional, so ask for it with
 * `@inject(ImageOutputOptions, { isOptional: true }) options?: ImageOutputOptions`.
 */
export const ImageOutputOptions: unique symbol = Symbol.for('easel.service.ImageOutputOptions');
