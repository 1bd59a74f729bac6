import { AsyncLocalStorage } from 'node:async_hooks';

/** A link to output `slot` of node `id`: how prompts (and expansions) wire nodes together. */
export type Link = [string, number];

/** True for a run-time link: exactly `[string, number]` (ComfyUI's `is_link`). */
export function isLink(value: unknown): value is Link {
  return (
    Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'number'
  );
}

/** One node of an expansion: what a node returns as `expand` to run a subgraph in its place. */
export interface ExpansionNode {
  class_type: string;
  inputs: Record<string, unknown>;
  /** The id the frontend shows progress on (default: the expanding node). */
  override_display_id?: string;
}
export type Expansion = Record<string, ExpansionNode>;

/** Which call of which node is running: gives expansions their deterministic id prefixes. */
export interface NodeCallContext {
  readonly nodeId: string;
  readonly callIndex: number;
  /** How many GraphBuilders this call has created so far. */
  graphIndex: number;
}

const callContext = new AsyncLocalStorage<NodeCallContext>();

/** For executors: runs `fn` as call `callIndex` of node `nodeId`, so GraphBuilders made in it get stable ids. */
export function runInNodeCall<T>(nodeId: string, callIndex: number, fn: () => T): T {
  return callContext.run({ nodeId, callIndex, graphIndex: 0 }, fn);
}

/** A node being added to a GraphBuilder. */
export class GraphNode {
  constructor(
    readonly id: string,
    readonly classType: string,
    readonly inputs: Record<string, unknown>,
    public overrideDisplayId?: string,
  ) {}

  /** A link to this node's output `slot`. */
  out(slot: number): Link {
    return [this.id, slot];
  }

  setInput(name: string, value: unknown): this {
    if (value === undefined) delete this.inputs[name];
    else this.inputs[name] = value;
    return this;
  }

  getInput(name: string): unknown {
    return this.inputs[name];
  }
}

/**
 * Builds the subgraph a node expands into (ComfyUI's `GraphBuilder`). Node ids get a prefix that
 * depends only on the expanding node, the call and the builder's position in that call
 * (`<node>.<call>.<n>.`), so a re-run produces the same ids and finds them in the cache.
 */
export class GraphBuilder {
  readonly prefix: string;
  private readonly nodes = new Map<string, GraphNode>();
  private nextId = 1;

  constructor(prefix?: string) {
    if (prefix !== undefined) {
      this.prefix = prefix;
    } else {
      const context = callContext.getStore();
      if (context) {
        this.prefix = `${context.nodeId}.${context.callIndex}.${context.graphIndex}.`;
        context.graphIndex += 1;
      } else {
        this.prefix = '';
      }
    }
  }

  /** Adds a node; `id` defaults to the next number. */
  node(classType: string, inputs: Record<string, unknown> = {}, id?: string): GraphNode {
    const localId = id ?? String(this.nextId++);
    const full = this.prefix + localId;
    const existing = this.nodes.get(full);
    if (existing) {
      if (existing.classType !== classType) throw new Error(`Node ${full} already exists with another class`);
      for (const [name, value] of Object.entries(inputs)) existing.setInput(name, value);
      return existing;
    }
    const node = new GraphNode(full, classType, { ...inputs });
    this.nodes.set(full, node);
    return node;
  }

  lookupNode(id: string): GraphNode | undefined {
    return this.nodes.get(this.prefix + id);
  }

  removeNode(id: string): void {
    this.nodes.delete(this.prefix + id);
  }

  /** The expansion to return as `{ result, expand }`. */
  finalize(): Expansion {
    // no prototype: a node id such as "__proto__" stays an ordinary key
    const out = Object.create(null) as Expansion;
    for (const [id, node] of this.nodes) {
      out[id] = {
        class_type: node.classType,
        inputs: { ...node.inputs },
        ...(node.overrideDisplayId !== undefined && { override_display_id: node.overrideDisplayId }),
      };
    }
    return out;
  }
}

/**
 * A value that stops the nodes depending on it from running (ComfyUI's `ExecutionBlocker`).
 * With a message, the executor reports it as an `execution_error` (the prompt goes on).
 */
export class ExecutionBlocker {
  constructor(readonly message: string | null = null) {}
}

export function isExecutionBlocker(value: unknown): value is ExecutionBlocker {
  // structural check: a pack with its own copy of @easel/core still blocks
  return (
    value instanceof ExecutionBlocker ||
    (typeof value === 'object' &&
      value !== null &&
      (value as { constructor?: { name?: string } }).constructor?.name === 'ExecutionBlocker')
  );
}
