import { GraphBuilder, type Expansion } from '@easel/core';
import { ComfyClient, startTestingServer, type TestingServer } from './testing/comfy-client.js';

// Bad input to the prompt routes: every case gets a 4xx with a JSON error in ComfyUI's shape (or
// ComfyUI's own validation result), never a 5xx, a crash, a hang or a polluted prototype; the
// server keeps answering and running prompts throughout.

type Answer = { status: number; body: any };

describe('bad input to the prompt routes (end to end)', () => {
  let testing: TestingServer;
  let client: ComfyClient;

  beforeAll(async () => {
    testing = await startTestingServer(['--max-upload-size', '2']);
    client = await ComfyClient.connect(testing.server.url);
  }, 90_000);
  afterAll(async () => {
    client?.close();
    await testing?.stop();
  });

  const post = (path: string, body: string): Promise<Answer> => client.request('POST', path, body);
  const submit = (prompt: unknown): Promise<Answer> =>
    client.request('POST', '/prompt', JSON.stringify({ prompt, client_id: client.clientId }));

  /** The server still validates, runs and answers. */
  async function stillServing(): Promise<void> {
    const g = new GraphBuilder(`alive${Date.now()}_${Math.random()}`.replace('.', ''));
    const image = g.node('StubImage', { content: 'WHITE', height: 4, width: 4, batch_size: 1 });
    const out = g.node('PreviewImage', { images: image.out(0) });
    const result = await client.run(g);
    expect(result.getImages(out)).toHaveLength(1);
  }

  const errorType = (answer: Answer) => answer.body?.error?.type as string | undefined;
  const nodeErrorTypes = (answer: Answer) =>
    Object.values((answer.body?.node_errors ?? {}) as Record<string, { errors: { type: string }[] }>).flatMap(
      (n) => n.errors.map((e) => e.type),
    );

  it('refuses malformed JSON and bodies that are not objects', async () => {
    for (const body of ['{"prompt": ', '{prompt: 1}', 'null', '[1, 2]', '"text"', '42', '\u0000']) {
      const answer = await post('/prompt', body);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toEqual(
        expect.objectContaining({ type: expect.any(String), message: expect.any(String) }),
      );
      expect(answer.body.node_errors).toEqual({});
    }
    expect(errorType(await post('/prompt', '{}'))).toBe('no_prompt');
    expect(errorType(await post('/prompt', '{"prompt": [1]}'))).toBe('invalid_prompt');
    expect(errorType(await post('/prompt', '{"prompt": "x"}'))).toBe('invalid_prompt');
    // a "__proto__" key is data, not a way to reach the body's prototype
    expect(errorType(await post('/prompt', '{"__proto__": {"prompt": {}}}'))).toBe('no_prompt');
    await stillServing();
  });

  it('refuses malformed bodies on the queue, history and control routes with 400', async () => {
    for (const path of ['/queue', '/history', '/free', '/interrupt']) {
      const answer = await post(path, '[1, 2]');
      expect(answer.status).toBe(400);
    }
    expect((await post('/api/jobs/cancel', '{oops')).status).toBe(400);
    expect((await post('/queue', '{"delete": "not a list", "clear": 0}')).status).toBe(200);
    await stillServing();
  });

  it("gives ComfyUI's validation errors for wrong types, unknown classes and bad links", async () => {
    const image = {
      class_type: 'StubImage',
      inputs: { content: 'BLACK', height: 8, width: 8, batch_size: 1 },
    };
    const cases: [Expansion | Record<string, unknown>, string, 'error' | 'node'][] = [
      [
        {
          '1': { ...image, inputs: { ...image.inputs, height: 'abc' } },
          '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
        },
        'invalid_input_type',
        'node',
      ],
      [
        {
          '1': { ...image, inputs: { ...image.inputs, height: [1, 2, 3] } },
          '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
        },
        'bad_linked_input',
        'node',
      ],
      [
        {
          '1': { ...image, inputs: { ...image.inputs, content: 'PURPLE' } },
          '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
        },
        'value_not_in_list',
        'node',
      ],
      [{ '1': { class_type: 'NoSuchNode', inputs: {} } }, 'missing_node_type', 'error'],
      [{ '1': { class_type: 42, inputs: {} } }, 'missing_node_type', 'error'],
      [{ '1': { inputs: {} } }, 'missing_node_type', 'error'],
      [{ '1': 'not a node' }, 'missing_node_type', 'error'],
      [
        { '2': { class_type: 'PreviewImage', inputs: { images: ['99', 0] } } },
        'exception_during_validation',
        'node',
      ],
      [
        { '1': image, '2': { class_type: 'PreviewImage', inputs: { images: ['1', 7] } } },
        'exception_during_validation',
        'node',
      ],
      [
        { '1': image, '2': { class_type: 'PreviewImage', inputs: { images: ['1', 'zero'] } } },
        'exception_during_validation',
        'node',
      ],
      [
        { '1': image, '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0, 0] } } },
        'bad_linked_input',
        'node',
      ],
      [{ '1': image, '2': { class_type: 'PreviewImage', inputs: {} } }, 'required_input_missing', 'node'],
      [
        {
          '1': { class_type: 'StubInt', inputs: { value: 1 } },
          '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
        },
        'return_type_mismatch',
        'node',
      ],
      [{ '1': { class_type: 'StubInt', inputs: { value: 1 } } }, 'prompt_no_outputs', 'error'],
    ];
    for (const [prompt, type, where] of cases) {
      const answer = await submit(prompt);
      expect({ prompt, status: answer.status }).toEqual({ prompt, status: 400 });
      if (where === 'error') expect(errorType(answer)).toBe(type);
      else
        expect({ prompt, types: nodeErrorTypes(answer) }).toEqual({
          prompt,
          types: expect.arrayContaining([type]),
        });
    }
    await stillServing();
  });

  it('reports a dependency cycle on every node of the cycle', async () => {
    const answer = await submit({
      a: { class_type: 'TestIntMathOperation', inputs: { a: ['c', 0], b: 1, operation: 'add' } },
      b: { class_type: 'TestIntMathOperation', inputs: { a: ['a', 0], b: 1, operation: 'add' } },
      c: { class_type: 'TestIntMathOperation', inputs: { a: ['b', 0], b: 1, operation: 'add' } },
      d: { class_type: 'StubImage', inputs: { content: 'BLACK', height: 4, width: 4, batch_size: ['c', 0] } },
      out: { class_type: 'PreviewImage', inputs: { images: ['d', 0] } },
    });
    expect(answer.status).toBe(400);
    for (const id of ['a', 'b', 'c'])
      expect(answer.body.node_errors[id].errors.map((e: { type: string }) => e.type)).toContain(
        'dependency_cycle',
      );
    await stillServing();
  });

  it('validates and runs a 10,000-node chain', async () => {
    const prompt: Record<string, unknown> = {
      n0: { class_type: 'TestIntMathOperation', inputs: { a: 0, b: 1, operation: 'add' } },
    };
    const length = 10_000;
    for (let i = 1; i < length; i++)
      prompt[`n${i}`] = {
        class_type: 'TestIntMathOperation',
        inputs: { a: [`n${i - 1}`, 0], b: 1, operation: 'add' },
      };
    // 10000 - 9998 = 2 images
    prompt.count = {
      class_type: 'TestIntMathOperation',
      inputs: { a: [`n${length - 1}`, 0], b: length - 2, operation: 'subtract' },
    };
    prompt.image = {
      class_type: 'StubImage',
      inputs: { content: 'WHITE', height: 4, width: 4, batch_size: ['count', 0] },
    };
    prompt.out = { class_type: 'PreviewImage', inputs: { images: ['image', 0] } };
    const result = await client.run(prompt as Expansion);
    expect(result.runs.size).toBe(length + 3);
    expect(result.getImages('out')).toHaveLength(2);
  }, 120_000);

  it('refuses a 10,000-node chain that closes into a cycle, quickly', async () => {
    const prompt: Record<string, unknown> = {};
    const length = 10_000;
    for (let i = 0; i < length; i++)
      prompt[`n${i}`] = {
        class_type: 'TestIntMathOperation',
        inputs: { a: [`n${(i + length - 1) % length}`, 0], b: 1, operation: 'add' },
      };
    prompt.image = {
      class_type: 'StubImage',
      inputs: { content: 'WHITE', height: 4, width: 4, batch_size: ['n0', 0] },
    };
    prompt.out = { class_type: 'PreviewImage', inputs: { images: ['image', 0] } };
    const answer = await submit(prompt);
    expect(answer.status).toBe(400);
    expect(Object.keys(answer.body.node_errors)).toHaveLength(length);
    await stillServing();
  }, 120_000);

  it('refuses deeply nested values, and takes moderately nested ones', async () => {
    const deep = `{"prompt": {"1": {"class_type": "StubStringOutput", "inputs": {"value": ${'['.repeat(100_000)}${']'.repeat(100_000)}}}}}`;
    const answer = await post('/prompt', deep);
    expect(answer.status).toBe(400);
    expect(errorType(answer)).toBe('invalid_prompt');

    let nested: unknown = 'leaf';
    for (let i = 0; i < 200; i++) nested = { deeper: [nested], n: i };
    const moderate = await submit({
      '1': {
        class_type: 'StubImage',
        inputs: { content: 'BLACK', height: 4, width: 4, batch_size: 1, extra: nested },
      },
      '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
    });
    expect(moderate.status).toBe(200);
    await stillServing();
  });

  it('treats __proto__, constructor and prototype as ordinary node ids and input names', async () => {
    const body =
      '{"client_id": "' +
      client.clientId +
      '", "prompt": {' +
      '"__proto__": {"class_type": "StubImage", "inputs": {"content": "WHITE", "height": 4, "width": 4, "batch_size": 1, "__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}},' +
      '"constructor": {"class_type": "TestVariadicAverage", "inputs": {"input1": ["__proto__", 0], "input2": ["__proto__", 0]}},' +
      '"prototype": {"class_type": "PreviewImage", "inputs": {"images": ["constructor", 0]}}}}';
    const answer = await post('/prompt', body);
    expect(answer.status).toBe(200);
    const promptId = answer.body.prompt_id as string;
    await client.waitFor(
      (m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === promptId,
    );
    const history = (await client.getHistory(promptId))[promptId] as any;
    expect(history.status.status_str).toBe('success');
    expect(Object.keys(history.outputs)).toEqual(['prototype']);
    expect(Object.keys(history.prompt[2])).toEqual(['__proto__', 'constructor', 'prototype']);
    // the server's objects were not polluted: an ordinary prompt still has no "polluted" anywhere
    const fresh = await client.request('GET', '/queue');
    expect(JSON.stringify(fresh.body)).not.toContain('polluted');
    expect((await client.request('GET', '/object_info/StubInt')).status).toBe(200);
    await stillServing();
  });

  it('answers 413 to a body over --max-upload-size and keeps serving', async () => {
    const huge = JSON.stringify({ prompt: {}, padding: 'x'.repeat(3 * 1024 * 1024) });
    const answer = await post('/prompt', huge);
    expect(answer.status).toBe(413);
    await stillServing();
  });
});
