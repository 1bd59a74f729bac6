import { GraphBuilder, type GraphNode } from '@easel/core';
import {
  ComfyClient,
  ExecutionError,
  HttpError,
  allPixels,
  float,
  meanPixel,
  runWarmup,
  startTestingServer,
  type TestingServer,
} from './testing/comfy-client.js';

// A port of ComfyUI's tests/execution/test_async_nodes.py (class TestAsyncNodes), once per
// upstream server mode: default (classic here), --cache-lru 0 (RAM pressure), --cache-lru 100.

const skipTiming = process.env.EASEL_SKIP_TIMING_CHECKS === '1';

const MODES = [
  { name: 'default', flags: ['--cache-classic'] },
  { name: 'lru 0', flags: ['--cache-lru', '0'] },
  { name: 'lru 100', flags: ['--cache-lru', '100'] },
];

const image = (g: GraphBuilder, content: string, height = 512, width = 512) =>
  g.node('StubImage', { content, height, width, batch_size: 1 });
const sleep = (g: GraphBuilder, value: GraphNode, seconds: number) =>
  g.node('TestSleep', { value: value.out(0), seconds: float(seconds) });

async function thrown(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (e: unknown) => e,
  );
}

describe.each(MODES)('async nodes (ported from ComfyUI test_async_nodes.py), $name', (mode) => {
  let testing: TestingServer;
  let client: ComfyClient;
  let g: GraphBuilder;
  let testName: string;
  let counter = 0;

  beforeAll(async () => {
    testing = await startTestingServer(mode.flags);
    client = await ComfyClient.connect(testing.server.url);
  }, 90_000);
  afterAll(async () => {
    client?.close();
    await testing?.stop();
  });
  beforeEach(() => {
    counter += 1;
    testName = `async_nodes_${counter}_`;
    g = new GraphBuilder(testName);
  });

  const run = (graph: GraphBuilder) => client.run(graph, { testName });

  const timed = async (graph: GraphBuilder) => {
    const started = Date.now();
    const result = await run(graph);
    return { result, elapsed: (Date.now() - started) / 1000 };
  };

  it('test_basic_async_execution', async () => {
    const img = image(g, 'BLACK');
    const s = sleep(g, img, 0.1);
    const out = g.node('SaveImage', { images: s.out(0) });
    const result = await run(g);
    expect(result.didRun(s)).toBe(true);
    expect(result.didRun(out)).toBe(true);
    const images = result.getImages(out);
    expect(images).toHaveLength(1);
    expect(allPixels(images[0], 0)).toBe(true);
  });

  it('test_multiple_async_parallel_execution', async () => {
    await runWarmup(client);
    const img = image(g, 'BLACK');
    const sleeps = [0.3, 0.4, 0.5].map((seconds) => sleep(g, img, seconds));
    for (const s of sleeps) g.node('PreviewImage', { images: s.out(0) });
    const { result, elapsed } = await timed(g);
    if (!skipTiming) expect(elapsed).toBeLessThan(0.8);
    for (const s of sleeps) expect(result.didRun(s)).toBe(true);
  });

  it('test_async_with_dependencies', async () => {
    const s1 = sleep(g, image(g, 'BLACK'), 0.2);
    const s2 = sleep(g, image(g, 'WHITE'), 0.2);
    const average = g.node('TestVariadicAverage', { input1: s1.out(0), input2: s2.out(0) });
    const out = g.node('SaveImage', { images: average.out(0) });
    const result = await run(g);
    for (const node of [s1, s2, average, out]) expect(result.didRun(node)).toBe(true);
    expect(Math.abs(meanPixel(result.getImages(out)[0]) - 127.5)).toBeLessThan(1);
  });

  it('test_async_validate_inputs', async () => {
    const validation = g.node('TestAsyncValidation', { value: float(5.0), threshold: float(10.0) });
    g.node('SaveImage', { images: validation.out(0) });
    const result = await run(g);
    expect(result.didRun(validation)).toBe(true);
    validation.setInput('threshold', float(3.0));
    const error = await thrown(run(g));
    expect(error).toBeInstanceOf(HttpError);
    expect(JSON.stringify((error as HttpError).body)).toContain('Value 5.0 exceeds threshold 3.0');
  });

  it('test_async_lazy_evaluation', async () => {
    await runWarmup(client, 'warmup_lazy');
    const s1 = sleep(g, image(g, 'BLACK'), 0.3);
    const s2 = sleep(g, image(g, 'WHITE'), 0.3);
    const mask = g.node('StubMask', { value: float(0.0), height: 512, width: 512, batch_size: 1 });
    const mix = g.node('TestLazyMixImages', { image1: s1.out(0), image2: s2.out(0), mask: mask.out(0) });
    g.node('SaveImage', { images: mix.out(0) });
    const { result, elapsed } = await timed(g);
    if (!skipTiming) expect(elapsed).toBeLessThan(0.5);
    expect(result.didRun(s1)).toBe(true);
    expect(result.didRun(s2)).toBe(false);
  });

  it('test_async_check_lazy_status', async () => {
    const lazy = g.node('TestAsyncLazyCheck', { input1: 'value1', input2: 'value2', condition: true });
    g.node('SaveImage', { images: lazy.out(0) });
    const result = await run(g);
    expect(result.didRun(lazy)).toBe(true);
  });

  it('test_async_execution_error', async () => {
    const error = g.node('TestAsyncError', { value: image(g, 'BLACK').out(0), error_after: float(0.1) });
    g.node('SaveImage', { images: error.out(0) });
    const caught = await thrown(run(g));
    expect(caught).toBeInstanceOf(ExecutionError);
    expect((caught as ExecutionError).data).toHaveProperty('prompt_id');
    expect((caught as ExecutionError).data.node_id).toBe(error.id);
  });

  it('test_async_validation_error', async () => {
    const node = g.node('TestAsyncValidationError', { value: float(15.0), max_value: float(10.0) });
    g.node('SaveImage', { images: node.out(0) });
    const caught = await thrown(run(g));
    expect(caught).toBeInstanceOf(HttpError);
    expect((caught as HttpError).status).toBe(400);
  });

  it('test_async_timeout_handling', async () => {
    const node = g.node('TestAsyncTimeout', {
      value: image(g, 'BLACK').out(0),
      timeout: float(0.5),
      operation_time: float(2.0),
    });
    g.node('SaveImage', { images: node.out(0) });
    const caught = await thrown(run(g));
    expect(caught).toBeInstanceOf(ExecutionError);
    expect(JSON.stringify((caught as ExecutionError).data).toLowerCase()).toContain('timeout');
  });

  it('test_concurrent_async_error_recovery', async () => {
    const error = g.node('TestAsyncError', { value: image(g, 'BLACK').out(0), error_after: float(0.1) });
    g.node('SaveImage', { images: error.out(0) });
    expect(await thrown(run(g))).toBeInstanceOf(ExecutionError);

    const recovery = new GraphBuilder(`recovery_test_${counter}_`);
    const s = sleep(recovery, image(recovery, 'WHITE'), 0.1);
    recovery.node('SaveImage', { images: s.out(0) });
    const result = await client.run(recovery, { testName });
    expect(result.didRun(s)).toBe(true);
  });

  it('test_sync_error_during_async_execution', async () => {
    const img = image(g, 'BLACK');
    const s = sleep(g, img, 0.5);
    const error = g.node('TestSyncError', { value: img.out(0) });
    g.node('PreviewImage', { images: s.out(0) });
    g.node('PreviewImage', { images: error.out(0) });
    const caught = await thrown(run(g));
    expect(caught).toBeInstanceOf(ExecutionError);
    expect((caught as ExecutionError).data).toHaveProperty('prompt_id');
  });

  it('test_async_with_execution_blocker', async () => {
    const s1 = sleep(g, image(g, 'BLACK'), 0.2);
    const s2 = sleep(g, image(g, 'WHITE'), 0.2);
    const list = g.node('TestMakeListNode', { value1: s1.out(0), value2: s2.out(0) });
    const int1 = g.node('StubInt', { value: 1 });
    const int2 = g.node('StubInt', { value: 2 });
    const ints = g.node('TestMakeListNode', { value1: int1.out(0), value2: int2.out(0) });
    const compare = g.node('TestIntConditions', { a: ints.out(0), b: 2, operation: '==' });
    const blocker = g.node('TestExecutionBlocker', {
      input: list.out(0),
      block: compare.out(0),
      verbose: false,
    });
    const out = g.node('PreviewImage', { images: blocker.out(0) });
    const result = await run(g);
    expect(result.getImages(out)).toHaveLength(1);
  });

  it('test_async_caching_behavior', async () => {
    await runWarmup(client, 'warmup_cache');
    const s = sleep(g, image(g, 'BLACK'), 0.2);
    g.node('SaveImage', { images: s.out(0) });
    const first = await run(g);
    expect(first.didRun(s)).toBe(true);
    const { result, elapsed } = await timed(g);
    expect(result.didRun(s)).toBe(false);
    if (!skipTiming) expect(elapsed).toBeLessThan(0.1);
  });

  it('test_async_with_dynamic_prompts', async () => {
    await runWarmup(client, 'warmup_dynamic');
    const dynamic = g.node('TestDynamicAsyncGeneration', {
      image1: image(g, 'BLACK').out(0),
      image2: image(g, 'WHITE').out(0),
      num_async_nodes: 5,
      sleep_duration: float(0.4),
    });
    g.node('SaveImage', { images: dynamic.out(0) });
    const { result, elapsed } = await timed(g);
    if (!skipTiming) expect(elapsed).toBeLessThan(1.0);
    expect(result.didRun(dynamic)).toBe(true);
  });

  it('test_async_resource_cleanup', async () => {
    const img = image(g, 'BLACK');
    const users = [0, 1, 2, 3, 4].map((i) =>
      g.node('TestAsyncResourceUser', {
        value: img.out(0),
        resource_id: `resource_${i}`,
        duration: float(0.1),
      }),
    );
    for (const user of users) g.node('PreviewImage', { images: user.out(0) });
    const first = await run(g);
    for (const user of users) expect(first.didRun(user)).toBe(true);
    const second = await run(g);
    for (const user of users) expect(second.didRun(user)).toBe(false);
  });

  it('test_mixed_sync_async_execution', async () => {
    const mask = g.node('StubMask', { value: float(0.5), height: 512, width: 512, batch_size: 1 });
    const a = g.node('TestLazyMixImages', {
      image1: image(g, 'BLACK').out(0),
      image2: image(g, 'WHITE').out(0),
      mask: mask.out(0),
    });
    const b = sleep(g, a, 0.2);
    const c = g.node('TestCustomValidation1', { input1: b.out(0), input2: float(0.5) });
    const d = sleep(g, c, 0.2);
    const out = g.node('SaveImage', { images: d.out(0) });
    const result = await run(g);
    for (const node of [a, b, c, d]) expect(result.didRun(node)).toBe(true);
    expect(Math.abs(meanPixel(result.getImages(out)[0]) - 63.75)).toBeLessThan(5);
  });
});
