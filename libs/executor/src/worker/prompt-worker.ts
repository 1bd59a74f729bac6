import type { Logger } from '@easel/core';
import { previewImageFrame, previewWithMetadataFrame, progressTextFrame } from '../events/binary-frames.js';
import type { EventSink } from '../events/event-sink.js';
import type { ExecutionEvents, PromptExecutor } from '../execution/prompt-executor.js';
import { copyJson } from '../prompt/prompt.js';
import type { HistoryEntry, HistoryStore } from '../queue/history-store.js';
import { toQueueTuple, type PromptQueue, type QueueItem } from '../queue/prompt-queue.js';

export interface PromptWorkerOptions {
  queue: PromptQueue;
  history: HistoryStore;
  executor: PromptExecutor;
  events: EventSink;
  logger: Logger;
  /** Called between prompts when `/free` asked for it. */
  freeMemory?: (unloadModels: boolean, resetCaches: boolean) => Promise<void>;
}

/**
 * Takes prompts off the queue one at a time, runs them, writes history, and sends the queue and
 * end-of-prompt messages (ComfyUI's prompt worker).
 */
export class PromptWorker {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | null = null;
  private current: {
    promptId: string;
    controller: AbortController;
    clientId: string | null;
    displayNode: string | null;
  } | null = null;
  private readonly holds = new Map<string, Promise<void>>();
  private freeRequest: { unloadModels: boolean; resetCaches: boolean } | null = null;

  constructor(private readonly options: PromptWorkerOptions) {}

  /** Records prompts that were running when the process stopped as failed, then starts taking prompts. */
  async start(): Promise<void> {
    for (const item of await this.options.queue.takeInterrupted()) {
      await this.options.history.put(item.promptId, interruptedByRestart(item));
      this.options.logger.warn(
        `Prompt ${item.promptId} was running when the server stopped; recorded as failed`,
      );
    }
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.current?.controller.abort(new Error('The server is stopping'));
    await this.loop;
  }

  get runningPromptId(): string | null {
    return this.current?.promptId ?? null;
  }

  /** The running prompt's client and the node it is executing (for clients that reconnect). */
  get runningNode(): { clientId: string | null; displayNode: string | null } | null {
    return this.current ? { clientId: this.current.clientId, displayNode: this.current.displayNode } : null;
  }

  /**
   * Keeps the worker from sending messages of a prompt until `release` is called: the answer to
   * `POST /prompt` must reach the client first. `release` broadcasts the queue status (the prompt
   * was queued), then lets the prompt's messages go.
   */
  hold(promptId: string): () => void {
    let resolve = () => {};
    const held = new Promise<void>((done) => (resolve = done));
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      const done = () => {
        this.holds.delete(promptId);
        resolve();
      };
      this.broadcastStatus().then(done, done);
    };
    // a client that never reads its answer must not stall the queue
    const timer = setTimeout(release, 5000);
    timer.unref();
    this.holds.set(promptId, held);
    return release;
  }

  /** Interrupts the running prompt (only if it is `promptId`, when given); answers whether one was. */
  interrupt(promptId?: string): boolean {
    if (!this.current || (promptId !== undefined && this.current.promptId !== promptId)) return false;
    this.current.controller.abort(new Error('Interrupted'));
    return true;
  }

  /** `/free`: unload models and/or drop caches after the current prompt (or now, when idle). */
  requestFree(unloadModels: boolean, resetCaches: boolean): void {
    this.freeRequest = {
      unloadModels: unloadModels || (this.freeRequest?.unloadModels ?? false),
      resetCaches: resetCaches || (this.freeRequest?.resetCaches ?? false),
    };
    if (!this.current) void this.applyFree();
  }

  async broadcastStatus(): Promise<void> {
    const remaining = await this.options.queue.remaining();
    this.options.events.broadcast('status', { status: { exec_info: { queue_remaining: remaining } } });
  }

  private async run(): Promise<void> {
    const { queue } = this.options;
    while (!this.stopping.signal.aborted) {
      const item = await queue.take(this.stopping.signal);
      if (!item) break;
      try {
        await this.execute(item);
      } catch (error) {
        // the worker must survive anything a prompt does
        this.options.logger.error(`Prompt ${item.promptId} failed outside its nodes:`, error);
        await this.options.history.put(
          item.promptId,
          failedEntry(item, error instanceof Error ? error.message : String(error)),
        );
        await queue.finish(item.promptId);
      } finally {
        this.current = null;
      }
      await this.applyFree();
    }
  }

  private async execute(item: QueueItem): Promise<void> {
    const { queue, history, executor, events } = this.options;
    const held = this.holds.get(item.promptId);
    if (held) {
      await held;
      this.holds.delete(item.promptId);
    }
    const controller = new AbortController();
    const clientId = typeof item.extraData.client_id === 'string' ? item.extraData.client_id : null;
    const current = { promptId: item.promptId, controller, clientId, displayNode: null as string | null };
    this.current = current;
    await this.broadcastStatus();

    const recorded = toQueueTuple({
      ...item,
      prompt: copyJson(item.prompt),
      extraData: copyJson(item.extraData),
    });
    const hasClient = 'client_id' in item.extraData;
    const executionEvents: ExecutionEvents = {
      toClient: (type, data) => {
        if (type === 'executing') current.displayNode = (data.display_node as string | undefined) ?? null;
        if (clientId !== null) events.toClient(clientId, type, data);
      },
      toClientOrAll: (type, data) => {
        if (!hasClient) events.broadcast(type, data);
        else if (clientId !== null) events.toClient(clientId, type, data);
      },
      previewWithMetadata: (image, metadata) => {
        if (clientId === null || events.clientFeature(clientId, 'supports_preview_metadata') !== true)
          return false;
        events.binaryToClient(clientId, previewWithMetadataFrame(metadata, image.data));
        return true;
      },
      preview: (image) => {
        const frame = previewImageFrame(image.format, image.data);
        if (!hasClient) events.binaryBroadcast(frame);
        else if (clientId !== null) events.binaryToClient(clientId, frame);
      },
      progressText: (nodeId, text) => events.binaryBroadcast(progressTextFrame(nodeId, text)),
    };
    const result = await executor.execute({
      prompt: copyJson(item.prompt),
      promptId: item.promptId,
      extraData: { ...item.extraData, ...item.sensitive },
      outputs: item.outputs,
      events: executionEvents,
      signal: controller.signal,
    });
    const entry: HistoryEntry = {
      prompt: recorded,
      outputs: result.outputs,
      status: {
        status_str: result.success ? 'success' : 'error',
        completed: result.success,
        messages: result.messages,
      },
      meta: result.meta,
    };
    await history.put(item.promptId, entry);
    await queue.finish(item.promptId);
    this.current = null;
    await this.broadcastStatus();
    executionEvents.toClient('executing', { node: null, prompt_id: item.promptId });
  }

  private async applyFree(): Promise<void> {
    const request = this.freeRequest;
    if (!request) return;
    this.freeRequest = null;
    if (request.resetCaches) this.options.executor.reset();
    await this.options.freeMemory?.(request.unloadModels || request.resetCaches, request.resetCaches);
  }
}

function failedEntry(item: QueueItem, message: string): HistoryEntry {
  const timestamp = Date.now();
  return {
    prompt: toQueueTuple(item),
    outputs: {},
    status: {
      status_str: 'error',
      completed: false,
      messages: [
        ['execution_start', { prompt_id: item.promptId, timestamp }],
        [
          'execution_error',
          {
            prompt_id: item.promptId,
            node_id: null,
            node_type: null,
            executed: [],
            exception_message: `${message}\n`,
            exception_type: 'Exception',
            traceback: [],
            current_inputs: [],
            current_outputs: [],
            timestamp,
          },
        ],
      ],
    },
    meta: {},
  };
}

/** The history entry of a prompt that was running when the process stopped. */
export function interruptedByRestart(item: QueueItem): HistoryEntry {
  return failedEntry(item, 'The server stopped while this prompt was running; it did not finish');
}
