import { Node, type NodeReturn } from '@easel/core';
import { PYTHON_MODULE } from './tools.js';

// cache_provider_test_nodes.py: a cache provider that records what is stored through it, and a
// node that reports the record.

/** What a cache provider is told when an output is stored (ComfyUI's cache context, in part). */
export interface CacheStoreContext {
  readonly class_type: string;
  readonly [key: string]: unknown;
}

/**
 * An external cache provider that never answers a lookup and records the class type of every
 * output stored through it. ComfyUI registers it when the pack is imported, so tests can check that
 * outputs of failed (or failure-blocked) nodes never leave the process. Easel has no cache
 * provider interface yet, so nothing calls it unless a host registers it.
 */
export class RecordingCacheProvider {
  readonly storedClassTypes: string[] = [];

  onLookup(): Promise<null> {
    return Promise.resolve(null);
  }

  onStore(context: CacheStoreContext): Promise<void> {
    this.storedClassTypes.push(context.class_type);
    return Promise.resolve();
  }
}

/** The process-wide recorder (ComfyUI's `RECORDING_CACHE_PROVIDER`). */
export const RECORDING_CACHE_PROVIDER = new RecordingCacheProvider();

@Node({
  classType: 'TestCacheProviderRecord',
  displayName: 'Test Cache Provider Record',
  category: 'Testing/Nodes',
  pythonModule: PYTHON_MODULE,
  outputs: [],
  outputNode: true,
})
export class TestCacheProviderRecord {
  /** Always re-run: the record changes between prompts. */
  static fingerprintInputs(): number {
    return NaN;
  }

  execute(): NodeReturn {
    return { ui: { stored_class_types: [...RECORDING_CACHE_PROVIDER.storedClassTypes] } };
  }
}
