import {
  ExecutionBlocker,
  GraphBuilder,
  Input,
  Node,
  type NodeClass,
  type NodeContext,
  type TensorBackend,
} from '@easel/core';
import { ClassicOutputCache } from '../caching/classic-output-cache.js';
import { LruOutputCache } from '../caching/lru-output-cache.js';
import { NoOutputCache } from '../caching/no-output-cache.js';
import type { OutputCache } from '../caching/output-cache.js';
import type { ApiPrompt } from '../prompt/prompt.js';
import { NodeRegistry } from '../registry/node-registry.js';
import { validatePrompt } from '../validation/validate-prompt.js';
import { PromptExecutor, type ExecutionResult } from './prompt-executor.js';

/** Every call of every node, in order: `<class>:<id>`. */
let calls: string[] = [];

@Node({ classType: 'Num', outputs: ['INT'] })
class Num {
  @Input.int({ default: 0, min: -100, max: 100 }) value!: number;
  execute({ value }: { value: number }) {
    calls.push('Num');
    return [value];
  }
}

@Node({ classType: 'Add', outputs: ['INT'] })
class Add {
  @Input('INT') a!: number;
  @Input('INT') b!: number;
  execute({ a, b }: { a: number; b: number }) {
    calls.push('Add');
    return [a + b];
  }
}

@Node({ classType: 'Show', outputs: [], outputNode: true })
class Show {
  @Input('*') value!: unknown;
  execute({ value }: { value: unknown }) {
    calls.push('Show');
    return { ui: { value: [value] } };
  }
}

@Node({ classType: 'Switch', outputs: ['INT'] })
class Switch {
  @Input.boolean() pick_a!: boolean;
  @Input('INT', { lazy: true }) a!: number | null;
  @Input('INT', { lazy: true }) b!: number | null;
  checkLazyStatus({ pick_a, a, b }: Record<string, unknown>) {
    if (pick_a) return a === null ? ['a'] : [];
    return b === null ? ['b'] : [];
  }
  execute({ pick_a, a, b }: Record<string, unknown>) {
    calls.push('Switch');
    return [pick_a ? a : b];
  }
}

@Node({ classType: 'Range', outputs: [{ type: 'INT', isList: true }] })
class Range {
  @Input.int({ default: 3, min: 0, max: 100 }) count!: number;
  execute({ count }: { count: number }) {
    calls.push('Range');
    return [Array.from({ length: count }, (_, i) => i)];
  }
}

@Node({ classType: 'Sum', outputs: ['INT'], inputIsList: true })
class Sum {
  @Input('INT') values!: number[];
  execute({ values }: { values: number[] }) {
    calls.push('Sum');
    return [values.reduce((s, v) => s + v, 0)];
  }
}

/** Expands into Add(a, Add(a, b)): 2a + b. */
@Node({ classType: 'Twice', outputs: ['INT'] })
class Twice {
  @Input('INT') a!: number;
  @Input('INT') b!: number;
  execute({ a, b }: { a: number; b: number }) {
    calls.push('Twice');
    const graph = new GraphBuilder();
    const inner = graph.node('Add', { a, b });
    const outer = graph.node('Add', { a, b: inner.out(0) });
    return { result: [outer.out(0)], expand: graph.finalize() };
  }
}

@Node({ classType: 'Block', outputs: ['INT'] })
class Block {
  @Input('INT') value!: number;
  @Input.boolean() block!: boolean;
  execute({ value, block }: { value: number; block: boolean }) {
    calls.push('Block');
    return [block ? new ExecutionBlocker('blocked on purpose') : value];
  }
}

@Node({ classType: 'Sleep', outputs: ['INT'], concurrent: true })
class Sleep {
  @Input('INT') value!: number;
  @Input.int({ default: 10, min: 0, max: 10000 }) ms!: number;
  async execute({ value, ms }: { value: number; ms: number }, context: NodeContext) {
    calls.push('Sleep:start');
    await new Promise((resolve) => setTimeout(resolve, ms));
    context.progress.update(1, 1);
    calls.push('Sleep:end');
    return [value];
  }
}

@Node({ classType: 'Fail', outputs: ['INT'] })
class Fail {
  @Input('INT') value!: number;
  execute(): never {
    calls.push('Fail');
    throw new Error('this node always fails');
  }
}

@Node({ classType: 'Changing', outputs: ['INT'] })
class Changing {
  static fingerprint = 0;
  @Input.int({ default: 0 }) value!: number;
  static fingerprintInputs(): unknown {
    return Changing.fingerprint;
  }
  execute({ value }: { value: number }) {
    calls.push('Changing');
    return [value];
  }
}

const NODES: NodeClass[] = [Num, Add, Show, Switch, Range, Sum, Twice, Block, Sleep, Fail, Changing];

const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

interface Harness {
  run(prompt: ApiPrompt, extra?: { signal?: AbortSignal }): Promise<Run>;
}

interface Run extends ExecutionResult {
  events: [string, Record<string, unknown>][];
  /** Node ids that sent `executing`. */
  executed: string[];
}

function harness(cache: OutputCache = new ClassicOutputCache()): Harness {
  const registry = new NodeRegistry();
  registry.registerPack('test', NODES);
  const services = {
    resolve: () => undefined as never,
    construct: <T>(nodeClass: abstract new (...args: never[]) => T): T =>
      new (nodeClass as unknown as new () => T)(),
  };
  const executor = new PromptExecutor({
    registry,
    cache,
    services,
    backend: {} as TensorBackend,
    logger: silent,
    reuseNodeInstances: true,
  });
  let n = 0;
  return {
    async run(source, extra = {}) {
      const prompt = structuredClone(source);
      const validated = await validatePrompt(prompt, registry, services);
      if (!validated.ok) throw new Error(`invalid prompt: ${JSON.stringify(validated)}`);
      const events: [string, Record<string, unknown>][] = [];
      const record = (type: string, data: Record<string, unknown>) => events.push([type, data]);
      calls = [];
      const result = await executor.execute({
        prompt,
        promptId: `p${++n}`,
        extraData: {},
        outputs: validated.outputs,
        events: {
          toClient: record,
          toClientOrAll: record,
          previewWithMetadata: () => false,
          preview: () => {},
          progressText: () => {},
        },
        signal: extra.signal ?? new AbortController().signal,
      });
      const executed = events
        .filter(([type, data]) => type === 'executing' && data.node !== null)
        .map(([, data]) => data.node as string);
      return { ...result, events, executed };
    },
  };
}

const value = (run: Run, id: string) => run.outputs[id]?.value?.[0];

describe('PromptExecutor', () => {
  it('runs what the outputs need and nothing else, and reports it in order', async () => {
    const h = harness();
    const run = await h.run({
      '1': { class_type: 'Num', inputs: { value: 2 } },
      '2': { class_type: 'Num', inputs: { value: 3 } },
      '3': { class_type: 'Add', inputs: { a: ['1', 0], b: ['2', 0] } },
      '4': { class_type: 'Show', inputs: { value: ['3', 0] } },
      '5': { class_type: 'Num', inputs: { value: 9 } },
    });
    expect(run.success).toBe(true);
    expect(value(run, '4')).toBe(5);
    expect(run.executed.sort()).toEqual(['1', '2', '3', '4']);
    const types = run.events.map(([type]) => type);
    expect(types[0]).toBe('execution_start');
    expect(types[1]).toBe('execution_cached');
    expect(types.at(-1)).toBe('execution_success');
    expect(run.messages.map(([type]) => type)).toEqual([
      'execution_start',
      'execution_cached',
      'execution_success',
    ]);
  });

  it('re-runs nothing for an identical prompt, and hits the cache under other node ids', async () => {
    const h = harness();
    const prompt: ApiPrompt = {
      '1': { class_type: 'Num', inputs: { value: 2 } },
      '2': { class_type: 'Add', inputs: { a: ['1', 0], b: ['1', 0] } },
      '3': { class_type: 'Show', inputs: { value: ['2', 0] } },
    };
    await h.run(prompt);
    const again = await h.run(prompt);
    expect(again.executed).toEqual([]);
    expect(again.events.find(([t]) => t === 'execution_cached')?.[1].nodes).toEqual(['1', '2', '3']);
    expect(value(again, '3')).toBe(4);

    const moved = await h.run({
      a: { class_type: 'Num', inputs: { value: 2 } },
      b: { class_type: 'Add', inputs: { a: ['a', 0], b: ['a', 0] } },
      c: { class_type: 'Show', inputs: { value: ['b', 0] } },
    });
    expect(moved.executed).toEqual([]);

    const changed = await h.run({ ...prompt, '1': { class_type: 'Num', inputs: { value: 5 } } });
    expect(changed.executed.sort()).toEqual(['1', '2', '3']);
    expect(value(changed, '3')).toBe(10);
  });

  it('re-runs a node whose fingerprint changed, and only then', async () => {
    const h = harness();
    const prompt: ApiPrompt = {
      '1': { class_type: 'Changing', inputs: { value: 1 } },
      '2': { class_type: 'Show', inputs: { value: ['1', 0] } },
    };
    Changing.fingerprint = 1;
    await h.run(prompt);
    expect((await h.run(prompt)).executed).toEqual([]);
    Changing.fingerprint = 2;
    expect((await h.run(prompt)).executed.sort()).toEqual(['1', '2']);
  });

  it('caches nothing with the none cache', async () => {
    const h = harness(new NoOutputCache());
    const prompt: ApiPrompt = {
      '1': { class_type: 'Num', inputs: { value: 2 } },
      '2': { class_type: 'Show', inputs: { value: ['1', 0] } },
    };
    await h.run(prompt);
    expect((await h.run(prompt)).executed.sort()).toEqual(['1', '2']);
  });

  it('evaluates only the lazy inputs a node asks for', async () => {
    const h = harness(new LruOutputCache(100));
    const run = await h.run({
      '1': { class_type: 'Num', inputs: { value: 1 } },
      '2': { class_type: 'Fail', inputs: { value: ['1', 0] } },
      '3': { class_type: 'Num', inputs: { value: 7 } },
      '4': { class_type: 'Switch', inputs: { pick_a: false, a: ['2', 0], b: ['3', 0] } },
      '5': { class_type: 'Show', inputs: { value: ['4', 0] } },
    });
    expect(run.success).toBe(true);
    expect(value(run, '5')).toBe(7);
    expect(calls).not.toContain('Fail');
  });

  it('maps nodes over lists and hands whole lists to INPUT_IS_LIST nodes', async () => {
    const h = harness();
    const run = await h.run({
      '1': { class_type: 'Range', inputs: { count: 4 } },
      '2': { class_type: 'Num', inputs: { value: 10 } },
      '3': { class_type: 'Add', inputs: { a: ['1', 0], b: ['2', 0] } },
      '4': { class_type: 'Sum', inputs: { values: ['3', 0] } },
      '5': { class_type: 'Show', inputs: { value: ['4', 0] } },
      '6': { class_type: 'Show', inputs: { value: ['3', 0] } },
    });
    expect(value(run, '5')).toBe(10 + 11 + 12 + 13);
    expect(run.outputs['6'].value).toEqual([10, 11, 12, 13]);
    expect(calls.filter((c) => c === 'Add')).toHaveLength(4);
  });

  it('runs expansions with deterministic ids and caches them', async () => {
    const h = harness();
    const prompt: ApiPrompt = {
      '1': { class_type: 'Num', inputs: { value: 3 } },
      '2': { class_type: 'Num', inputs: { value: 4 } },
      '3': { class_type: 'Twice', inputs: { a: ['1', 0], b: ['2', 0] } },
      '4': { class_type: 'Show', inputs: { value: ['3', 0] } },
    };
    const run = await h.run(prompt);
    expect(value(run, '4')).toBe(10);
    expect(run.executed).toEqual(expect.arrayContaining(['3.0.0.1', '3.0.0.2']));
    const executing = run.events.filter(([t, d]) => t === 'executing' && d.node === '3.0.0.1');
    expect(executing[0][1].display_node).toBe('3');
    expect((await h.run(prompt)).executed).toEqual([]);
  });

  it('stops nodes downstream of a blocker, reporting its message, and the prompt still succeeds', async () => {
    const h = harness();
    const run = await h.run({
      '1': { class_type: 'Num', inputs: { value: 3 } },
      '2': { class_type: 'Block', inputs: { value: ['1', 0], block: true } },
      '3': { class_type: 'Add', inputs: { a: ['2', 0], b: ['1', 0] } },
      '4': { class_type: 'Show', inputs: { value: ['3', 0] } },
    });
    expect(run.success).toBe(true);
    expect(calls).not.toContain('Add');
    expect(run.outputs['4']).toBeUndefined();
    const blocked = run.events.find(([t]) => t === 'execution_error');
    expect(blocked?.[1]).toMatchObject({
      exception_type: 'ExecutionBlocked',
      exception_message: 'Execution Blocked: blocked on purpose',
      node_id: '3',
    });
  });

  it('runs async nodes concurrently', async () => {
    const h = harness();
    const started = Date.now();
    const run = await h.run({
      '1': { class_type: 'Num', inputs: { value: 1 } },
      '2': { class_type: 'Sleep', inputs: { value: ['1', 0], ms: 300 } },
      '3': { class_type: 'Sleep', inputs: { value: ['1', 0], ms: 300 } },
      '4': { class_type: 'Sleep', inputs: { value: ['1', 0], ms: 300 } },
      '5': { class_type: 'Add', inputs: { a: ['2', 0], b: ['3', 0] } },
      '6': { class_type: 'Add', inputs: { a: ['5', 0], b: ['4', 0] } },
      '7': { class_type: 'Show', inputs: { value: ['6', 0] } },
    });
    expect(run.success).toBe(true);
    expect(value(run, '7')).toBe(3);
    expect(calls.slice(1, 4)).toEqual(['Sleep:start', 'Sleep:start', 'Sleep:start']);
    expect(Date.now() - started).toBeLessThan(850);
  });

  it('ends with execution_error naming the node, its inputs and the cached nodes', async () => {
    const h = harness();
    const run = await h.run({
      '1': { class_type: 'Num', inputs: { value: 1 } },
      '2': { class_type: 'Fail', inputs: { value: ['1', 0] } },
      '3': { class_type: 'Show', inputs: { value: ['2', 0] } },
    });
    expect(run.success).toBe(false);
    const [type, data] = run.messages.at(-1) ?? [];
    expect(type).toBe('execution_error');
    expect(data).toMatchObject({
      node_id: '2',
      node_type: 'Fail',
      executed: ['1'],
      exception_message: 'this node always fails\n',
      exception_type: 'Exception',
      current_inputs: { value: [1] },
    });
    expect(Array.isArray(data?.traceback)).toBe(true);
  });

  it('stops at the next node when interrupted', async () => {
    const h = harness();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('Interrupted')), 50);
    const run = await h.run(
      {
        '1': { class_type: 'Num', inputs: { value: 1 } },
        '2': { class_type: 'Sleep', inputs: { value: ['1', 0], ms: 200 } },
        '3': { class_type: 'Add', inputs: { a: ['2', 0], b: ['2', 0] } },
        '4': { class_type: 'Show', inputs: { value: ['3', 0] } },
      },
      { signal: controller.signal },
    );
    expect(run.success).toBe(false);
    expect(run.interrupted).toBe(true);
    expect(run.messages.at(-1)?.[0]).toBe('execution_interrupted');
    expect(calls).not.toContain('Add');
  });
});
