import type { Tensor } from '@easel/core';

/** What a node's UI produced, as history and `executed` messages show it. */
export interface NodeUiRecord {
  meta: { node_id: string; display_node: string; parent_node: string | null; real_node_id: string };
  output: Record<string, unknown[]>;
}

/** A node's cached result: UI (or null) and one list of values per output slot. */
export interface CacheEntry {
  readonly ui: NodeUiRecord | null;
  readonly outputs: readonly (readonly unknown[])[];
}

export type CacheMode = 'classic' | 'lru' | 'ram-pressure' | 'none';

/**
 * Node results kept between prompts, by cache key (ComfyUI's output cache). Drivers differ in
 * what they keep: classic (only what the latest prompt used), lru (the last N entries),
 * ram-pressure (everything until memory runs low; ComfyUI's default) and none.
 */
export interface OutputCache {
  readonly mode: CacheMode;
  /** Called when a prompt starts with the keys its nodes have. */
  beginPrompt(usedKeys: ReadonlySet<string>): void;
  get(key: string): CacheEntry | undefined;
  /** `owner`: the key of the prompt node whose expansion produced this entry, if any. */
  set(key: string, entry: CacheEntry, owner: string | null): void;
  /** Called after each executed node: a chance to free memory. */
  afterNode(): void;
  clear(): void;
  readonly size: number;
}

function isTensor(value: unknown): value is Tensor {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Tensor).dispose === 'function' &&
    Array.isArray((value as Tensor).shape) &&
    typeof (value as Tensor).backend === 'string'
  );
}

/** The tensors an entry holds, also inside plain objects and arrays (LATENT dicts, lists). */
export function tensorsOf(entry: CacheEntry, into = new Set<Tensor>()): Set<Tensor> {
  const visit = (value: unknown, depth: number) => {
    if (depth > 8 || value === null || typeof value !== 'object') return;
    if (isTensor(value)) {
      into.add(value);
      return;
    }
    const items = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
    for (const item of items) visit(item, depth + 1);
  };
  for (const slot of entry.outputs) visit(slot, 0);
  return into;
}

/**
 * Frees the tensors of evicted entries that no kept entry still holds (a node that passes its
 * input through shares tensors between entries). Backends whose memory is not garbage collected
 * (TensorFlow.js wasm) need this.
 */
export function disposeEvicted(evicted: readonly CacheEntry[], kept: Iterable<CacheEntry>): void {
  // `kept` is only walked when something was evicted: pass a lazy iterable (see entriesOf)
  if (evicted.length === 0) return;
  const gone = new Set<Tensor>();
  for (const entry of evicted) tensorsOf(entry, gone);
  if (gone.size === 0) return;
  const alive = new Set<Tensor>();
  for (const entry of kept) tensorsOf(entry, alive);
  for (const tensor of gone) if (!alive.has(tensor) && !tensor.disposed) tensor.dispose();
}

/** The entries of a cache's slots, lazily (no copy when nothing needs them). */
export function* entriesOf(slots: Map<string, { entry: CacheEntry }>): Iterable<CacheEntry> {
  for (const slot of slots.values()) yield slot.entry;
}
