import type { Logger } from '../services/logger.js';
import type { TensorBackend } from '../tensor/tensor-backend.js';
import type { ComboContext } from './io-types.js';
import type { ExecutionBlocker, Expansion } from './graph-builder.js';

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
  /**
   * `value` out of `max` (for example the current step of a sampler), with an optional preview
   * image for the frontend. Throws when the prompt was interrupted.
   */
  update(value: number, max: number, preview?: PreviewImage): void;
  /** A line of status text shown on the node (ComfyUI's progress text). */
  text(text: string): void;
}

/** An encoded preview image sent to the frontend while a node runs. */
export interface PreviewImage {
  readonly format: 'JPEG' | 'PNG';
  readonly data: Uint8Array;
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
  /** One value per output slot (with `expand`: values or links into the expansion). */
  readonly result?: readonly unknown[];
  /** Shown by the frontend and stored in history (`executed.output`). */
  readonly ui?: NodeUiOutput;
  /** A subgraph to run in this node's place (build it with `GraphBuilder`). */
  readonly expand?: Expansion;
}

/**
 * A node returns its output values as an array (one per slot), a `NodeResult`, or an
 * `ExecutionBlocker` that blocks every output.
 */
export type NodeReturn = readonly unknown[] | NodeResult | ExecutionBlocker;

/** The instance side of a node class. */
export interface NodeInstance {
  execute(inputs: Record<string, unknown>, context: NodeContext): NodeReturn | Promise<NodeReturn>;
  /**
   * For nodes with lazy inputs (ComfyUI's `check_lazy_status`): called before `execute` with the
   * inputs evaluated so far (unevaluated lazy ones are `null`); returns the names of the lazy
   * inputs it needs. Called again after they are evaluated, until it asks for nothing new.
   */
  checkLazyStatus?(
    inputs: Record<string, unknown>,
    context: NodeContext,
  ): readonly string[] | Promise<readonly string[]>;
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
  /**
   * Inputs it receives: the ones named in `@Node({ validatedInputs })` (default: all), constants
   * as coerced, links as `null`; plus `inputTypes` (linked input -> received type) when
   * `@Node({ validateInputTypes: true })`. Named inputs skip the default min/max/list checks;
   * with `validateInputTypes`, link type checks are skipped too. Anything but `true` fails.
   */
  validateInputs?(
    inputs: Record<string, unknown>,
    services: ComboContext,
    inputTypes?: Record<string, string>,
  ): unknown;
  /**
   * ComfyUI's `IS_CHANGED`: called once per prompt with the constant inputs (links are `null`).
   * The node re-runs whenever the value differs from the last run; `NaN` means "always re-run".
   */
  fingerprintInputs?(inputs: Record<string, unknown>, services: ComboContext): unknown;
}
