import { compareQueueItems, withoutSecrets, type PromptQueue, type QueueItem } from './prompt-queue.js';

/** The queue in memory: what ComfyUI has; lost when the process stops. */
export class MemoryPromptQueue implements PromptQueue {
  private readonly items: QueueItem[] = [];
  private readonly active = new Map<string, QueueItem>();
  private wake: (() => void) | null = null;

  put(item: QueueItem): Promise<void> {
    this.items.push(item);
    this.items.sort(compareQueueItems);
    this.notify();
    return Promise.resolve();
  }

  async take(signal: AbortSignal): Promise<QueueItem | null> {
    while (!signal.aborted) {
      const next = this.items.shift();
      if (next) {
        this.active.set(next.promptId, next);
        return next;
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
    this.active.delete(promptId);
    return Promise.resolve();
  }

  pending(): Promise<QueueItem[]> {
    return Promise.resolve(this.items.map(withoutSecrets));
  }

  running(): Promise<QueueItem[]> {
    return Promise.resolve([...this.active.values()].map(withoutSecrets));
  }

  delete(promptIds: readonly string[]): Promise<number> {
    let removed = 0;
    for (const id of promptIds) {
      const index = this.items.findIndex((i) => i.promptId === id);
      if (index >= 0) {
        this.items.splice(index, 1);
        removed += 1;
      }
    }
    return Promise.resolve(removed);
  }

  clear(): Promise<void> {
    this.items.length = 0;
    return Promise.resolve();
  }

  remaining(): Promise<number> {
    return Promise.resolve(this.items.length + this.active.size);
  }

  maxNumber(): Promise<number | null> {
    const numbers = this.items.map((i) => i.number);
    return Promise.resolve(numbers.length === 0 ? null : numbers.reduce((a, b) => Math.max(a, b)));
  }

  takeInterrupted(): Promise<QueueItem[]> {
    return Promise.resolve([]);
  }

  close(): Promise<void> {
    this.notify();
    return Promise.resolve();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
