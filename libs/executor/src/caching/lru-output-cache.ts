import { disposeEvicted, entriesOf, type CacheEntry, type OutputCache } from './output-cache.js';

interface Slot {
  entry: CacheEntry;
  generation: number;
}

/**
 * ComfyUI's LRU cache (`--cache-lru N`): each prompt is a generation; entries the prompt uses
 * are renewed; when more than N are held, whole old generations are dropped (never the current).
 */
export class LruOutputCache implements OutputCache {
  readonly mode: 'lru' | 'ram-pressure' = 'lru';
  protected readonly entries = new Map<string, Slot>();
  protected generation = 0;
  protected minGeneration = 0;

  constructor(private readonly maxEntries: number) {}

  beginPrompt(usedKeys: ReadonlySet<string>): void {
    this.generation += 1;
    for (const key of usedKeys) {
      const slot = this.entries.get(key);
      if (slot) slot.generation = this.generation;
    }
    this.evictOverLimit();
  }

  get(key: string): CacheEntry | undefined {
    const slot = this.entries.get(key);
    if (!slot) return undefined;
    slot.generation = this.generation;
    return slot.entry;
  }

  set(key: string, entry: CacheEntry): void {
    this.entries.set(key, { entry, generation: this.generation });
    this.evictOverLimit();
  }

  afterNode(): void {}

  clear(): void {
    const all = [...this.entries.values()].map((s) => s.entry);
    this.entries.clear();
    disposeEvicted(all, []);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops the oldest generations until at most `maxEntries` remain (or only the current one is left). */
  protected evictOverLimit(): void {
    const evicted: CacheEntry[] = [];
    while (this.entries.size > this.maxEntries && this.minGeneration < this.generation) {
      this.minGeneration += 1;
      evicted.push(...this.dropOlderThan(this.minGeneration));
    }
    disposeEvicted(evicted, entriesOf(this.entries));
  }

  protected dropOlderThan(generation: number): CacheEntry[] {
    const dropped: CacheEntry[] = [];
    for (const [key, slot] of this.entries) {
      if (slot.generation < generation) {
        this.entries.delete(key);
        dropped.push(slot.entry);
      }
    }
    return dropped;
  }
}
