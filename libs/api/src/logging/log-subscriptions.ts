import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { ClientHub } from '../events/client-hub.js';
import { ProcessOutputLog, terminalSize, type LogEntry, type TerminalSize } from './process-output-log.js';

/**
 * ComfyUI's terminal service: WebSocket sessions that asked for the log
 * (`PATCH /internal/logs/subscribe`) get each burst of output as a `logs` message. A session that
 * went away is dropped at the next burst.
 */
@Injectable()
export class LogSubscriptions implements OnModuleDestroy {
  private readonly subscribers = new Set<string>();
  private size: TerminalSize | null = null;
  private readonly stop: () => void;

  constructor(
    private readonly log: ProcessOutputLog,
    private readonly hub: ClientHub,
  ) {
    this.stop = log.onEntries((entries) => this.send(entries));
  }

  subscribe(clientId: string): void {
    this.subscribers.add(clientId);
  }

  unsubscribe(clientId: string): void {
    this.subscribers.delete(clientId);
  }

  isSubscribed(clientId: string): boolean {
    return this.subscribers.has(clientId);
  }

  /** The terminal size now, and whether it changed since it was last reported (ComfyUI's `update_size`). */
  updateSize(): { size: TerminalSize; changed: boolean } {
    const size = terminalSize();
    const changed = this.size === null || this.size.cols !== size.cols || this.size.rows !== size.rows;
    this.size = size;
    return { size, changed };
  }

  onModuleDestroy(): void {
    this.stop();
  }

  private send(entries: readonly LogEntry[]): void {
    if (this.subscribers.size === 0) return;
    const { size, changed } = this.updateSize();
    for (const clientId of [...this.subscribers]) {
      if (!this.hub.has(clientId)) {
        this.subscribers.delete(clientId);
        continue;
      }
      this.hub.toClient(clientId, 'logs', { entries, size: changed ? size : null });
    }
  }
}
