import { disposeEvicted, entriesOf, type CacheEntry, type OutputCache } from './output-cache.js';

/** ComfyUI's classic cache: when a prompt starts, everything it does not use is dropped. */
export class ClassicOutputCache implements OutputCache {
  readonly mode = 'classic';
  private readonly entries = new Map<string, { entry: CacheEntry; owner: string | null }>();

  beginPrompt(usedKeys: ReadonlySet<string>): void {
    const evicted: CacheEntry[] = [];
    for (const [key, { entry, owner }] of this.entries) {
      // an expansion's children stay while the node that expanded is used
      const used = usedKeys.has(key) || (owner !== null && usedKeys.has(owner));
      if (!used) {
        this.entries.delete(key);
        evicted.push(entry);
      }
    }
    disposeEvicted(evicted, entriesOf(this.entries));
  }

  get(key: string): CacheEntry | undefined {
    return this.entries.get(key)?.entry;
  }

  set(key: string, entry: CacheEntry, owner: string | null): void {
    this.entries.set(key, { entry, owner });
  }

  afterNode(): void {}

  clear(): void {
    const all = [...this.entries.values()].map((e) => e.entry);
    this.entries.clear();
    disposeEvicted(all, []);
  }

  get size(): number {
    return this.entries.size;
  }
}
