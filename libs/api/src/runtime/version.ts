import { readFileSync } from 'node:fs';

/** Easel's version: all @easel packages are released together, so this package's version is it. */
export const EASEL_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
