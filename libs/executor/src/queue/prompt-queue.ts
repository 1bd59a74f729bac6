import type { ApiPrompt } from '../prompt/prompt.js';

/** A queued prompt: ComfyUI's queue tuple (`number, prompt_id, prompt, extra_data, outputs`). */
export interface QueueItem {
  /** Priority: smaller runs first; ties are broken by prompt id. */
  readonly number: number;
  readonly promptId: string;
  readonly prompt: ApiPrompt;
  readonly extraData: Record<string, unknown>;
  /** The validated output nodes to run. */
  readonly outputs: readonly string[];
  /** Secrets taken out of extra_data (API tokens): never listed, never stored on disk. */
  readonly sensitive?: Record<string, unknown>;
}

/** The 5-element array clients see in `/queue` and history. */
export type QueueTuple = [number, string, ApiPrompt, Record<string, unknown>, string[]];

export function toQueueTuple(item: QueueItem): QueueTuple {
  return [item.number, item.promptId, item.prompt, item.extraData, [...item.outputs]];
}

/** The item as listings show it: secrets left out. */
export function withoutSecrets(item: QueueItem): QueueItem {
  if (item.sensitive === undefined) return item;
  const { sensitive: _secrets, ...listed } = item;
  return listed;
}

/** Orders queue items as ComfyUI's heap does: by number, then prompt id. */
export function compareQueueItems(a: QueueItem, b: QueueItem): number {
  return a.number - b.number || (a.promptId < b.promptId ? -1 : a.promptId > b.promptId ? 1 : 0);
}

/**
 * Prompts waiting to run and the one running (port). Drivers: memory, sqlite (survives a
 * restart). `take` hands out the next item and marks it running until `finish`.
 */
export interface PromptQueue {
  put(item: QueueItem): Promise<void>;
  /** Waits for an item; resolves null when `signal` aborts. */
  take(signal: AbortSignal): Promise<QueueItem | null>;
  /** The running item is done (its history entry is written). */
  finish(promptId: string): Promise<void>;
  pending(): Promise<QueueItem[]>;
  running(): Promise<QueueItem[]>;
  /** Removes pending items by prompt id; answers how many were removed. */
  delete(promptIds: readonly string[]): Promise<number>;
  clear(): Promise<void>;
  /** Pending plus running (the `queue_remaining` clients see). */
  remaining(): Promise<number>;
  /** The largest number queued, to continue the priority counter after a restart. */
  maxNumber(): Promise<number | null>;
  /**
   * Items that were running when the process stopped (the sqlite driver finds them at start);
   * they are removed from the queue and handed back once.
   */
  takeInterrupted(): Promise<QueueItem[]>;
  close(): Promise<void>;
}
