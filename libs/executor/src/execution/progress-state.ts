import type { DynamicPrompt } from './dynamic-prompt.js';

export type NodeProgressState = 'running' | 'finished' | 'error';

export interface NodeProgress {
  value: number;
  max: number;
  state: NodeProgressState;
  node_id: string;
  prompt_id: string;
  display_node_id: string;
  parent_node_id: string | null;
  real_node_id: string;
}

/**
 * The per-prompt progress of every node that started (ComfyUI's progress registry). Clients get
 * the whole map in each `progress_state` message (the frontend replaces its copy), so sending it
 * on every change would be quadratic in the number of nodes. Changes are therefore sent at once
 * when the last message is older than `interval` ms, else coalesced into one message at the end
 * of that interval; `flush()` sends what is pending (before the prompt's final messages).
 */
export class ProgressStateReporter {
  private readonly nodes = new Map<string, NodeProgress>();
  private lastSent = 0;
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;

  constructor(
    private readonly promptId: string,
    private readonly prompt: DynamicPrompt,
    private readonly send: (data: { prompt_id: string; nodes: Record<string, NodeProgress> }) => void,
    private readonly interval = 100,
  ) {}

  start(id: string): void {
    this.set(id, 0, 1, 'running');
  }

  update(id: string, value: number, max: number): void {
    this.set(id, value, max, 'running');
  }

  finish(id: string): void {
    const current = this.nodes.get(id);
    const max = current?.max ?? 1;
    this.set(id, max, max, 'finished');
  }

  error(id: string): void {
    const current = this.nodes.get(id);
    this.set(id, current?.value ?? 0, current?.max ?? 1, 'error');
  }

  /** Sends pending changes now and stops the timer. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.dirty) this.sendNow();
  }

  private set(id: string, value: number, max: number, state: NodeProgressState): void {
    this.nodes.set(id, {
      value,
      max,
      state,
      node_id: id,
      prompt_id: this.promptId,
      display_node_id: this.prompt.displayId(id),
      parent_node_id: this.prompt.parentId(id),
      real_node_id: this.prompt.realNodeId(id),
    });
    this.dirty = true;
    const now = Date.now();
    if (now - this.lastSent >= this.interval && this.timer === null) {
      this.sendNow();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.dirty) this.sendNow();
      }, this.interval);
      this.timer.unref();
    }
  }

  private sendNow(): void {
    this.dirty = false;
    this.lastSent = Date.now();
    this.send({ prompt_id: this.promptId, nodes: Object.fromEntries(this.nodes) });
  }
}
