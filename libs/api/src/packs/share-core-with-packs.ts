import { register } from 'node:module';

/**
 * Makes `import ... from '@easel/core'` in any pack resolve to the server's copy. Call it once,
 * before loading packs.
 */
export function shareCoreWithPacks(): void {
  const coreUrl = import.meta.resolve('@easel/core');
  register('./core-resolve-hook.js', import.meta.url, { data: { coreUrl } });
}
