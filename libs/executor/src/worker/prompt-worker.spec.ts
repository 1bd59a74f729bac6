import { Input, Node, type NodeContext, type TensorBackend } from '@easel/core';
import { ClassicOutputCache } from '../caching/classic-output-cache.js';
import type { EventSink } from '../events/event-sink.js';
import { PromptExecutor } from '../execution/prompt-executor.js';
import { MemoryHistoryStore } from '../queue/memory-history-store.js';
import { MemoryPromptQueue } from '../queue/memory-prompt-queue.js';
import type { QueueItem } from '../queue/prompt-queue.js';
import { NodeRegistry } from '../registry/node-registry.js';
import { PromptWorker } from './prompt-worker.js';

@Node({ classType: 'Echo', outputs: [], outputNode: true })
class Echo {
  @Input.int() value!: number;
  execute({ value }: { value: number }) {
    if (value < 0) throw new Error('negative');
    return { ui: { value: [value] } };
  }
}

@Node({ classType: 'Previewing', outputs: [], outputNode: true })
class Previewing {
  @Input.int() value!: number;
  execute({ value }: { value: number }, context: NodeContext) {
    context.progress.update(1, 2, { format: 'JPEG', data: new Uint8Array([value]) });
    context.progress.text('half way');
    return { ui: { value: [value] } };
  }
}

const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

function setup(previewMetadata = false) {
  const registry = new NodeRegistry();
  registry.registerPack('test', [Echo, Previewing]);
  const executor = new PromptExecutor({
    registry,
    cache: new ClassicOutputCache(),
    services: {
      resolve: () => undefined as never,
      construct: <T>(c: abstract new (...args: never[]) => T) => new (c as unknown as new () => T)(),
    },
    backend: {} as TensorBackend,
    logger: silent,
    reuseNodeInstances: true,
  });
  const sent: [string, string | null, Record<string, unknown>][] = [];
  const binary = (frame: Uint8Array) => ({ frameType: new DataView(frame.buffer).getUint32(0) });
  const events: EventSink = {
    toClient: (clientId, type, data) => sent.push([type, clientId, data]),
    broadcast: (type, data) => sent.push([type, null, data]),
    binaryToClient: (clientId, frame) => sent.push(['binary', clientId, binary(frame)]),
    binaryBroadcast: (frame) => sent.push(['binary', null, binary(frame)]),
    clientFeature: (_clientId, flag) => (flag === 'supports_preview_metadata' ? previewMetadata : undefined),
  };
  const queue = new MemoryPromptQueue();
  const history = new MemoryHistoryStore();
  const worker = new PromptWorker({ queue, history, executor, events, logger: silent });
  return { worker, queue, history, sent };
}

const item = (promptId: string, value: number): QueueItem => ({
  number: 0,
  promptId,
  prompt: { '1': { class_type: 'Echo', inputs: { value } } },
  extraData: { client_id: 'c' },
  outputs: ['1'],
});

const until = async (check: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(await check()).toBe(true);
};

describe('PromptWorker', () => {
  it('holds a prompt until its POST answer is out, then sends status before its first event', async () => {
    const { worker, queue, history, sent } = setup();
    await worker.start();
    const release = worker.hold('p1');
    await queue.put(item('p1', 3));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent).toEqual([]);
    release();
    await until(() => sent.some(([type, , data]) => type === 'executing' && data.node === null));
    const types = sent.map(([type, clientId]) => `${type}${clientId === null ? '*' : ''}`);
    expect(types).toEqual([
      'status*', // queued (sent by release)
      'status*', // started
      'execution_start',
      'execution_cached',
      'progress_state',
      'executing',
      'executed',
      'progress_state',
      'execution_success',
      'status*', // finished, after history was written
      'executing',
    ]);
    expect((await history.get('p1'))?.outputs).toEqual({ '1': { value: [3] } });
    await worker.stop();
  });

  it.each([
    [false, 'a legacy preview (type 1) after progress', ['progress', 'binary:1', 'binary*:3']],
    [true, 'a metadata preview (type 4) before progress', ['binary:4', 'progress', 'binary*:3']],
  ])('routes previews: supports_preview_metadata=%s gives %s', async (negotiated, _what, expected) => {
    const { worker, queue, sent } = setup(negotiated);
    await worker.start();
    await queue.put({
      ...item('pv', 5),
      prompt: { '1': { class_type: 'Previewing', inputs: { value: 5 } } },
    });
    await until(() => sent.some(([type, , data]) => type === 'executing' && data.node === null));
    const seen = sent
      .filter(([type]) => type === 'progress' || type === 'binary')
      .map(([type, clientId, data]) =>
        type === 'binary' ? `binary${clientId === null ? '*' : ''}:${String(data.frameType)}` : type,
      );
    expect(seen).toEqual(expected);
    await worker.stop();
  });

  it('survives a prompt that fails and runs the next one (test_prompt_worker_crash)', async () => {
    const { worker, queue, history } = setup();
    await worker.start();
    await queue.put(item('bad', -1));
    await queue.put(item('good', 2));
    await until(async () => (await history.size()) === 2);
    expect((await history.get('bad'))?.status.status_str).toBe('error');
    expect((await history.get('good'))?.status.status_str).toBe('success');
    await worker.stop();
  });

  it('records a prompt interrupted by a restart as failed, with a message saying so', async () => {
    const { worker, queue, history } = setup();
    queue.takeInterrupted = () => Promise.resolve([item('lost', 1)]);
    await worker.start();
    const entry = await history.get('lost');
    expect(entry?.status).toMatchObject({ status_str: 'error', completed: false });
    const error = entry?.status.messages.find(([type]) => type === 'execution_error')?.[1];
    expect(error?.exception_message).toMatch(/server stopped while this prompt was running/);
    await worker.stop();
  });
});
