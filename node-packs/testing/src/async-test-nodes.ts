import {
  GraphBuilder,
  Hidden,
  Input,
  Node,
  type GraphNode,
  type NodeContext,
  type NodeInputs,
  type NodeReturn,
  type Tensor,
} from '@easel/core';
import { PYTHON_MODULE, RuntimeError, filled, pyFloat, pyTruthy, sleep } from './tools.js';

// async_test_nodes.py: async validation, async execution, errors, timeouts and shared resources.

const ASYNC = 'experimental/async';

/** Python's message for `a > b` when one side is None. */
function comparable(left: unknown, right: unknown): void {
  const name = (v: unknown) => (v === null || v === undefined ? 'NoneType' : 'float');
  if (typeof left !== 'number' || typeof right !== 'number') {
    throw new TypeError(`'>' not supported between instances of '${name(left)}' and '${name(right)}'`);
  }
}

@Node({
  classType: 'TestAsyncValidation',
  displayName: 'Test Async Validation',
  category: ASYNC,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
  validatedInputs: ['value', 'threshold'],
})
export class TestAsyncValidation {
  @Input.float({ default: 5.0 }) value!: number;
  @Input.float({ default: 10.0 }) threshold!: number;

  static async validateInputs({ value, threshold }: Record<string, unknown>): Promise<true | string> {
    await sleep(50);
    comparable(value, threshold);
    const [v, t] = [value as number, threshold as number];
    if (v > t) return `Value ${pyFloat(v)} exceeds threshold ${pyFloat(t)}`;
    return true;
  }

  execute({ value }: NodeInputs<TestAsyncValidation>, context: NodeContext): NodeReturn {
    return [filled(context.backend, [1, 512, 512, 3], value / 10.0)];
  }
}

@Node({
  classType: 'TestAsyncError',
  displayName: 'Test Async Error',
  category: ASYNC,
  pythonModule: PYTHON_MODULE,
  outputs: ['*'],
  // an `async def` in ComfyUI: other nodes run while it waits
  concurrent: true,
})
export class TestAsyncError {
  @Input('*', {}) value!: unknown;
  @Input.float({ default: 0.1, min: 0.0, max: 10.0 }) error_after!: number;

  async execute({ error_after }: NodeInputs<TestAsyncError>, context: NodeContext): Promise<NodeReturn> {
    await sleep(error_after * 1000, context.signal);
    throw new RuntimeError('Intentional async execution error for testing');
  }
}

@Node({
  classType: 'TestAsyncValidationError',
  displayName: 'Test Async Validation Error',
  category: ASYNC,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
  validatedInputs: ['value', 'max_value'],
})
export class TestAsyncValidationError {
  @Input.float({ default: 5.0 }) value!: number;
  @Input.float({ default: 10.0 }) max_value!: number;

  static async validateInputs({ value, max_value }: Record<string, unknown>): Promise<true | string> {
    await sleep(50);
    comparable(value, max_value);
    const [v, max] = [value as number, max_value as number];
    if (v > max) return `Async validation failed: ${pyFloat(v)} > ${pyFloat(max)}`;
    return true;
  }

  execute({ value, max_value }: NodeInputs<TestAsyncValidationError>, context: NodeContext): NodeReturn {
    return [filled(context.backend, [1, 512, 512, 3], value / max_value)];
  }
}

@Node({
  classType: 'TestAsyncTimeout',
  displayName: 'Test Async Timeout',
  category: ASYNC,
  pythonModule: PYTHON_MODULE,
  outputs: ['*'],
  // an `async def` in ComfyUI: other nodes run while it waits
  concurrent: true,
})
export class TestAsyncTimeout {
  @Input('*', {}) value!: unknown;
  @Input.float({ default: 1.0, min: 0.1, max: 10.0 }) timeout!: number;
  @Input.float({ default: 2.0, min: 0.1, max: 10.0 }) operation_time!: number;

  async execute(
    { value, timeout, operation_time }: NodeInputs<TestAsyncTimeout>,
    context: NodeContext,
  ): Promise<NodeReturn> {
    // asyncio.wait_for(sleep(operation_time), timeout): the operation is cancelled on timeout
    const operation = new AbortController();
    const forward = () => operation.abort(context.signal.reason);
    context.signal.addEventListener('abort', forward, { once: true });
    let timer: NodeJS.Timeout | undefined;
    try {
      const finished = sleep(operation_time * 1000, operation.signal).then(() => 'finished' as const);
      // a cancelled operation rejects after the race is decided: nothing waits for it then
      void finished.catch(() => undefined);
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeout * 1000);
      });
      if ((await Promise.race([finished, timedOut])) === 'timeout') {
        operation.abort();
        throw new RuntimeError(`Operation timed out after ${pyFloat(timeout)} seconds`);
      }
      return [value];
    } finally {
      clearTimeout(timer);
      context.signal.removeEventListener('abort', forward);
    }
  }
}

@Node({
  classType: 'TestSyncError',
  displayName: 'Test Sync Error',
  category: ASYNC,
  pythonModule: PYTHON_MODULE,
  outputs: ['*'],
})
export class TestSyncError {
  @Input('*', {}) value!: unknown;

  execute(): NodeReturn {
    throw new RuntimeError('Intentional sync execution error for testing');
  }
}

@Node({
  classType: 'TestAsyncLazyCheck',
  displayName: 'Test Async Lazy Check',
  category: ASYNC,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
})
export class TestAsyncLazyCheck {
  @Input('*', { lazy: true }) input1!: unknown;
  @Input('*', { lazy: true }) input2!: unknown;
  @Input.boolean({ default: true }) condition!: boolean;

  async checkLazyStatus(
    { condition, input1, input2 }: NodeInputs<TestAsyncLazyCheck>,
    context: NodeContext,
  ): Promise<string[]> {
    await sleep(50, context.signal);
    const needed: string[] = [];
    if (pyTruthy(condition) && input1 == null) needed.push('input1');
    if (!pyTruthy(condition) && input2 == null) needed.push('input2');
    return needed;
  }

  execute(_inputs: NodeInputs<TestAsyncLazyCheck>, context: NodeContext): NodeReturn {
    return [filled(context.backend, [1, 512, 512, 3], 1)];
  }
}

@Node({
  classType: 'TestDynamicAsyncGeneration',
  displayName: 'Test Dynamic Async Generation',
  category: ASYNC,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
})
export class TestDynamicAsyncGeneration {
  @Input('IMAGE') image1!: Tensor;
  @Input('IMAGE') image2!: Tensor;
  @Input.int({ default: 3, min: 1, max: 10 }) num_async_nodes!: number;
  @Input.float({ default: 0.2, min: 0.1, max: 1.0 }) sleep_duration!: number;

  execute(inputs: NodeInputs<TestDynamicAsyncGeneration>): NodeReturn {
    const { image1, image2, num_async_nodes, sleep_duration } = inputs;
    const graph = new GraphBuilder();
    const sleeps: GraphNode[] = [];
    for (let i = 0; i < num_async_nodes; i++) {
      sleeps.push(
        graph.node(
          'TestSleep',
          { value: i % 2 === 0 ? image1 : image2, seconds: sleep_duration },
          String(i + 1),
        ),
      );
    }
    const final =
      num_async_nodes === 1
        ? sleeps[0]
        : graph.node(
            'TestVariadicAverage',
            Object.fromEntries(sleeps.map((node, i) => [`input${i + 1}`, node.out(0)])),
            String(num_async_nodes + 1),
          );
    return { result: [final.out(0)], expand: graph.finalize() };
  }
}

@Node({
  classType: 'TestAsyncResourceUser',
  displayName: 'Test Async Resource User',
  category: ASYNC,
  pythonModule: PYTHON_MODULE,
  outputs: ['*'],
  // an `async def` in ComfyUI: other nodes run while it waits
  concurrent: true,
})
export class TestAsyncResourceUser {
  /** Shared by every instance, for the life of the process (a class attribute in ComfyUI). */
  static readonly activeResources = new Map<string, boolean>();

  @Input('*', {}) value!: unknown;
  @Input.string({ default: 'resource_0' }) resource_id!: string;
  @Input.float({ default: 0.1, min: 0.0, max: 1.0 }) duration!: number;

  async execute(
    { value, resource_id, duration }: NodeInputs<TestAsyncResourceUser>,
    context: NodeContext,
  ): Promise<NodeReturn> {
    const active = TestAsyncResourceUser.activeResources;
    if (active.get(resource_id)) throw new RuntimeError(`Resource ${resource_id} is already in use!`);
    active.set(resource_id, true);
    try {
      await sleep(duration * 1000, context.signal);
      return [value];
    } finally {
      active.set(resource_id, false);
    }
  }
}

@Node({
  classType: 'TestAsyncBatchProcessing',
  displayName: 'Test Async Batch Processing',
  category: ASYNC,
  pythonModule: PYTHON_MODULE,
  outputs: ['IMAGE'],
  // an `async def` in ComfyUI: other nodes run while it waits
  concurrent: true,
})
export class TestAsyncBatchProcessing {
  @Input('IMAGE') images!: Tensor;
  @Input.float({ default: 0.1, min: 0.01, max: 1.0 }) process_time_per_item!: number;
  @Hidden('UNIQUE_ID') unique_id!: string;

  async execute(
    { images, process_time_per_item }: NodeInputs<TestAsyncBatchProcessing>,
    context: NodeContext,
  ): Promise<NodeReturn> {
    const { backend } = context;
    const [batch, ...rest] = images.shape;
    const processed: Tensor[] = [];
    for (let i = 0; i < batch; i++) {
      await sleep(process_time_per_item * 1000, context.signal);
      const item = await backend.slice(images, [i, ...rest.map(() => 0)], [i + 1, ...rest]);
      processed.push(await backend.binary('sub', 1, item));
      context.progress.update(i + 1, batch);
    }
    if (processed.length === 0) throw new RuntimeError('torch.cat(): expected a non-empty list of Tensors');
    return [processed.length === 1 ? processed[0] : await backend.concat(processed, 0)];
  }
}

/** An asyncio.Semaphore: at most `permits` holders at a time, the others wait in order. */
export class Semaphore {
  private readonly waiting: (() => void)[] = [];

  constructor(private permits: number) {}

  async acquire(): Promise<void> {
    if (this.permits > 0) {
      this.permits -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.permits += 1;
  }
}

@Node({
  classType: 'TestAsyncConcurrentLimit',
  displayName: 'Test Async Concurrent Limit',
  category: ASYNC,
  pythonModule: PYTHON_MODULE,
  outputs: ['*'],
  // an `async def` in ComfyUI: other nodes run while it waits
  concurrent: true,
})
export class TestAsyncConcurrentLimit {
  /** Shared by every instance: at most two run at once. */
  static readonly semaphore = new Semaphore(2);

  @Input('*', {}) value!: unknown;
  @Input.float({ default: 0.5, min: 0.1, max: 2.0 }) duration!: number;
  @Input.int({ default: 0 }) node_id!: number;

  async execute(
    { value, duration }: NodeInputs<TestAsyncConcurrentLimit>,
    context: NodeContext,
  ): Promise<NodeReturn> {
    await TestAsyncConcurrentLimit.semaphore.acquire();
    try {
      await sleep(duration * 1000, context.signal);
      return [value];
    } finally {
      TestAsyncConcurrentLimit.semaphore.release();
    }
  }
}
