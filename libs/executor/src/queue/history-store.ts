import type { QueueTuple } from './prompt-queue.js';

/** What `/history` shows for one finished prompt. */
export interface HistoryEntry {
  prompt: QueueTuple;
  outputs: Record<string, Record<string, unknown[]>>;
  status: {
    status_str: 'success' | 'error';
    completed: boolean;
    messages: [string, Record<string, unknown>][];
  };
  meta: Record<string, unknown>;
}

/** ComfyUI keeps 10000 entries (10001 for a moment: it evicts before inserting). */
export const MAX_HISTORY_SIZE = 10000;

/**
 * Finished prompts, oldest first (port). Drivers: memory, sqlite. Writing an existing prompt id
 * replaces its entry in place.
 */
export interface HistoryStore {
  put(promptId: string, entry: HistoryEntry): Promise<void>;
  get(promptId: string): Promise<HistoryEntry | undefined>;
  /** ComfyUI's `get_history` window: `maxItems` alone means the newest ones, `offset` skips the oldest. */
  list(maxItems?: number, offset?: number): Promise<[string, HistoryEntry][]>;
  delete(promptIds: readonly string[]): Promise<void>;
  clear(): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

/** The positions `[start, end)` of ComfyUI's history window over `size` entries. */
export function historyWindow(size: number, maxItems?: number, offset?: number): [number, number] {
  let start = offset ?? -1;
  if (start < 0 && maxItems !== undefined) start = size - maxItems;
  start = Math.max(0, start);
  const end = maxItems === undefined ? size : Math.min(size, start + Math.max(0, maxItems));
  return [start, Math.max(start, end)];
}
