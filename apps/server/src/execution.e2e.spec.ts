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
  type RunResult,
  type TestingServer,
} from './testing/comfy-client.js';

// A port of ComfyUI's tests/execution/test_execution.py (class TestExecution): the same graphs of
// the same testing nodes, the same assertions, against the real server over HTTP and WebSocket,
// once per cache mode. As upstream, the tests of one mode share one server, so cache state
// carries over from test to test (that is why many of them accept "ran or cached").

/** Upstream's --skip-timing-checks. */
const skipTiming = process.env.EASEL_SKIP_TIMING_CHECKS === '1';

const MODES = [
  { name: 'classic', flags: ['--cache-classic'], shouldCache: true },
  { name: 'lru 100', flags: ['--cache-lru', '100'], shouldCache: true },
  { name: 'none', flags: ['--cache-none'], shouldCache: false },
];

type Builder = GraphBuilder;

const image = (g: Builder, content: string, height = 512, width = 512) =>
  g.node('StubImage', { content, height, width, batch_size: 1 });
const stubMask = (g: Builder, value: unknown, height = 512, width = 512) =>
  g.node('StubMask', { value, height, width, batch_size: 1 });
const mix = (g: Builder, image1: GraphNode | null, image2: GraphNode | null, mask: GraphNode) =>
  g.node('TestLazyMixImages', {
    ...(image1 && { image1: image1.out(0) }),
    ...(image2 && { image2: image2.out(0) }),
    mask: mask.out(0),
  });
const save = (g: Builder, images: GraphNode) => g.node('SaveImage', { images: images.out(0) });
const preview = (g: Builder, images: GraphNode) => g.node('PreviewImage', { images: images.out(0) });

async function expectHttpError(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

async function expectExecutionError(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExecutionError);
  return (error as ExecutionError).data;
}

describe.each(MODES)('execution (ported from ComfyUI test_execution.py), cache $name', (mode) => {
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
    // upstream prefixes node ids with the test's name; any per-test prefix works
    counter += 1;
    testName = `execution_${counter}_`;
    g = new GraphBuilder(testName);
  });

  const run = (graph: GraphBuilder, partialExecutionTargets?: string[]) =>
    client.run(graph, { testName, partialExecutionTargets });

  // ---- lazy evaluation and caching

  it('test_lazy_input', async () => {
    const in1 = image(g, 'BLACK');
    const in2 = image(g, 'WHITE');
    const m = stubMask(g, 0.0);
    const lazy = mix(g, in1, in2, m);
    const out = save(g, lazy);
    const result = await run(g);
    const [result_image] = result.getImages(out);
    expect(allPixels(result_image, 0)).toBe(true);
    expect(result.wasExecuted(in1)).toBe(true);
    expect(result.didRun(in2)).toBe(false);
    expect(result.wasExecuted(m)).toBe(true);
    expect(result.wasExecuted(lazy)).toBe(true);
  });

  it('test_full_cache', async () => {
    const in1 = image(g, 'BLACK');
    const in2 = image(g, 'NOISE');
    const m = stubMask(g, 0.5);
    const lazy = mix(g, in1, in2, m);
    save(g, lazy);
    await run(g);
    const result = await run(g);
    for (const id of Object.keys(g.finalize())) expect(result.didRun(id)).toBe(!mode.shouldCache);
  });

  it('test_partial_cache', async () => {
    const in1 = image(g, 'BLACK');
    const in2 = image(g, 'NOISE');
    const m = stubMask(g, 0.5);
    const lazy = mix(g, in1, in2, m);
    save(g, lazy);
    await run(g);
    m.setInput('value', 0.4);
    const result = await run(g);
    expect(result.didRun(in1)).toBe(!mode.shouldCache);
    expect(result.didRun(in2)).toBe(!mode.shouldCache);
  });

  it('test_custom_is_changed', async () => {
    // creation order matters (an upstream regression test)
    const out = g.node('SaveImage');
    const isChanged = g.node('TestCustomIsChanged', { should_change: false });
    const in1 = image(g, 'BLACK');
    out.setInput('images', isChanged.out(0));
    isChanged.setInput('image', in1.out(0));
    const r1 = await run(g);
    const r2 = await run(g);
    isChanged.setInput('should_change', true);
    const r3 = await run(g);
    const r4 = await run(g);
    expect(r1.didRun(isChanged)).toBe(true);
    expect(r2.didRun(isChanged)).toBe(!mode.shouldCache);
    expect(r3.didRun(isChanged)).toBe(true);
    expect(r4.didRun(isChanged)).toBe(true);
  });

  it('test_is_changed_with_outputs', async () => {
    const in1 = g.node('StubConstantImage', { value: 0.5, height: 512, width: 512, batch_size: 1 });
    const changed = g.node('TestIsChangedWithConstants', { image: in1.out(0), value: 0.5 });
    const out = preview(g, changed);
    const first = await run(g);
    expect(first.getImages(out)).toHaveLength(1);
    expect(allPixels(first.getImages(out)[0], 63)).toBe(true);
    const second = await run(g);
    expect(second.getImages(out)).toHaveLength(1);
    expect(allPixels(second.getImages(out)[0], 63)).toBe(true);
    expect(second.didRun(changed)).toBe(!mode.shouldCache);
  });

  // ---- run-time errors

  it('test_error', async () => {
    const in1 = image(g, 'BLACK');
    const in2 = image(g, 'NOISE', 256, 256);
    const m = stubMask(g, 0.5);
    const lazy = mix(g, in1, in2, m);
    save(g, lazy);
    const error = await expectExecutionError(run(g));
    expect(error).toHaveProperty('prompt_id');
  });

  it('test_dynamic_cycle_error', async () => {
    const in1 = image(g, 'BLACK');
    const in2 = image(g, 'WHITE');
    const generator = g.node('TestDynamicDependencyCycle', { input1: in1.out(0), input2: in2.out(0) });
    save(g, generator);
    const error = await expectExecutionError(run(g));
    expect(error).toHaveProperty('prompt_id');
    expect(error.node_id).toBe(generator.id);
  });

  // ---- validation errors: POST /prompt answers 400

  it.each([
    [5, true],
    ['foo', true],
    [float(5.0), false],
  ])('test_validation_error_literal[%p]', async (value, expectError) => {
    const validation = g.node('TestCustomValidation1', { input1: value, input2: float(3.0) });
    save(g, validation);
    if (expectError) await expectHttpError(run(g));
    else await run(g);
  });

  it.each([
    ['StubInt', 5],
    ['StubMask', float(5.0)],
  ])('test_validation_error_edge1[%s]', async (type, value) => {
    const stub = g.node(type, { value });
    const validation = g.node('TestCustomValidation1', { input1: stub.out(0), input2: float(3.0) });
    save(g, validation);
    await expectHttpError(run(g));
  });

  for (const node of ['TestCustomValidation2', 'TestCustomValidation3', 'TestCustomValidation4']) {
    const edge = { TestCustomValidation2: 2, TestCustomValidation3: 3, TestCustomValidation4: 4 }[node];
    it.each([
      ['StubInt', 5, true],
      ['StubFloat', float(5.0), false],
    ])(`test_validation_error_edge${edge}[%s]`, async (type, value, expectError) => {
      const stub = g.node(type, { value });
      const validation = g.node(node, { input1: stub.out(0), input2: float(3.0) });
      save(g, validation);
      if (expectError) await expectHttpError(run(g));
      else await run(g);
    });
  }

  it.each([
    [float(0.0), float(0.5), false],
    [float(0.0), float(5.0), false],
    [float(0.0), float(7.0), true],
  ])('test_validation_error_kwargs[%p, %p]', async (value1, value2, expectError) => {
    const validation = g.node('TestCustomValidation5', { input1: value1, input2: value2 });
    save(g, validation);
    if (expectError) {
      const error = await expectHttpError(run(g));
      expect(JSON.stringify(error.body)).toContain("7s are not allowed. I've never liked 7s.");
    } else {
      await run(g);
    }
  });

  it('test_cycle_error', async () => {
    const in1 = image(g, 'BLACK');
    const in2 = image(g, 'WHITE');
    const m = stubMask(g, 0.5);
    const mix1 = mix(g, in1, null, m);
    const mix2 = mix(g, mix1, in2, m);
    save(g, mix2);
    await expectHttpError(run(g));
  });

  it('test_missing_node_error', async () => {
    const in1 = image(g, 'BLACK');
    const in2 = g.node('StubImage', { content: 'WHITE', height: 512, width: 512, batch_size: 1 }, 'removeme');
    const in3 = image(g, 'WHITE');
    const m = stubMask(g, 0.5);
    const mix1 = mix(g, in1, in2, m);
    const mix2 = mix(g, in1, in3, m);
    save(g, mix1);
    save(g, mix2);
    g.removeNode('removeme');
    // one output fails validation, the other runs
    await run(g);
    g.node('StubImage', { content: 'WHITE', height: 512, width: 512, batch_size: 1 }, 'removeme');
    await run(g);
  });

  // ---- graph features and values

  it('test_undeclared_inputs', async () => {
    const black1 = image(g, 'BLACK');
    const white = image(g, 'WHITE');
    const black2 = image(g, 'BLACK');
    const black3 = image(g, 'BLACK');
    const average = g.node('TestVariadicAverage', {
      input1: black1.out(0),
      input2: white.out(0),
      input3: black2.out(0),
      input4: black3.out(0),
    });
    const out = save(g, average);
    const result = await run(g);
    expect(allPixels(result.getImages(out)[0], Math.floor(255 / 4))).toBe(true);
  });

  it('test_for_loop', async () => {
    const in1 = image(g, 'BLACK');
    const in2 = image(g, 'WHITE');
    const isChanged = g.node('TestCustomIsChanged', { should_change: true, image: in2.out(0) });
    const open = g.node('TestForLoopOpen', { remaining: 4, initial_value1: isChanged.out(0) });
    const average = g.node('TestVariadicAverage', { input1: in1.out(0), input2: open.out(2) });
    const close = g.node('TestForLoopClose', { flow_control: open.out(0), initial_value1: average.out(0) });
    const out = g.node('SaveImage', { images: close.out(0) });
    for (const iterations of [1, 2, 3, 4]) {
      open.setInput('remaining', iterations);
      const result = await run(g);
      expect(allPixels(result.getImages(out)[0], Math.floor(255 / 2 ** iterations))).toBe(true);
      expect(result.didRun(isChanged)).toBe(true);
    }
  });

  it('test_mixed_expansion_returns', async () => {
    const values = g.node('TestMakeListNode', { value1: 0.1, value2: 0.2, value3: 0.3 });
    const mixed = g.node('TestMixedExpansionReturns', { input1: values.out(0) });
    const outDynamic = g.node('SaveImage', { images: mixed.out(0) });
    const outLiteral = g.node('SaveImage', { images: mixed.out(1) });
    const result = await run(g);
    const dynamic = result.getImages(outDynamic);
    expect(dynamic).toHaveLength(3);
    expect(allPixels(dynamic[0], 25)).toBe(true);
    expect(allPixels(dynamic[1], 51)).toBe(true);
    expect(allPixels(dynamic[2], 76)).toBe(true);
    const literal = result.getImages(outLiteral);
    expect(literal).toHaveLength(3);
    for (const img of literal) expect(allPixels(img, 255)).toBe(true);
  });

  it('test_mixed_lazy_results', async () => {
    const values = g.node('TestMakeListNode', { value1: 0.0, value2: 0.5, value3: 1.0 });
    const m = g.node('StubMask', { value: values.out(0), height: 512, width: 512, batch_size: 1 });
    const in1 = image(g, 'BLACK');
    const in2 = image(g, 'WHITE');
    const lazy = mix(g, in1, in2, m);
    const rebatch = g.node('RebatchImages', { images: lazy.out(0), batch_size: 3 });
    const out = save(g, rebatch);
    const result = await run(g);
    const images = result.getImages(out);
    expect(images).toHaveLength(3);
    expect(allPixels(images[0], 0)).toBe(true);
    expect(allPixels(images[1], 127)).toBe(true);
    expect(allPixels(images[2], 255)).toBe(true);
  });

  it('test_output_reuse', async () => {
    const in1 = image(g, 'BLACK');
    const out1 = save(g, in1);
    const out2 = save(g, in1);
    const result = await run(g);
    expect(result.getImages(out1)).toHaveLength(1);
    expect(result.getImages(out2)).toHaveLength(1);
  });

  it('test_execution_block_list_output', async () => {
    const in1 = image(g, 'BLACK');
    const in2 = image(g, 'WHITE');
    const in3 = image(g, 'BLACK');
    const images = g.node('TestMakeListNode', { value1: in1.out(0), value2: in2.out(0), value3: in3.out(0) });
    const int1 = g.node('StubInt', { value: 1 });
    const int2 = g.node('StubInt', { value: 2 });
    const int3 = g.node('StubInt', { value: 3 });
    const ints = g.node('TestMakeListNode', {
      value1: int1.out(0),
      value2: int2.out(0),
      value3: int3.out(0),
    });
    const compare = g.node('TestIntConditions', { a: ints.out(0), b: 2, operation: '==' });
    const blocker = g.node('TestExecutionBlocker', {
      input: images.out(0),
      block: compare.out(0),
      verbose: false,
    });
    const list = g.node('TestMakeListNode', { value1: blocker.out(0) });
    const out = preview(g, list);
    const result = await run(g);
    expect(result.didRun(out)).toBe(true);
    const outputs = result.getImages(out);
    expect(outputs).toHaveLength(2);
    for (const img of outputs) expect(allPixels(img, 0)).toBe(true);
  });

  // ---- parallel and async timing

  it('test_parallel_sleep_nodes', async () => {
    await runWarmup(client);
    const in1 = image(g, 'BLACK');
    const sleeps = [2.9, 3.1, 3.0].map((seconds) =>
      g.node('TestSleep', { value: in1.out(0), seconds: float(seconds) }),
    );
    for (const sleep of sleeps) preview(g, sleep);
    const started = Date.now();
    const result = await run(g);
    const elapsed = (Date.now() - started) / 1000;
    if (!skipTiming) expect(elapsed).toBeLessThan(8.9);
    for (const sleep of sleeps) expect(result.didRun(sleep)).toBe(true);
  }, 60_000);

  it('test_parallel_sleep_expansion', async () => {
    await runWarmup(client);
    const in1 = image(g, 'BLACK');
    const in2 = image(g, 'WHITE');
    const in3 = image(g, 'WHITE');
    const sleep = g.node('TestParallelSleep', {
      image1: in1.out(0),
      image2: in2.out(0),
      image3: in3.out(0),
      sleep1: float(4.8),
      sleep2: float(4.9),
      sleep3: float(5.0),
    });
    const out = save(g, sleep);
    const started = Date.now();
    const result = await run(g);
    const elapsed = (Date.now() - started) / 1000;
    if (!skipTiming) expect(elapsed).toBeLessThan(13.0);
    expect(result.didRun(sleep)).toBe(true);
    expect(meanPixel(result.getImages(out)[0])).toBe(170);
  }, 60_000);

  // ---- partial execution

  it('test_partial_execution_included_outputs', async () => {
    const in1 = image(g, 'BLACK');
    const in2 = image(g, 'WHITE');
    const out1 = save(g, in1);
    const out2 = save(g, in2);
    const result = await run(g, [out1.id]);
    expect(result.wasExecuted(in1)).toBe(true);
    expect(result.wasExecuted(out1)).toBe(true);
    expect(result.didRun(in2)).toBe(false);
    expect(result.didRun(out2)).toBe(false);
    expect(result.getImages(out1)).toHaveLength(1);
    expect(result.getImages(out2)).toHaveLength(0);
  });

  it('test_partial_execution_excluded_outputs', async () => {
    const in1 = image(g, 'BLACK');
    const in2 = image(g, 'WHITE');
    const in3 = image(g, 'NOISE');
    const out1 = save(g, in1);
    const out2 = save(g, in2);
    const out3 = save(g, in3);
    const result = await run(g, [out1.id, out3.id]);
    for (const node of [in1, in3, out1, out3]) expect(result.wasExecuted(node)).toBe(true);
    expect(result.didRun(in2)).toBe(false);
    expect(result.didRun(out2)).toBe(false);
  });

  it('test_partial_execution_dependencies', async () => {
    const in1 = image(g, 'BLACK');
    const withSocket = g.node('TestOutputNodeWithSocketOutput', { image: in1.out(0), value: 2.0 });
    const dependent = mix(g, withSocket, in1, stubMask(g, 0.5));
    const final = save(g, dependent);
    const result = await run(g, [final.id]);
    for (const node of [in1, withSocket, dependent, final]) expect(result.wasExecuted(node)).toBe(true);
  });

  it('test_partial_execution_with_lazy_nodes', async () => {
    const in1 = image(g, 'BLACK');
    const in2 = image(g, 'WHITE');
    const in3 = image(g, 'NOISE');
    const mask1 = stubMask(g, 0.0);
    const mask2 = stubMask(g, 0.5);
    const mix1 = mix(g, in1, in2, mask1);
    const mix2 = mix(g, in2, in3, mask2);
    const out1 = save(g, mix1);
    const out2 = save(g, mix2);
    const result = await run(g, [out1.id]);
    for (const node of [in1, mask1, mix1, out1]) expect(result.wasExecuted(node)).toBe(true);
    for (const node of [in2, in3, mask2, mix2, out2]) expect(result.didRun(node)).toBe(false);
  });

  it('test_partial_execution_multiple_output_nodes', async () => {
    const in1 = image(g, 'BLACK');
    const in2 = image(g, 'WHITE');
    const outputNode1 = g.node('TestOutputNodeWithSocketOutput', { image: in1.out(0), value: 1.5 });
    const outputNode2 = g.node('TestOutputNodeWithSocketOutput', { image: outputNode1.out(0), value: 2.0 });
    const save1 = save(g, outputNode1);
    const save2 = save(g, outputNode2);
    const save3 = save(g, in2);
    const result = await run(g, [save2.id]);
    for (const node of [in1, outputNode1, outputNode2, save2]) expect(result.wasExecuted(node)).toBe(true);
    for (const node of [in2, save1, save3]) expect(result.didRun(node)).toBe(false);
  });

  it('test_partial_execution_empty_list', async () => {
    const in1 = image(g, 'BLACK');
    save(g, in1);
    await expectHttpError(run(g, []));
  });

  // ---- jobs and history

  it('test_cached_outputs_in_job_without_client_id', async () => {
    const in1 = image(g, 'BLACK', 32, 32);
    const out = save(g, in1);
    await run(g);
    const prompt = g.finalize();
    for (const node of Object.values(prompt))
      if (node.class_type === 'SaveImage') node.inputs.filename_prefix = testName;
    const { prompt_id: promptId } = await client.queuePrompt(prompt, { clientId: null });
    let job: Record<string, unknown> | null = null;
    for (let i = 0; i < 100; i++) {
      job = await client.getJob(promptId);
      if (job && job.status !== 'pending' && job.status !== 'in_progress') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(job?.status).toBe('completed');
    expect(Object.keys(job?.outputs as object)).toContain(out.id);
  });

  /** Upstream's _create_history_item: always the same tiny graph, one more history entry. */
  async function createHistoryItem(): Promise<RunResult> {
    const h = new GraphBuilder('offset_test');
    const in1 = image(h, 'BLACK', 32, 32);
    save(h, in1);
    return client.run(h, { testName });
  }

  const historyOf = async (maxItems?: number | string, offset?: number | string) =>
    (await client.getAllHistory(maxItems, offset)).body as Record<string, unknown>;

  it('test_offset_returns_different_items_than_beginning_of_history', async () => {
    for (let i = 0; i < 5; i++) await createHistoryItem();
    const first = Object.keys(await historyOf(2, 0));
    const second = Object.keys(await historyOf(2, 2));
    expect(first.filter((id) => second.includes(id))).toEqual([]);
  });

  it('test_offset_beyond_history_length_returns_empty', async () => {
    await createHistoryItem();
    expect(await historyOf(undefined, 100)).toEqual({});
  });

  it('test_offset_at_exact_history_length_returns_empty', async () => {
    for (let i = 0; i < 3; i++) await createHistoryItem();
    const all = await historyOf();
    expect(await historyOf(undefined, Object.keys(all).length)).toEqual({});
  });

  it('test_offset_zero_equals_no_offset_parameter', async () => {
    await createHistoryItem();
    expect(await historyOf(undefined, 0)).toEqual(await historyOf());
  });

  it('test_offset_without_max_items_skips_from_beginning', async () => {
    for (let i = 0; i < 4; i++) await createHistoryItem();
    const all = Object.keys(await historyOf());
    expect(Object.keys(await historyOf(undefined, 2))).toHaveLength(all.length - 2);
  });

  it('test_offset_with_max_items_returns_correct_window', async () => {
    for (let i = 0; i < 6; i++) await createHistoryItem();
    expect(Object.keys(await historyOf(2, 1)).length).toBeLessThanOrEqual(2);
  });

  it('test_offset_near_end_returns_remaining_items_only', async () => {
    for (let i = 0; i < 3; i++) await createHistoryItem();
    const all = Object.keys(await historyOf());
    expect(Object.keys(await historyOf(5, all.length - 1)).length).toBeLessThanOrEqual(1);
  });

  it('test_history_api_rejects_non_integer_max_items', async () => {
    const answer = await client.getAllHistory('not-an-integer');
    expect(answer).toEqual({ status: 400, body: { error: 'max_items must be an integer' } });
  });

  it('test_history_api_rejects_non_integer_offset', async () => {
    const answer = await client.getAllHistory(undefined, 'not-an-integer');
    expect(answer).toEqual({ status: 400, body: { error: 'offset must be an integer' } });
  });

  it('test_jobs_api_job_structure', async () => {
    await createHistoryItem();
    const { jobs } = (await client.getJobs({ status: 'completed', limit: 1 })).body as { jobs: object[] };
    expect(jobs.length).toBeGreaterThan(0);
    for (const key of ['id', 'status', 'create_time', 'outputs_count', 'preview_output'])
      expect(jobs[0]).toHaveProperty(key);
  });

  it('test_jobs_api_preview_output_structure', async () => {
    await createHistoryItem();
    const { jobs } = (await client.getJobs({ status: 'completed', limit: 1 })).body as {
      jobs: { preview_output?: object }[];
    };
    const preview = jobs[0].preview_output;
    expect(preview).toBeDefined();
    for (const key of ['filename', 'nodeId', 'mediaType']) expect(preview).toHaveProperty(key);
  });

  it('test_jobs_api_pagination', async () => {
    for (let i = 0; i < 5; i++) await createHistoryItem();
    const page1 = ((await client.getJobs({ limit: 2, offset: 0 })).body as { jobs: { id: string }[] }).jobs;
    const page2 = ((await client.getJobs({ limit: 2, offset: 2 })).body as { jobs: { id: string }[] }).jobs;
    expect(page1.length).toBeLessThanOrEqual(2);
    expect(page2.length).toBeLessThanOrEqual(2);
    const ids1 = page1.map((j) => j.id);
    expect(page2.filter((j) => ids1.includes(j.id))).toEqual([]);
  });

  it('test_jobs_api_sorting', async () => {
    for (let i = 0; i < 3; i++) await createHistoryItem();
    const times = async (order: string) =>
      ((await client.getJobs({ sort_order: order })).body as { jobs: { create_time?: number }[] }).jobs
        .map((j) => j.create_time)
        .filter((t): t is number => Boolean(t));
    const desc = await times('desc');
    const asc = await times('asc');
    expect(desc.length).toBeGreaterThanOrEqual(2);
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
  });

  it('test_jobs_api_status_filter', async () => {
    await createHistoryItem();
    const completed = ((await client.getJobs({ status: 'completed' })).body as { jobs: { status: string }[] })
      .jobs;
    expect(completed.length).toBeGreaterThan(0);
    expect(completed.every((j) => j.status === 'completed')).toBe(true);
    const pending = ((await client.getJobs({ status: 'pending' })).body as { jobs: { status: string }[] })
      .jobs;
    expect(pending.every((j) => j.status === 'pending')).toBe(true);
  });

  it('test_get_job_by_id', async () => {
    const result = await createHistoryItem();
    const job = await client.getJob(result.promptId);
    expect(job).not.toBeNull();
    expect(job?.id).toBe(result.promptId);
    expect(job).toHaveProperty('outputs');
  });

  it('test_get_job_not_found', async () => {
    expect(await client.getJob('nonexistent-job-id')).toBeNull();
  });
});
