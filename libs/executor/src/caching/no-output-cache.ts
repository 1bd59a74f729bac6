import type { CacheEntry, OutputCache } from './output-cache.js';

/** `--cache-none`: nothing is kept; every needed node runs on every prompt. */
export class NoOutputCache implements OutputCache {
  readonly mode = 'none';
  beginPrompt(): void {}
  get(): CacheEntry | undefined {
    return undefined;
  }
  set(): void {}
  afterNode(): void {}
  clear(): void {}
  readonly size = 0;
}
