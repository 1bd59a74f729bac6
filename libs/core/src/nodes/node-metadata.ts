import type { ComboChoices, ComboValue, HiddenKind } from './io-types.js';
import type { NodeClass } from './node-class.js';

/** What `@Node` records about a class. */
export interface NodeOptions {
  /** ComfyUI's `class_type`: the key in `/object_info` and in API-format prompts. */
  classType: string;
  displayName?: string;
  /** Slash-separated menu path; ComfyUI's default is `sd`. */
  category?: string;
  description?: string;
  outputs?: readonly OutputDeclaration[];
  /** Marks a node whose results are the prompt's goal (ComfyUI's `OUTPUT_NODE`). */
  outputNode?: boolean;
  /** The node receives whole lists instead of being called per item (`INPUT_IS_LIST`). */
  inputIsList?: boolean;
  /** The node id becomes part of the cache key (`NOT_IDEMPOTENT`). */
  notIdempotent?: boolean;
  /** Cached UI output is re-sent after a successful run (`HAS_INTERMEDIATE_OUTPUT`). */
  hasIntermediateOutput?: boolean;
  /**
   * With a static `validateInputs`: the inputs it receives (ComfyUI: the parameters of
   * `VALIDATE_INPUTS`), or `all` (ComfyUI's `**kwargs`). Default `all`.
   */
  validatedInputs?: readonly string[] | 'all';
  /** With a static `validateInputs`: it also receives the linked inputs' types, and link type checks are skipped. */
  validateInputTypes?: boolean;
  /**
   * ComfyUI's async nodes (an `async def` execute): the scheduler starts the node before other
   * ready nodes, and while its promise is pending, other nodes run. Without it, a node whose
   * `execute` returns a promise (any node that awaits tensor work) is awaited before the next
   * node starts, as ComfyUI runs its ordinary nodes.
   */
  concurrent?: boolean;
  deprecated?: boolean;
  experimental?: boolean;
  devOnly?: boolean;
  apiNode?: boolean;
  searchAliases?: readonly string[];
  essentialsCategory?: string;
  /**
   * The `python_module` clients see. The frontend shows nodes whose module is `nodes` or
   * `comfy_extras.*` as core nodes and `custom_nodes.<name>` as belonging to pack `<name>`.
   * Default: `custom_nodes.<package name>`.
   */
  pythonModule?: string;
  /**
   * Which of ComfyUI's two definition shapes `/object_info` uses for this node: `v1` (classic
   * nodes: unset keys pruned) or `v3` (schema nodes: every key present, `null` where unset).
   */
  schema?: 'v1' | 'v3';
}

/** An output slot: a type string, or the full declaration. */
export type OutputDeclaration =
  | string
  | {
      /** A socket type, or (legacy) the list of values of a COMBO output. */
      type: string | readonly ComboValue[];
      name?: string;
      /** The slot holds a list whose items downstream nodes receive one by one (`OUTPUT_IS_LIST`). */
      isList?: boolean;
      tooltip?: string;
      /** V3 "match type" template id. */
      matchType?: string;
    };

export type InputSection = 'required' | 'optional' | 'hidden';

/** What an input decorator records about one property. */
export type InputRecord =
  | {
      readonly kind: 'value';
      readonly property: string;
      readonly type: string;
      readonly options: Readonly<Record<string, unknown>>;
      /** The author wrote an options object: it is shown even when empty. */
      readonly explicitOptions?: boolean;
    }
  | {
      readonly kind: 'combo';
      readonly property: string;
      readonly choices: ComboChoices;
      readonly options: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'hidden'; readonly property: string; readonly hidden: HiddenKind };

const NODE_KEY = Symbol.for('easel.node');
const INPUTS_KEY = Symbol.for('easel.node.inputs');

// Metadata lives on the class itself under global symbols (not in a module-level map), so two
// copies of @easel/core in one process still read each other's declarations.
type Annotated = Record<symbol, unknown>;

export function recordNodeOptions(target: object, options: NodeOptions): void {
  Object.defineProperty(target, NODE_KEY, { value: options, configurable: true });
}

export function recordInput(target: object, record: InputRecord): void {
  const own = Object.prototype.hasOwnProperty.call(target, INPUTS_KEY)
    ? ((target as Annotated)[INPUTS_KEY] as InputRecord[])
    : [];
  Object.defineProperty(target, INPUTS_KEY, { value: [...own, record], configurable: true });
}

/** The `@Node` options of exactly this class (not inherited), or undefined. */
export function readNodeOptions(target: object): NodeOptions | undefined {
  return Object.prototype.hasOwnProperty.call(target, NODE_KEY)
    ? ((target as Annotated)[NODE_KEY] as NodeOptions)
    : undefined;
}

/** Input records of a class and its ancestors, ancestors' first, in declaration order. */
export function readInputRecords(target: object): InputRecord[] {
  const chain: object[] = [];
  for (
    let c: object | null = target;
    c && c !== Function.prototype;
    c = Object.getPrototypeOf(c) as object | null
  ) {
    chain.unshift(c);
  }
  const records: InputRecord[] = [];
  for (const c of chain) {
    if (Object.prototype.hasOwnProperty.call(c, INPUTS_KEY)) {
      for (const record of (c as Annotated)[INPUTS_KEY] as InputRecord[]) {
        // a subclass redeclaring an input replaces it in place
        const at = records.findIndex((r) => r.property === record.property);
        if (at >= 0) records[at] = record;
        else records.push(record);
      }
    }
  }
  return records;
}

export function isNodeClass(value: unknown): value is NodeClass {
  return typeof value === 'function' && readNodeOptions(value) !== undefined;
}
