import { Input, Node, type NodeContext, type NodeInputs, type NodeReturn } from '@easel/core';
import { PYTHON_MODULE, seconds, sleep } from './tools.js';

// api_test_nodes.py: progress reported through the execution API, from an async and a sync node.

const ASYNC = 'experimental/async';

/** Reports the elapsed fraction of `duration` seconds (as a value out of 1.0) every 10 ms until it is over. */
async function progressLoop(duration: number, context: NodeContext): Promise<void> {
  const start = seconds();
  const expiration = start + duration;
  let now = start;
  while (now < expiration) {
    now = seconds();
    context.progress.update((now - start) / duration, 1.0);
    await sleep(10, context.signal);
  }
}

@Node({
  classType: 'TestAsyncProgressUpdate',
  displayName: 'Async Progress Update Test Node',
  category: ASYNC,
  pythonModule: PYTHON_MODULE,
  outputs: ['*'],
  // an `async def` in ComfyUI: other nodes run while it waits
  concurrent: true,
})
export class TestAsyncProgressUpdate {
  @Input('*', {}) value!: unknown;
  @Input.float({ default: 1.0 }) sleep_seconds!: number;

  async execute(
    { value, sleep_seconds }: NodeInputs<TestAsyncProgressUpdate>,
    context: NodeContext,
  ): Promise<NodeReturn> {
    await progressLoop(sleep_seconds, context);
    return [value];
  }
}

@Node({
  classType: 'TestSyncProgressUpdate',
  displayName: 'Sync Progress Update Test Node',
  category: ASYNC,
  pythonModule: PYTHON_MODULE,
  outputs: ['*'],
})
export class TestSyncProgressUpdate {
  @Input('*', {}) value!: unknown;
  @Input.float({ default: 1.0 }) sleep_seconds!: number;

  /**
   * ComfyUI's version blocks its executor thread with `time.sleep`. Here it is an ordinary
   * (not concurrent) node: the executor waits for it before starting any other node, but the
   * server's thread stays free to deliver the progress messages.
   */
  execute(
    { value, sleep_seconds }: NodeInputs<TestSyncProgressUpdate>,
    context: NodeContext,
  ): Promise<NodeReturn> {
    return progressLoop(sleep_seconds, context).then(() => [value]);
  }
}
