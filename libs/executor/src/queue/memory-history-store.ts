import { MAX_HISTORY_SIZE, historyWindow, type HistoryEntry, type HistoryStore } from './history-store.js';

/** History in memory, as ComfyUI keeps it; lost when the process stops. */
export class MemoryHistoryStore implements HistoryStore {
  private readonly entries = new Map<string, HistoryEntry>();

  constructor(private readonly maxSize = MAX_HISTORY_SIZE) {}

  put(promptId: string, entry: HistoryEntry): Promise<void> {
    if (!this.entries.has(promptId) && this.entries.size > this.maxSize) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.entries.set(promptId, entry);
    return Promise.resolve();
  }

  get(promptId: string): Promise<HistoryEntry | undefined> {
    return Promise.resolve(this.entries.get(promptId));
  }

  list(maxItems?: number, offset?: number): Promise<[string, HistoryEntry][]> {
    const [start, end] = historyWindow(this.entries.size, maxItems, offset);
    return Promise.resolve([...this.entries].slice(start, end));
  }

  delete(promptIds: readonly string[]): Promise<void> {
    for (const id of promptIds) this.entries.delete(id);
    return Promise.resolve();
  }

  clear(): Promise<void> {
    this.entries.clear();
    return Promise.resolve();
  }

  size(): Promise<number> {
    return Promise.resolve(this.entries.size);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
