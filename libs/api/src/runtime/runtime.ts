import type { ComboContext, DependencyContainer, TensorBackend } from '@easel/core';
import type { HistoryStore, NodeRegistry, PromptExecutor, PromptQueue, PromptWorker } from '@easel/executor';
import type { ClientHub } from '../events/client-hub.js';
import type { ConsoleLogger } from '../logging/console-logger.js';
import type { ProcessOutputLog } from '../logging/process-output-log.js';
import type { ServerConfig } from '../config/server-config.js';
import type { PackLoadReport } from '../packs/pack-loader.js';
import type { ModelFolderRegistry } from '../models/model-folder-registry.js';

/** What the server prepared before Nest starts: settings, loaded packs, the pack services container. */
export interface EaselRuntime {
  readonly config: ServerConfig;
  readonly registry: NodeRegistry;
  readonly packs: PackLoadReport;
  /** The tsyringe container packs resolve their services from. */
  readonly services: DependencyContainer;
  readonly logger: ConsoleLogger;
  /** The tensor backend chosen at start-up. */
  readonly backend: TensorBackend;
  readonly queue: PromptQueue;
  readonly history: HistoryStore;
  readonly executor: PromptExecutor;
  readonly worker: PromptWorker;
  /** The connected WebSocket clients; the worker's event sink. */
  readonly hub: ClientHub;
  /** What the process printed recently (`/internal/logs`). */
  readonly outputLog: ProcessOutputLog;
  /** The model folders (`folder_paths`), also the packs' `ModelPaths`. */
  readonly models: ModelFolderRegistry;
}

// Nest injection tokens for the parts of the runtime that are not classes
export const PACK_REPORT = Symbol.for('easel.api.PackLoadReport');
export const PACK_SERVICES = Symbol.for('easel.api.PackServices');
export const LOGGER = Symbol.for('easel.api.Logger');
export const BACKEND = Symbol.for('easel.api.TensorBackend');
export const PROMPT_QUEUE = Symbol.for('easel.api.PromptQueue');
export const HISTORY_STORE = Symbol.for('easel.api.HistoryStore');

/** Lets computed combo lists resolve the services packs are given. */
export function comboContextOf(services: DependencyContainer): ComboContext {
  return { resolve: (token) => services.resolve(token) };
}
