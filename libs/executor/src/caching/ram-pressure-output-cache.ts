import { freemem, totalmem } from 'node:os';
import { disposeEvicted, entriesOf, type CacheEntry } from './output-cache.js';
import { LruOutputCache } from './lru-output-cache.js';

export interface RamPressureOptions {
  /** Free memory below which entries of earlier prompts are dropped (bytes). */
  inactiveHeadroom?: number;
  /** Free memory below which even this prompt's older entries may go (bytes). */
  activeHeadroom?: number;
  /** For tests: where free memory is read from. */
  freeMemory?: () => number;
  /** Easel's bound on top of ComfyUI's: at most this many results, oldest prompts' first out. */
  maxEntries?: number;
}

/** Enough for several large workflows; keeps a long-running server's memory flat. */
export const RAM_PRESSURE_MAX_ENTRIES = 4096;

/**
 * ComfyUI's default cache (`--cache-ram`): keeps results while memory is plentiful; after each
 * node, if free memory is below the headroom, drops the oldest generations first. Unlike
 * ComfyUI it also holds at most `maxEntries` results, so memory does not grow with the number of
 * distinct prompts a server has seen.
 */
export class RamPressureOutputCache extends LruOutputCache {
  override readonly mode = 'ram-pressure';
  private readonly inactiveHeadroom: number;
  private readonly activeHeadroom: number;
  private readonly freeMemory: () => number;

  constructor(options: RamPressureOptions = {}) {
    super(options.maxEntries ?? RAM_PRESSURE_MAX_ENTRIES);
    const total = totalmem();
    // ComfyUI's defaults: active headroom 10% of RAM clamped to 2..10 GB
    const gb = 1024 ** 3;
    this.activeHeadroom = options.activeHeadroom ?? Math.min(Math.max(total * 0.1, 2 * gb), 10 * gb);
    this.inactiveHeadroom = options.inactiveHeadroom ?? Math.min(total, 128 * gb) * 0.25;
    this.freeMemory = options.freeMemory ?? freemem;
  }

  override afterNode(): void {
    const evicted: CacheEntry[] = [];
    // earlier prompts' entries first, oldest generation first
    while (this.freeMemory() < this.inactiveHeadroom && this.minGeneration < this.generation) {
      this.minGeneration += 1;
      const dropped = this.dropOlderThan(this.minGeneration);
      evicted.push(...dropped);
      if (dropped.length > 0) break;
    }
    disposeEvicted(evicted, entriesOf(this.entries));
    if (this.freeMemory() < this.activeHeadroom) {
      // still short: this prompt's entries too, oldest first; their tensors may still feed
      // nodes of the running prompt, so they are only released, not disposed
      for (const [key] of this.entries) {
        if (this.freeMemory() >= this.activeHeadroom) break;
        this.entries.delete(key);
      }
    }
  }
}
