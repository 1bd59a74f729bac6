import {
  ExecutionBlocker,
  isExecutionBlocker,
  isLink,
  runInNodeCall,
  type ComboContext,
  type Expansion,
  type Logger,
  type NodeClassHooks,
  type NodeContext,
  type NodeInstance,
  type NodeSchema,
  type PreviewImage,
  type TensorBackend,
} from '@easel/core';
import { CacheKeys } from '../caching/cache-key.js';
import type { CacheEntry, NodeUiRecord, OutputCache } from '../caching/output-cache.js';
import { isPlainObject, jsonRecord, type ApiPrompt, type PromptNode } from '../prompt/prompt.js';
import { plainValue } from '../prompt/python-values.js';
import type { NodeRegistry, RegisteredNode } from '../registry/node-registry.js';
import { DynamicPrompt } from './dynamic-prompt.js';
import { DependencyCycleError, ExecutionList } from './execution-list.js';
import { ProgressStateReporter } from './progress-state.js';

/** Where the executor's messages go; targeting follows ComfyUI (see `PromptRun.clientId`). */
export interface ExecutionEvents {
  /** Lifecycle messages: to the prompt's client; not sent at all when it has none. */
  toClient(type: string, data: Record<string, unknown>): void;
  /** Progress, interruptions, blocked nodes: to the prompt's client, or to everyone when it has none. */
  toClientOrAll(type: string, data: Record<string, unknown>): void;
  /** A type-4 preview, when the prompt's client asked for them; answers whether it was sent. */
  previewWithMetadata(image: PreviewImage, metadata: Record<string, unknown>): boolean;
  /** A type-1 preview: to the prompt's client, or to everyone when it has none. */
  preview(image: PreviewImage): void;
  /** Progress text: to everyone, as ComfyUI does. */
  progressText(nodeId: string, text: string): void;
}

export interface PromptRun {
  prompt: ApiPrompt;
  promptId: string;
  extraData: Record<string, unknown>;
  /** The output nodes to run (validated). */
  outputs: readonly string[];
  events: ExecutionEvents;
  /** Aborted to interrupt the run. */
  signal: AbortSignal;
}

/** A status message as history stores it: `[event, data]`. */
export type StatusMessage = [string, Record<string, unknown>];

export interface ExecutionResult {
  success: boolean;
  interrupted: boolean;
  /** UI outputs by node id (history `outputs`). */
  outputs: Record<string, Record<string, unknown[]>>;
  meta: Record<string, NodeUiRecord['meta']>;
  messages: StatusMessage[];
}

export interface PromptExecutorOptions {
  registry: NodeRegistry;
  cache: OutputCache;
  /** Services for nodes: resolves node classes (dependency injection) and combo/validation hooks. */
  services: ComboContext & { construct<T>(nodeClass: abstract new (...args: never[]) => T): T };
  backend: TensorBackend;
  logger: Logger;
  /** Reuse node instances between prompts (ComfyUI's objects cache); off with `--cache-none`. */
  reuseNodeInstances: boolean;
}

/** Thrown when the prompt is interrupted; ends the run with `execution_interrupted`. */
export class InterruptedError extends Error {
  override name = 'InterruptProcessingException';
  constructor() {
    super('Processing interrupted');
  }
}

interface NodeError {
  node_id: string;
  exception_message: string;
  exception_type: string;
  traceback: string[];
  current_inputs: Record<string, unknown[]> | [];
}

type NodeOutcome =
  | { status: 'success' }
  | { status: 'pending' }
  | { status: 'failure'; error: NodeError | null; interrupted: boolean };

/** Per call: the output row (or none), its UI, and an expansion. */
interface CallResult {
  row: unknown[] | null;
  ui: Record<string, unknown[]> | null;
  expand: Expansion | null;
}

interface PendingAsync {
  promises: Promise<unknown>[];
  settled: PromiseSettledResult<unknown>[] | null;
}

/**
 * Runs validated prompts the way ComfyUI does: only what the outputs need, cached results reused,
 * lazy inputs, list mapping, node expansion, execution blockers, async nodes overlapping, and
 * ComfyUI's messages in ComfyUI's order. One instance serves every prompt (it owns the caches).
 */
export class PromptExecutor {
  private readonly instances = new Map<string, object>();

  constructor(private readonly options: PromptExecutorOptions) {}

  /** Drops every cached result and node instance (`POST /free` with `free_memory`). */
  reset(): void {
    this.options.cache.clear();
    this.instances.clear();
  }

  async execute(run: PromptRun): Promise<ExecutionResult> {
    return new PromptExecution(this.options, this.instances, run).execute();
  }
}

class PromptExecution {
  private readonly dynamic: DynamicPrompt;
  private readonly keys: CacheKeys;
  private readonly isChanged = new Map<string, unknown>();
  private readonly list: ExecutionList;
  private readonly progress: ProgressStateReporter;
  private readonly messages: StatusMessage[] = [];
  private readonly uiOutputs = new Map<string, NodeUiRecord>();
  private readonly executed: string[] = [];
  private readonly pendingAsync = new Map<string, PendingAsync>();
  private readonly pendingExpansions = new Map<string, { calls: CallResult[]; schema: NodeSchema }>();
  /** Cache keys of the prompt's own nodes (an expansion's children are owned by their real node's key). */
  private readonly promptKeys = new Map<string, string | null>();

  constructor(
    private readonly options: PromptExecutorOptions,
    private readonly instances: Map<string, object>,
    private readonly run: PromptRun,
  ) {
    this.dynamic = new DynamicPrompt(run.prompt);
    this.keys = new CacheKeys(this.dynamic, options.registry, (id) => this.isChanged.get(id) ?? false);
    this.list = new ExecutionList(this.dynamic, options.registry, (id) => this.cached(id));
    this.progress = new ProgressStateReporter(run.promptId, this.dynamic, (data) =>
      run.events.toClientOrAll('progress_state', data),
    );
  }

  async execute(): Promise<ExecutionResult> {
    const { run } = this;
    this.addMessage('execution_start', { prompt_id: run.promptId });

    await this.computeIsChanged(Object.keys(run.prompt));
    const used = new Set<string>();
    for (const id of Object.keys(run.prompt)) {
      const key = this.keys.key(id);
      this.promptKeys.set(id, key);
      if (key !== null) used.add(key);
    }
    this.options.cache.beginPrompt(used);
    this.cleanInstances();
    const cachedNodes = Object.keys(run.prompt).filter((id) => this.cached(id) !== undefined);
    this.addMessage('execution_cached', { nodes: cachedNodes, prompt_id: run.promptId });

    for (const output of run.outputs) this.list.addNode(output);

    let success = true;
    let interrupted = false;
    // ComfyUI sends execution_success only when its loop ends without a break
    let finished = true;
    while (!this.list.isEmpty()) {
      let id: string;
      try {
        id = await this.list.stage();
      } catch (caught) {
        if (!(caught instanceof DependencyCycleError)) throw caught;
        // ComfyUI reports the cycle but leaves the success flag as it was
        this.reportFailure(caught.blamedNode, {
          node_id: caught.blamedNode,
          exception_message: 'Dependency cycle detected',
          exception_type: 'graph.DependencyCycleError',
          traceback: [],
          current_inputs: [],
        });
        finished = false;
        break;
      }
      const outcome = await this.executeNode(id);
      if (outcome.status === 'failure') {
        success = false;
        interrupted = outcome.interrupted;
        if (outcome.interrupted) {
          const nodeId = outcome.error?.node_id ?? id;
          this.addMessage(
            'execution_interrupted',
            {
              prompt_id: run.promptId,
              node_id: nodeId,
              node_type: this.classOf(nodeId),
              executed: [...this.executed],
            },
            true,
          );
        } else if (outcome.error) {
          this.reportFailure(id, outcome.error);
        }
        break;
      }
      if (outcome.status === 'success') this.list.complete(id);
      this.options.cache.afterNode();
    }

    if (success && finished) {
      for (const id of this.dynamic.allIds()) {
        const schema = this.schemaOf(id);
        if (schema?.hasIntermediateOutput && !this.executed.includes(id) && this.cached(id))
          this.sendCachedUi(id);
      }
    }
    this.progress.flush();
    if (success && finished) this.addMessage('execution_success', { prompt_id: run.promptId });
    return {
      success,
      interrupted,
      outputs: jsonRecord([...this.uiOutputs].map(([id, ui]) => [id, ui.output])),
      meta: jsonRecord([...this.uiOutputs].map(([id, ui]) => [id, ui.meta])),
      messages: this.messages,
    };
  }

  // ---- one node

  private async executeNode(id: string): Promise<NodeOutcome> {
    const node = this.dynamic.get(id) as PromptNode;
    const registered = this.options.registry.get(node.class_type);
    let inputs: { values: Record<string, unknown[]>; missing: Set<string> } | null = null;
    try {
      if (!registered) throw new Error(`Node type ${node.class_type} does not exist`);
      const cachedEntry = this.cached(id);
      if (cachedEntry) {
        this.sendCachedUi(id);
        this.progress.finish(id);
        this.list.publish(id, cachedEntry);
        return { status: 'success' };
      }
      const { schema } = registered;
      let calls: CallResult[];
      const waiting = this.pendingAsync.get(id);
      const expanded = this.pendingExpansions.get(id);
      if (waiting) {
        this.pendingAsync.delete(id);
        const settled = waiting.settled ?? [];
        const failed = settled.find((s) => s.status === 'rejected');
        if (failed) throw failed.reason;
        calls = settled.map((s) => normalizeResult((s as PromiseFulfilledResult<unknown>).value, schema));
      } else if (expanded) {
        this.pendingExpansions.delete(id);
        return this.finishNode(id, schema, this.resolveExpansion(id, expanded.calls), null);
      } else {
        this.progress.start(id);
        inputs = this.assembleInputs(id, node, schema);
        this.run.events.toClient('executing', {
          node: id,
          display_node: this.dynamic.displayId(id),
          prompt_id: this.run.promptId,
        });
        const instance = this.instanceOf(id, registered) as NodeInstance;
        if (schema.hooks.checkLazyStatus) {
          const requested = await this.lazyRequests(id, schema, instance, inputs.values, inputs.missing);
          if (requested.length > 0) {
            for (const name of requested) {
              const link = node.inputs[name];
              if (!(name in node.inputs)) {
                throw new Error(
                  `Node ${id} says it needs input ${name}, but there is no input to that node at all`,
                );
              }
              if (!isLink(link))
                throw new Error(`Node ${id} says it needs input ${name}, but that value is a constant`);
              this.list.addStrongLink(link[0], link[1], id);
            }
            return { status: 'pending' };
          }
        }
        const started = await this.callNode(id, schema, instance, inputs.values);
        if ('pending' in started) {
          const release = this.list.addExternalBlock(id);
          const record: PendingAsync = { promises: started.pending, settled: null };
          this.pendingAsync.set(id, record);
          void Promise.allSettled(started.pending).then((settled) => {
            record.settled = settled;
            release();
          });
          return { status: 'pending' };
        }
        calls = started.calls;
      }
      return this.finishCalls(id, schema, calls);
    } catch (caught) {
      this.progress.error(id);
      return this.failure(id, caught, inputs?.values ?? null);
    }
  }

  /** UI, then expansion or completion, for a node's fresh (or async-resumed) results. */
  private finishCalls(id: string, schema: NodeSchema, calls: CallResult[]): NodeOutcome {
    const ui = mergeUi(calls);
    let record: NodeUiRecord | null = null;
    if (ui !== null && Object.keys(ui).length > 0) {
      record = {
        meta: {
          node_id: id,
          display_node: this.dynamic.displayId(id),
          parent_node: this.dynamic.parentId(id),
          real_node_id: this.dynamic.realNodeId(id),
        },
        output: ui,
      };
      this.uiOutputs.set(id, record);
      this.run.events.toClient('executed', {
        node: id,
        display_node: this.dynamic.displayId(id),
        output: ui,
        prompt_id: this.run.promptId,
      });
    }
    if (calls.some((c) => c.expand !== null)) {
      this.expand(id, calls);
      this.pendingExpansions.set(id, { calls, schema });
      return { status: 'pending' };
    }
    return this.finishNode(id, schema, mergeOutputs(calls, schema), record);
  }

  private finishNode(
    id: string,
    _schema: NodeSchema,
    outputs: unknown[][],
    ui: NodeUiRecord | null,
  ): NodeOutcome {
    const entry: CacheEntry = { ui: ui ?? this.uiOutputs.get(id) ?? null, outputs };
    const key = this.keys.key(id);
    if (key !== null) {
      const owner = this.dynamic.isEphemeral(id)
        ? (this.promptKeys.get(this.dynamic.realNodeId(id)) ?? null)
        : null;
      this.options.cache.set(key, entry, owner);
    }
    this.list.publish(id, entry);
    this.progress.finish(id);
    this.executed.push(id);
    return { status: 'success' };
  }

  /** ComfyUI's input assembly: link values from producers, declared constants, hidden values. */
  private assembleInputs(
    id: string,
    node: PromptNode,
    schema: NodeSchema,
  ): { values: Record<string, unknown[]>; missing: Set<string> } {
    const values = new Map<string, unknown[]>();
    const missing = new Set<string>();
    const declared = new Map(schema.inputs.map((i) => [i.name, i]));
    for (const [name, value] of Object.entries(node.inputs)) {
      const input = declared.get(name);
      if (isLink(value)) {
        if (input && input.kind !== 'hidden' && input.options.rawLink === true) {
          values.set(name, [value]);
          continue;
        }
        const entry = this.list.valueFor(id, value[0]);
        const slot = entry?.outputs[value[1]];
        if (slot === undefined) {
          values.set(name, [null]);
          missing.add(name);
        } else {
          values.set(name, [...slot]);
        }
      } else if (input) {
        values.set(name, [plainValue(value)]);
      }
    }
    for (const input of schema.inputs) {
      if (input.kind !== 'hidden') continue;
      const hidden: Record<string, unknown> = {
        PROMPT: this.run.prompt,
        DYNPROMPT: this.dynamic,
        EXTRA_PNGINFO: this.run.extraData.extra_pnginfo ?? null,
        UNIQUE_ID: id,
        AUTH_TOKEN_COMFY_ORG: this.run.extraData.auth_token_comfy_org ?? null,
        API_KEY_COMFY_ORG: this.run.extraData.api_key_comfy_org ?? null,
        COMFY_USAGE_SOURCE: this.run.extraData.comfy_usage_source ?? null,
      };
      values.set(input.name, [hidden[input.hidden]]);
    }
    return { values: jsonRecord(values), missing };
  }

  /** ComfyUI's `check_lazy_status` loop: the lazy inputs still to evaluate that the node asks for. */
  private async lazyRequests(
    id: string,
    schema: NodeSchema,
    instance: NodeInstance,
    values: Record<string, unknown[]>,
    missing: Set<string>,
  ): Promise<string[]> {
    const check = instance.checkLazyStatus?.bind(instance);
    if (!check) return [];
    const results = await this.mapOverList(id, schema, values, (args) => check(args, this.context(id)), true);
    const requested = new Set<string>();
    for (const result of results) {
      if (!Array.isArray(result)) continue;
      for (const name of result) {
        if (typeof name === 'string' && (!(name in values) || missing.has(name))) requested.add(name);
      }
    }
    return [...requested];
  }

  /** Calls the node (per list item), returning results, or the promises of async calls still running. */
  private async callNode(
    id: string,
    schema: NodeSchema,
    instance: NodeInstance,
    values: Record<string, unknown[]>,
  ): Promise<{ calls: CallResult[] } | { pending: Promise<unknown>[] }> {
    const execute = instance.execute.bind(instance);
    const started: unknown[] = [];
    await this.mapOverList(
      id,
      schema,
      values,
      async (args, index) => {
        const value = runInNodeCall(id, index, () => execute(args, this.context(id)));
        // an ordinary node's calls run one after another (a SaveImage call sees the files the
        // previous one wrote); a concurrent node's calls all start, then run together
        started.push(!schema.hooks.concurrent && value instanceof Promise ? await value : value);
      },
      false,
      (blocked) => started.push(blocked),
    );
    const promises = started.filter((v): v is Promise<unknown> => v instanceof Promise);
    if (promises.length === 0) return { calls: started.map((v) => normalizeResult(v, schema)) };
    // async calls get one turn of the event loop; those still running make the node wait
    const done = new Map<Promise<unknown>, PromiseSettledResult<unknown>>();
    for (const p of promises) {
      p.then(
        (value) => done.set(p, { status: 'fulfilled', value }),
        (reason: unknown) => done.set(p, { status: 'rejected', reason }),
      );
    }
    await new Promise((resolve) => setImmediate(resolve));
    if (promises.every((p) => done.has(p))) {
      const calls: CallResult[] = [];
      for (const value of started) {
        const settled =
          value instanceof Promise
            ? (done.get(value) as PromiseSettledResult<unknown>)
            : ({ status: 'fulfilled', value } as const);
        if (settled.status === 'rejected') throw settled.reason;
        calls.push(normalizeResult(settled.value, schema));
      }
      return { calls };
    }
    return { pending: started.map((v) => (v instanceof Promise ? v : Promise.resolve(v))) };
  }

  /**
   * ComfyUI's list mapping: a node is called once per item of its longest input list (shorter
   * lists repeat their last item), or once with whole lists (`INPUT_IS_LIST`). A call with an
   * `ExecutionBlocker` among its inputs is not made; its result is the blocker.
   */
  private async mapOverList(
    id: string,
    schema: NodeSchema,
    values: Record<string, unknown[]>,
    call: (args: Record<string, unknown>, index: number) => unknown,
    lazyCheck: boolean,
    onBlocked?: (blocker: ExecutionBlocker) => void,
  ): Promise<unknown[]> {
    const names = Object.keys(values);
    const results: unknown[] = [];
    const invoke = async (
      args: Record<string, unknown>,
      index: number,
      blockerIn: () => ExecutionBlocker | null,
    ) => {
      const blocker = blockerIn();
      if (blocker) {
        if (lazyCheck) return;
        this.reportBlocker(id, blocker);
        const silent = new ExecutionBlocker(null);
        results.push(silent);
        onBlocked?.(silent);
        return;
      }
      if (this.run.signal.aborted) throw new InterruptedError();
      results.push(await call(args, index));
    };
    if (schema.inputIsList) {
      const args = jsonRecord(names.map((n) => [n, values[n]] as const));
      await invoke(args, 0, () => firstBlocker(names.flatMap((n) => values[n])));
      return results;
    }
    const count = Math.max(0, ...names.map((n) => values[n].length));
    if (count === 0) {
      await invoke({}, 0, () => null);
      return results;
    }
    for (let i = 0; i < count; i++) {
      const args = jsonRecord(
        names.map((n) => {
          const list = values[n];
          return [n, list.length === 0 ? undefined : list[Math.min(i, list.length - 1)]] as const;
        }),
      );
      await invoke(args, i, () => firstBlocker(Object.values(args)));
    }
    return results;
  }

  private reportBlocker(id: string, blocker: ExecutionBlocker): void {
    if (blocker.message === null) return;
    // sent directly, not recorded in history; broadcast when the prompt has no client
    this.run.events.toClientOrAll('execution_error', {
      prompt_id: this.run.promptId,
      node_id: id,
      node_type: this.dynamic.get(id)?.class_type,
      executed: [...this.executed],
      exception_message: `Execution Blocked: ${blocker.message}`,
      exception_type: 'ExecutionBlocked',
      traceback: [],
      current_inputs: [],
      current_outputs: [],
    });
  }

  /** Adds an expansion's nodes to the run; the expanding node waits for the links in its results. */
  private expand(id: string, calls: CallResult[]): void {
    const displayId = this.dynamic.displayId(id);
    const created: string[] = [];
    for (const call of calls) {
      if (!call.expand) continue;
      for (const [childId, child] of Object.entries(call.expand)) {
        if (!this.options.registry.get(child.class_type))
          throw new Error(`Node type ${child.class_type} does not exist (expanded by node ${id})`);
        const node: PromptNode = { class_type: child.class_type, inputs: { ...child.inputs } };
        this.dynamic.addEphemeral(childId, node, id, child.override_display_id ?? displayId);
        created.push(childId);
      }
    }
    for (const childId of created) {
      if (this.schemaOf(childId)?.outputNode) {
        this.list.addNode(childId);
        this.list.listen(childId, id);
      }
    }
    for (const call of calls) {
      for (const value of call.row ?? []) if (isLink(value)) this.list.addStrongLink(value[0], value[1], id);
    }
  }

  /** The expanding node's outputs: literal values, and the linked children's values (each element appended). */
  private resolveExpansion(id: string, calls: CallResult[]): unknown[][] {
    const schema = this.schemaOf(id) as NodeSchema;
    const rows: CallResult[] = calls.map((call) => {
      if (call.row === null) return call;
      const row = call.row.map((value) => {
        if (!isLink(value)) return value;
        const entry = this.list.valueFor(id, value[0]);
        return { __expanded: entry?.outputs[value[1]] ?? [] };
      });
      return { ...call, row };
    });
    return mergeOutputs(rows, schema, true);
  }

  // ---- caches, IS_CHANGED, instances

  private cached(id: string): CacheEntry | undefined {
    const key = this.keys.key(id);
    return key === null ? undefined : this.options.cache.get(key);
  }

  private async computeIsChanged(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      if (this.isChanged.has(id)) continue;
      const node = this.dynamic.get(id);
      if (!node) continue;
      if ('is_changed' in node) {
        this.isChanged.set(id, node.is_changed);
        continue;
      }
      const registered = this.options.registry.get(node.class_type);
      if (!registered?.schema.hooks.fingerprintInputs) continue;
      let value: unknown;
      try {
        const constants: Record<string, unknown[]> = {};
        for (const [name, v] of Object.entries(node.inputs))
          constants[name] = [isLink(v) ? null : plainValue(v)];
        const hook = (registered.nodeClass as unknown as Required<NodeClassHooks>).fingerprintInputs;
        const results = await this.mapOverList(
          id,
          registered.schema,
          jsonRecord(Object.entries(constants)),
          (args) => hook.call(registered.nodeClass, args, this.options.services),
          true,
        );
        value = results.map((r) => (isExecutionBlocker(r) ? null : r));
      } catch (caught) {
        this.options.logger.warn(
          `IS_CHANGED of node ${id} (${node.class_type}) failed; it will always re-run:`,
          caught,
        );
        value = NaN;
      }
      node.is_changed = value;
      this.isChanged.set(id, value);
    }
  }

  private instanceOf(id: string, registered: RegisteredNode): object {
    const key = `${id}\u0000${registered.classType}`;
    if (this.options.reuseNodeInstances) {
      const existing = this.instances.get(key);
      if (existing) return existing;
    }
    const instance = this.options.services.construct(registered.nodeClass);
    if (this.options.reuseNodeInstances && !this.dynamic.isEphemeral(id)) this.instances.set(key, instance);
    return instance;
  }

  /** Node instances are kept only for nodes of the current prompt (ComfyUI's objects cache). */
  private cleanInstances(): void {
    for (const key of this.instances.keys()) {
      const [id, classType] = key.split('\u0000');
      if (this.dynamic.get(id)?.class_type !== classType) this.instances.delete(key);
    }
  }

  private context(id: string): NodeContext {
    const { run } = this;
    return {
      nodeId: id,
      promptId: run.promptId,
      signal: run.signal,
      backend: this.options.backend,
      logger: this.options.logger,
      progress: {
        update: (value: number, max: number, preview?: PreviewImage) => {
          if (run.signal.aborted) throw new InterruptedError();
          this.progress.update(id, value, max);
          // ComfyUI's order: metadata previews before `progress`, legacy ones after it
          const sentWithMetadata =
            preview !== undefined &&
            run.events.previewWithMetadata(preview, {
              node_id: id,
              prompt_id: run.promptId,
              display_node_id: this.dynamic.displayId(id),
              parent_node_id: this.dynamic.parentId(id),
              real_node_id: this.dynamic.realNodeId(id),
              image_type: preview.format === 'PNG' ? 'image/png' : 'image/jpeg',
            });
          run.events.toClientOrAll('progress', { value, max, prompt_id: run.promptId, node: id });
          if (preview !== undefined && !sentWithMetadata) run.events.preview(preview);
        },
        text: (text: string) => run.events.progressText(id, text),
      },
    };
  }

  // ---- messages

  private sendCachedUi(id: string): void {
    const entry = this.cached(id);
    if (!entry) return;
    if (entry.ui) this.uiOutputs.set(id, entry.ui);
    this.run.events.toClient('executed', {
      node: id,
      display_node: this.dynamic.displayId(id),
      output: entry.ui?.output ?? null,
      prompt_id: this.run.promptId,
    });
  }

  private addMessage(event: string, data: Record<string, unknown>, broadcast = false): void {
    const stamped = { ...data, timestamp: Date.now() };
    this.messages.push([event, stamped]);
    if (broadcast) this.run.events.toClientOrAll(event, stamped);
    else this.run.events.toClient(event, stamped);
  }

  private reportFailure(id: string, error: NodeError): void {
    this.addMessage('execution_error', {
      prompt_id: this.run.promptId,
      node_id: error.node_id,
      node_type: this.classOf(error.node_id) ?? this.classOf(id),
      executed: [...this.executed],
      exception_message: error.exception_message,
      exception_type: error.exception_type,
      traceback: error.traceback,
      current_inputs: error.current_inputs,
      current_outputs: Object.keys(this.run.prompt).filter((n) => this.promptKeys.get(n) !== null),
    });
  }

  private failure(id: string, caught: unknown, inputs: Record<string, unknown[]> | null): NodeOutcome {
    const realId = this.dynamic.realNodeId(id);
    if (
      caught instanceof InterruptedError ||
      (this.run.signal.aborted && caught === this.run.signal.reason)
    ) {
      return {
        status: 'failure',
        error: {
          node_id: realId,
          exception_message: '',
          exception_type: '',
          traceback: [],
          current_inputs: [],
        },
        interrupted: true,
      };
    }
    const error = caught instanceof Error ? caught : new Error(String(caught));
    this.options.logger.error(`Node ${id} (${this.dynamic.get(id)?.class_type}) failed:`, error);
    return {
      status: 'failure',
      interrupted: false,
      error: {
        node_id: realId,
        // ComfyUI appends tips after a newline, so the message always ends with one
        exception_message: `${error.message}\n`,
        exception_type: error.name === 'Error' ? 'Exception' : error.name,
        traceback: (error.stack ?? '')
          .split('\n')
          .slice(1)
          .map((line) => `${line.trim()}\n`),
        current_inputs: inputs === null ? [] : formatInputs(inputs),
      },
    };
  }

  private classOf(id: string): string | undefined {
    return this.dynamic.get(id)?.class_type;
  }

  private schemaOf(id: string): NodeSchema | undefined {
    const node = this.dynamic.get(id);
    return node ? this.options.registry.get(node.class_type)?.schema : undefined;
  }
}

function firstBlocker(values: readonly unknown[]): ExecutionBlocker | null {
  for (const v of values) if (isExecutionBlocker(v)) return v;
  return null;
}

/** A node's return value as ComfyUI reads it. */
function normalizeResult(value: unknown, schema: NodeSchema): CallResult {
  if (isExecutionBlocker(value)) return { row: schema.outputs.map(() => value), ui: null, expand: null };
  if (Array.isArray(value)) return { row: [...(value as unknown[])], ui: null, expand: null };
  if (isPlainObject(value) && ('result' in value || 'ui' in value || 'expand' in value)) {
    const result = value.result;
    const expand = isPlainObject(value.expand) ? (value.expand as unknown as Expansion) : null;
    if (expand && result === undefined) throw new Error('A node that expands must also return "result"');
    return {
      row: Array.isArray(result) ? [...(result as unknown[])] : null,
      ui: isPlainObject(value.ui) ? (value.ui as Record<string, unknown[]>) : null,
      expand,
    };
  }
  if (value === undefined || value === null) return { row: null, ui: null, expand: null };
  throw new Error(`A node must return an array of outputs or { result, ui, expand }, not ${typeof value}`);
}

/**
 * ComfyUI's `merge_result_data`: per output slot, one value per call, or the call's lists joined
 * for `isList` outputs. `expanded` rows hold `{__expanded: values}` for linked children, whose
 * values are each appended.
 */
function mergeOutputs(calls: CallResult[], schema: NodeSchema, expanded = false): unknown[][] {
  const rows = calls.map((c) => c.row).filter((r): r is unknown[] => r !== null);
  if (rows.length === 0) return [];
  const width = rows[0].length;
  const flags =
    schema.outputs.length > 0 ? schema.outputs.map((o) => o.isList) : Array<boolean>(width).fill(false);
  const slots = Math.min(width, flags.length);
  const out: unknown[][] = [];
  for (let s = 0; s < slots; s++) {
    const values: unknown[] = [];
    for (const row of rows) {
      const value = row[s];
      const items =
        expanded && isPlainObject(value) && '__expanded' in value ? (value.__expanded as unknown[]) : null;
      if (items !== null) values.push(...items);
      else if (flags[s] && Array.isArray(value)) values.push(...(value as unknown[]));
      else values.push(value);
    }
    out.push(values);
  }
  return out;
}

/** UI lists of all calls, key by key (keys from the first call that has UI). */
function mergeUi(calls: CallResult[]): Record<string, unknown[]> | null {
  const uis = calls.map((c) => c.ui).filter((u): u is Record<string, unknown[]> => u !== null);
  if (uis.length === 0) return null;
  const merged = new Map<string, unknown[]>();
  for (const key of Object.keys(uis[0]))
    merged.set(
      key,
      uis.flatMap((u) => (Array.isArray(u[key]) ? u[key] : u[key] === undefined ? [] : [u[key]])),
    );
  return jsonRecord(merged);
}

/** `current_inputs` of an error: plain values as they are, anything else as text. */
function formatInputs(inputs: Record<string, unknown[]>): Record<string, unknown[]> {
  const format = (v: unknown) =>
    v === null || ['string', 'number', 'boolean'].includes(typeof v) ? v : describeValue(v);
  return jsonRecord(Object.entries(inputs).map(([name, list]) => [name, list.map(format)] as const));
}

function describeValue(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'shape' in value && 'dtype' in value) {
    const t = value as { shape: number[]; dtype: string };
    return `Tensor(shape=[${t.shape.join(', ')}], dtype=${t.dtype})`;
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
