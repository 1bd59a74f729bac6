import Database from 'better-sqlite3';
import { compareQueueItems, type PromptQueue, type QueueItem } from './prompt-queue.js';
import { MAX_HISTORY_SIZE, historyWindow, type HistoryEntry, type HistoryStore } from './history-store.js';

/**
 * The queue and history in one SQLite file (better-sqlite3), so both survive a restart: pending
 * prompts run after it, and a prompt that was running when the process died goes to history as
 * failed. The default store of a single server.
 */
export class SqliteStore {
  readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS queue_items (
        prompt_id TEXT PRIMARY KEY,
        number REAL NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        item TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS queue_items_order ON queue_items (state, number, prompt_id);
      CREATE TABLE IF NOT EXISTS history (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        prompt_id TEXT NOT NULL UNIQUE,
        entry TEXT NOT NULL
      );
    `);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

interface ItemRow {
  prompt_id: string;
  number: number;
  item: string;
}

function toItem(row: ItemRow): QueueItem {
  const stored = JSON.parse(row.item) as Omit<QueueItem, 'number' | 'promptId'>;
  return { number: row.number, promptId: row.prompt_id, ...stored };
}

export class SqlitePromptQueue implements PromptQueue {
  private wake: (() => void) | null = null;
  /** Secrets stay in memory only: a restart drops them. */
  private readonly sensitive = new Map<string, Record<string, unknown>>();
  // prepared once: a statement per call would leave native garbage behind every prompt
  private readonly statements;

  constructor(private readonly store: SqliteStore) {
    const db = store.db;
    this.statements = {
      put: db.prepare(
        'INSERT OR REPLACE INTO queue_items (prompt_id, number, state, item) VALUES (?, ?, ?, ?)',
      ),
      next: db.prepare(
        "SELECT prompt_id, number, item FROM queue_items WHERE state = 'pending' ORDER BY number, prompt_id LIMIT 1",
      ),
      markRunning: db.prepare("UPDATE queue_items SET state = 'running' WHERE prompt_id = ?"),
      finish: db.prepare("DELETE FROM queue_items WHERE prompt_id = ? AND state = 'running'"),
      deletePending: db.prepare("DELETE FROM queue_items WHERE prompt_id = ? AND state = 'pending'"),
      clearPending: db.prepare("DELETE FROM queue_items WHERE state = 'pending'"),
      count: db.prepare('SELECT COUNT(*) AS n FROM queue_items'),
      maxNumber: db.prepare('SELECT MAX(number) AS n FROM queue_items'),
      clearRunning: db.prepare("DELETE FROM queue_items WHERE state = 'running'"),
      rows: db.prepare(
        'SELECT prompt_id, number, item FROM queue_items WHERE state = ? ORDER BY number, prompt_id',
      ),
    };
  }

  put(item: QueueItem): Promise<void> {
    const { prompt, extraData, outputs } = item;
    this.statements.put.run(
      item.promptId,
      item.number,
      'pending',
      JSON.stringify({ prompt, extraData, outputs }),
    );
    if (item.sensitive) this.sensitive.set(item.promptId, item.sensitive);
    const wake = this.wake;
    this.wake = null;
    wake?.();
    return Promise.resolve();
  }

  async take(signal: AbortSignal): Promise<QueueItem | null> {
    const next = this.store.db.transaction((): QueueItem | null => {
      const row = this.statements.next.get() as ItemRow | undefined;
      if (!row) return null;
      this.statements.markRunning.run(row.prompt_id);
      return toItem(row);
    });
    while (!signal.aborted) {
      const item = next();
      if (item) {
        const secret = this.sensitive.get(item.promptId);
        this.sensitive.delete(item.promptId);
        return secret ? { ...item, sensitive: secret } : item;
      }
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        // the listener goes when the wait ends: a long-lived signal must not collect them
        this.wake = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
    return null;
  }

  finish(promptId: string): Promise<void> {
    this.statements.finish.run(promptId);
    return Promise.resolve();
  }

  pending(): Promise<QueueItem[]> {
    return Promise.resolve(this.rows('pending'));
  }

  running(): Promise<QueueItem[]> {
    return Promise.resolve(this.rows('running'));
  }

  delete(promptIds: readonly string[]): Promise<number> {
    const remove = this.statements.deletePending;
    const removed = this.store.db.transaction(() =>
      promptIds.reduce((n, id) => n + remove.run(id).changes, 0),
    )();
    for (const id of promptIds) this.sensitive.delete(id);
    return Promise.resolve(removed);
  }

  clear(): Promise<void> {
    this.statements.clearPending.run();
    this.sensitive.clear();
    return Promise.resolve();
  }

  remaining(): Promise<number> {
    const row = this.statements.count.get() as { n: number };
    return Promise.resolve(row.n);
  }

  maxNumber(): Promise<number | null> {
    const row = this.statements.maxNumber.get() as { n: number | null };
    return Promise.resolve(row.n);
  }

  takeInterrupted(): Promise<QueueItem[]> {
    const items = this.rows('running');
    this.statements.clearRunning.run();
    return Promise.resolve(items);
  }

  close(): Promise<void> {
    const wake = this.wake;
    this.wake = null;
    wake?.();
    return Promise.resolve();
  }

  private rows(state: 'pending' | 'running'): QueueItem[] {
    const rows = this.statements.rows.all(state) as ItemRow[];
    return rows.map(toItem).sort(compareQueueItems);
  }
}

export class SqliteHistoryStore implements HistoryStore {
  private readonly statements;

  constructor(
    private readonly store: SqliteStore,
    private readonly maxSize = MAX_HISTORY_SIZE,
  ) {
    const db = store.db;
    this.statements = {
      exists: db.prepare('SELECT 1 FROM history WHERE prompt_id = ?'),
      count: db.prepare('SELECT COUNT(*) AS n FROM history'),
      evictOldest: db.prepare('DELETE FROM history WHERE seq = (SELECT MIN(seq) FROM history)'),
      upsert: db.prepare(
        'INSERT INTO history (prompt_id, entry) VALUES (?, ?) ON CONFLICT (prompt_id) DO UPDATE SET entry = excluded.entry',
      ),
      get: db.prepare('SELECT entry FROM history WHERE prompt_id = ?'),
      window: db.prepare('SELECT prompt_id, entry FROM history ORDER BY seq LIMIT ? OFFSET ?'),
      delete: db.prepare('DELETE FROM history WHERE prompt_id = ?'),
      clear: db.prepare('DELETE FROM history'),
    };
  }

  put(promptId: string, entry: HistoryEntry): Promise<void> {
    const { statements } = this;
    this.store.db.transaction(() => {
      if (!statements.exists.get(promptId)) {
        const { n } = statements.count.get() as { n: number };
        if (n > this.maxSize) statements.evictOldest.run();
      }
      statements.upsert.run(promptId, JSON.stringify(entry));
    })();
    return Promise.resolve();
  }

  get(promptId: string): Promise<HistoryEntry | undefined> {
    const row = this.statements.get.get(promptId) as { entry: string } | undefined;
    return Promise.resolve(row ? (JSON.parse(row.entry) as HistoryEntry) : undefined);
  }

  async list(maxItems?: number, offset?: number): Promise<[string, HistoryEntry][]> {
    const [start, end] = historyWindow(await this.size(), maxItems, offset);
    const rows = this.statements.window.all(end - start, start) as { prompt_id: string; entry: string }[];
    return rows.map((r) => [r.prompt_id, JSON.parse(r.entry) as HistoryEntry]);
  }

  delete(promptIds: readonly string[]): Promise<void> {
    const remove = this.statements.delete;
    this.store.db.transaction(() => promptIds.forEach((id) => remove.run(id)))();
    return Promise.resolve();
  }

  clear(): Promise<void> {
    this.statements.clear.run();
    return Promise.resolve();
  }

  size(): Promise<number> {
    const row = this.statements.count.get() as { n: number };
    return Promise.resolve(row.n);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
