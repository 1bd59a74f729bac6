import type { Logger } from '../services/logger.js';
import type { TensorBackend } from '../tensor/tensor-backend.js';
import type { ComboContext } from './io-types.js';

/**
 * The inputs of a node class: its data properties (the ones its input decorators annotate).
 * Write `execute(inputs: NodeInputs<MyNode>, context: NodeContext)`. Keep injected services
 * `private` so they stay out of this type.
 */
export type NodeInputs<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: T[K];
};

/** Reports a node's progress; the server turns it into `progress` WebSocket messages. */
export interface ProgressReporter {
  /** `value` out of `max` (for example the current step of a sampler). */
  update(value: number, max: number): void;
}

/** What a node receives besides its inputs while it runs. */
export interface NodeContext {
  /** The node's id in the prompt (ComfyUI's `UNIQUE_ID`). */
  readonly nodeId: string;
  readonly promptId: string;
  /** Aborted when the prompt is interrupted; long work should check it or pass it on. */
  readonly signal: AbortSignal;
  readonly progress: ProgressReporter;
  readonly logger: Logger;
  /** The tensor backend the server was started with. */
  readonly backend: TensorBackend;
}

/** A node's UI output: each key holds a list (`images`, `text`, ...). */
export type NodeUiOutput = Record<string, readonly unknown[]>;

/** The long form of a node's return value. */
export interface NodeResult {
  /** One value per output slot. */
  readonly result?: readonly unknown[];
  /** Shown by the frontend and stored in history (`executed.output`). */
  readonly ui?: NodeUiOutput;
}

/** A node returns its output values as an array (one per slot), or a `NodeResult`. */
export type NodeReturn = readonly unknown[] | NodeResult;

/** The instance side of a node class. */
export interface NodeInstance {
  execute(inputs: Record<string, unknown>, context: NodeContext): NodeReturn | Promise<NodeReturn>;
}

/** A class decorated with `@Node`. Constructor parameters are injected by the server's container. */
export type NodeClass = abstract new (...args: never[]) => object;

/**
 * Optional static hooks of a node class.
 *
 * `validateInputs` is ComfyUI's `VALIDATE_INPUTS`: called when a prompt is validated, with the
 * node's constant inputs, before anything runs. It answers `true`, or a message that fails the
 * prompt with `custom_validation_failed`.
 */
export interface NodeClassHooks {
  validateInputs?(
    inputs: Record<string, unknown>,
    services: ComboContext,
  ): true | string | Promise<true | string>;
}
