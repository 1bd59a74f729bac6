import { isLink } from '@easel/core';
import type { DynamicPrompt } from './dynamic-prompt.js';
import type { NodeRegistry } from '../registry/node-registry.js';
import type { CacheEntry } from '../caching/output-cache.js';

/** A dependency cycle found while scheduling: the nodes that can never become ready. */
export class DependencyCycleError extends Error {
  override name = 'graph.DependencyCycleError';
  constructor(readonly blamedNode: string) {
    super('Dependency cycle detected');
  }
}

/**
 * ComfyUI's `ExecutionList`: which nodes are still needed, which are ready, and the values
 * flowing between them during one run. Nodes are added from the outputs backwards; a node is
 * ready when every producer it strongly depends on has completed. Keeps a ready set so that
 * staging stays cheap on long graphs.
 */
export class ExecutionList {
  private readonly pending = new Map<string, number>(); // id -> insertion sequence
  private readonly blockCount = new Map<string, number>();
  private readonly blocking = new Map<string, Map<string, Set<number>>>();
  private readonly ready = new Set<string>();
  private sequence = 0;
  private externalBlocks = 0;
  private externalRelease: (() => void) | null = null;
  /** Values produced in this run: consumer -> producer -> cache entry. */
  private readonly values = new Map<string, Map<string, CacheEntry>>();
  private readonly listeners = new Map<string, Set<string>>();

  constructor(
    private readonly prompt: DynamicPrompt,
    private readonly registry: NodeRegistry,
    /** The persistent cache entry of a node, if it has one now. */
    private readonly cached: (id: string) => CacheEntry | undefined,
  ) {}

  isEmpty(): boolean {
    return this.pending.size === 0;
  }

  isPending(id: string): boolean {
    return this.pending.has(id);
  }

  /** Adds a node and (through non-lazy links, or all links with `includeLazy`) what it needs. */
  addNode(id: string, includeLazy = false, subgraph: ReadonlySet<string> | null = null): void {
    const links: [string, number, string][] = [];
    const stack = [id];
    while (stack.length > 0) {
      const current = stack.pop() as string;
      if (this.pending.has(current)) continue;
      this.pending.set(current, this.sequence++);
      this.blockCount.set(current, 0);
      this.ready.add(current);
      if (this.cached(current) !== undefined) continue;
      const node = this.prompt.get(current);
      if (!node) continue;
      const schema = this.registry.get(node.class_type)?.schema;
      for (const [name, value] of Object.entries(node.inputs)) {
        if (!isLink(value)) continue;
        const [source, slot] = value;
        if (subgraph !== null && !subgraph.has(source)) continue;
        const declared = schema?.inputs.find((i) => i.name === name);
        const lazy = declared !== undefined && declared.kind !== 'hidden' && declared.options.lazy === true;
        if (includeLazy || !lazy) {
          if (this.cached(source) === undefined) stack.push(source);
          links.push([source, slot, current]);
        }
      }
    }
    for (const [from, slot, to] of links) this.addStrongLink(from, slot, to);
  }

  /** `to` needs output `slot` of `from`: `to` waits for `from` unless `from` is cached. */
  addStrongLink(from: string, slot: number, to: string): void {
    if (this.cached(from) === undefined) {
      this.addNode(from);
      let targets = this.blocking.get(from);
      if (!targets) {
        targets = new Map();
        this.blocking.set(from, targets);
      }
      let sockets = targets.get(to);
      if (!sockets) {
        sockets = new Set();
        targets.set(to, sockets);
        this.changeBlocks(to, +1);
      }
      sockets.add(slot);
    }
    this.listen(from, to);
  }

  /** `to` receives `from`'s value when it is produced (and now, if it exists). */
  listen(from: string, to: string): void {
    let set = this.listeners.get(from);
    if (!set) {
      set = new Set();
      this.listeners.set(from, set);
    }
    set.add(to);
    const value = this.cached(from);
    if (value !== undefined) this.tableOf(to).set(from, value);
  }

  /** A node produced its value: every listener can read it. */
  publish(id: string, value: CacheEntry): void {
    for (const listener of this.listeners.get(id) ?? []) this.tableOf(listener).set(id, value);
  }

  /** The value of `from` as `to` sees it in this run. */
  valueFor(to: string, from: string): CacheEntry | undefined {
    return this.values.get(to)?.get(from);
  }

  /** Removes a finished node and unblocks what it blocked. */
  complete(id: string): void {
    this.pending.delete(id);
    this.ready.delete(id);
    this.blockCount.delete(id);
    for (const to of this.blocking.get(id)?.keys() ?? []) this.changeBlocks(to, -1);
    this.blocking.delete(id);
    this.values.delete(id);
  }

  /** Keeps a node from being ready until `release` is called (an async node still working). */
  addExternalBlock(id: string): () => void {
    this.externalBlocks += 1;
    this.changeBlocks(id, +1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.externalBlocks -= 1;
      this.changeBlocks(id, -1);
      const wake = this.externalRelease;
      this.externalRelease = null;
      wake?.();
    };
  }

  /**
   * The next node to run, preferring (like ComfyUI) output and async nodes, then nodes that feed
   * an output, then nodes two steps from one. Waits while only async nodes are working; throws a
   * `DependencyCycleError` when nothing can ever become ready.
   */
  async stage(): Promise<string> {
    for (;;) {
      if (this.ready.size > 0) return this.pick();
      if (this.externalBlocks > 0) {
        await new Promise<void>((resolve) => (this.externalRelease = resolve));
        continue;
      }
      throw new DependencyCycleError(this.blameForCycle());
    }
  }

  private pick(): string {
    const available = [...this.ready].sort((a, b) => (this.pending.get(a) ?? 0) - (this.pending.get(b) ?? 0));
    const isOutput = (id: string) => this.schemaOf(id)?.outputNode === true;
    const isAsync = (id: string) => this.schemaOf(id)?.hooks.concurrent === true;
    const blocked = (id: string) => [...(this.blocking.get(id)?.keys() ?? [])];
    return (
      available.find((id) => isOutput(id) || isAsync(id)) ??
      available.find((id) => blocked(id).some(isOutput)) ??
      available.find((id) => blocked(id).some((b) => blocked(b).some(isOutput))) ??
      available[0]
    );
  }

  private schemaOf(id: string) {
    const node = this.prompt.get(id);
    return node ? this.registry.get(node.class_type)?.schema : undefined;
  }

  private changeBlocks(id: string, delta: number): void {
    const count = (this.blockCount.get(id) ?? 0) + delta;
    this.blockCount.set(id, count);
    if (count === 0 && this.pending.has(id)) this.ready.add(id);
    else this.ready.delete(id);
  }

  private tableOf(consumer: string): Map<string, CacheEntry> {
    let table = this.values.get(consumer);
    if (!table) {
      table = new Map();
      this.values.set(consumer, table);
    }
    return table;
  }

  /** ComfyUI blames the first stuck node shown under another id (an expansion's parent), else the first. */
  private blameForCycle(): string {
    const remaining = new Set(this.pending.keys());
    let changed = true;
    while (changed) {
      changed = false;
      for (const id of remaining) {
        const blockers = [...remaining].some((other) => this.blocking.get(other)?.has(id));
        if (!blockers) {
          remaining.delete(id);
          changed = true;
        }
      }
    }
    const stuck = [...remaining];
    const shown = stuck.find((id) => this.prompt.displayId(id) !== id);
    return shown !== undefined ? this.prompt.displayId(shown) : (stuck[0] ?? '');
  }
}
