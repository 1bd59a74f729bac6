import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { GraphBuilder, type Expansion } from '@easel/core';
import WebSocket from 'ws';
import {
  ComfyClient,
  float,
  startTestingServer,
  type Message,
  type TestingServer,
} from './testing/comfy-client.js';

// The queue, history, jobs and WebSocket routes against the real server: ComfyUI's message order
// (compared with traces recorded from ComfyUI 0.24), routing by client id, queue priorities and
// control, and ports of test_progress_isolation.py, test_public_api.py and
// test_websocket_reconnect.py.

const samples = new URL('../../../tools/fixtures/comfyui-0.24-samples/', import.meta.url);
const trace = (name: string) =>
  (
    JSON.parse(readFileSync(new URL(name, samples), 'utf8')) as {
      trace: { kind: string; msg?: Message }[];
    }
  ).trace
    .filter((entry) => entry.kind === 'text')
    .map((entry) => entry.msg as Message);

/** Message types in order, without progress_state (Easel coalesces those, see docs/compatibility.md). */
const shape = (messages: Message[]) =>
  messages
    .filter((m) => m.type !== 'progress_state')
    .map((m) => (m.type === 'executing' && m.data.node === null ? 'executing:null' : m.type));

let idCounter = 0;
/** A small graph that saves one image: like the recorded EmptyImage -> SaveImage trace. */
function imageGraph(size = 8): Expansion {
  const g = new GraphBuilder(`q${++idCounter}_`);
  const image = g.node('StubImage', { content: 'BLACK', height: size, width: size, batch_size: 1 });
  g.node('SaveImage', { images: image.out(0), filename_prefix: 'queue_test' });
  return g.finalize();
}

/** A prompt that runs until interrupted (unique, so never served from the cache). */
function sleepGraph(seconds = 60): { prompt: Expansion; sleepId: string } {
  const g = new GraphBuilder(`s${++idCounter}_`);
  const image = g.node('StubImage', { content: 'BLACK', height: 8 + idCounter, width: 8, batch_size: 1 });
  const sleep = g.node('TestSleep', { value: image.out(0), seconds: float(seconds) });
  g.node('PreviewImage', { images: sleep.out(0) });
  return { prompt: g.finalize(), sleepId: sleep.id };
}

/** Consecutive `executing` messages count once: graphs differ in how many nodes run. */
const collapsed = (types: string[]) =>
  types.filter((t, i) => !(t === 'executing' && types[i - 1] === 'executing'));

describe('queue, history and WebSocket events (end to end)', () => {
  let testing: TestingServer;
  let client: ComfyClient;
  const url = () => testing.server.url;

  beforeAll(async () => {
    testing = await startTestingServer();
    client = await ComfyClient.connect(testing.server.url);
  }, 90_000);
  afterAll(async () => {
    client?.close();
    await testing?.stop();
  });

  /** Waits until the prompt's final `executing {node: null}`. */
  const finished = (promptId: string, on = client) =>
    on.waitFor((m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === promptId);

  const messagesOf = (promptId: string, on = client) =>
    on.messages.filter((m) => m.data?.prompt_id === promptId);

  describe('WebSocket connection', () => {
    it('sends status with a fresh 32-hex sid, or the clientId it was given', async () => {
      const anonymous = new WebSocket(`${url().replace('http', 'ws')}/ws`);
      const [first] = await nextMessages(anonymous, 1);
      expect(first.type).toBe('status');
      expect(first.data.sid).toMatch(/^[0-9a-f]{32}$/);
      expect(first.data.status).toEqual({ exec_info: { queue_remaining: 0 } });
      anonymous.close();

      const named = await ComfyClient.connect(url(), 'my-client');
      await named.waitFor((m) => m.type === 'status');
      expect(named.messages[0]).toEqual({
        type: 'status',
        data: { status: { exec_info: { queue_remaining: 0 } }, sid: 'my-client' },
      });
      named.close();
    });

    it('also answers at /api/ws', async () => {
      const socket = new WebSocket(`${url().replace('http', 'ws')}/api/ws?clientId=api-prefixed`);
      const [first] = await nextMessages(socket, 1);
      expect(first.data.sid).toBe('api-prefixed');
      socket.close();
    });

    it('exchanges feature flags on the first JSON message only', async () => {
      const socket = new WebSocket(`${url().replace('http', 'ws')}/ws`);
      await nextMessages(socket, 1);
      socket.send('not json'); // ignored, and does not count as the first message
      socket.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }));
      const [reply] = await nextMessages(socket, 1);
      expect(reply.type).toBe('feature_flags');
      expect(reply.data).toMatchObject({ supports_preview_metadata: true, max_upload_size: 104857600 });
      socket.send(JSON.stringify({ type: 'feature_flags', data: {} }));
      expect(await nextMessages(socket, 1, 300)).toEqual([]);
      socket.close();
    });

    // port of tests/execution/test_websocket_reconnect.py
    it('test_reconnect_retires_stale_socket_and_keeps_replacement', async () => {
      const address = `${url().replace('http', 'ws')}/ws?clientId=reconnecting-client`;
      const ws1 = new WebSocket(address);
      expect((await nextMessages(ws1, 1))[0].type).toBe('status');
      const closed = new Promise<void>((resolve) => ws1.once('close', () => resolve()));
      const ws2 = new WebSocket(address);
      expect((await nextMessages(ws2, 1))[0].type).toBe('status');
      await closed;
      expect(ws1.readyState).toBe(WebSocket.CLOSED);
      ws2.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }));
      const [reply] = await nextMessages(ws2, 1);
      expect(reply.type).toBe('feature_flags');
      expect(reply.data.supports_preview_metadata).toBe(true);
      ws2.close();
    });
  });

  describe('messages of a prompt', () => {
    it("follow ComfyUI's recorded order for a run, and for a fully cached re-run", async () => {
      const prompt = imageGraph(64);
      const start = client.messages.length;
      const { prompt_id: first } = await client.queuePrompt(prompt);
      await finished(first);
      const fresh = client.messages
        .slice(start)
        .filter((m) => m.type === 'status' || m.data?.prompt_id === first);
      expect(shape(fresh)).toEqual(shape(trace('ws-trace-emptyimage.json').slice(1)));

      const again = client.messages.length;
      const { prompt_id: second } = await client.queuePrompt(prompt);
      await finished(second);
      const cached = client.messages
        .slice(again)
        .filter((m) => m.type === 'status' || m.data?.prompt_id === second);
      expect(shape(cached)).toEqual(shape(trace('ws-trace-emptyimage-cached.json').slice(1)));
      expect(cached.find((m) => m.type === 'execution_cached')?.data.nodes).toEqual(Object.keys(prompt));
    });

    it('report progress_state for every node that ran, ending with all of them finished', async () => {
      const { prompt_id: promptId } = await client.queuePrompt(imageGraph(12));
      await finished(promptId);
      const states = messagesOf(promptId).filter((m) => m.type === 'progress_state');
      expect(states.length).toBeGreaterThan(0);
      const last = states.at(-1)?.data.nodes as Record<string, { state: string; node_id: string }>;
      expect(Object.values(last).map((n) => n.state)).toEqual(['finished', 'finished']);
      for (const [id, node] of Object.entries(last)) {
        expect(node).toMatchObject({
          node_id: id,
          prompt_id: promptId,
          display_node_id: id,
          parent_node_id: null,
        });
      }
    });

    it('record the error in history and send execution_error with the failing node', async () => {
      const g = new GraphBuilder(`err${++idCounter}_`);
      const image = g.node('StubImage', { content: 'BLACK', height: 8, width: 8, batch_size: 1 });
      const failing = g.node('TestSyncError', { value: image.out(0) });
      g.node('PreviewImage', { images: failing.out(0) });
      const start = client.messages.length;
      const { prompt_id: promptId } = await client.queuePrompt(g.finalize());
      await finished(promptId);
      const messages = client.messages
        .slice(start)
        .filter((m) => m.type === 'status' || m.data?.prompt_id === promptId);
      expect(collapsed(shape(messages))).toEqual(
        collapsed(shape(trace('ws-trace-execution-error.json').slice(1))),
      );
      const error = messages.find((m) => m.type === 'execution_error')?.data;
      expect(error).toMatchObject({
        prompt_id: promptId,
        node_id: failing.id,
        node_type: 'TestSyncError',
        executed: [image.id],
        exception_type: 'RuntimeError',
        current_inputs: { value: [expect.stringContaining('Tensor')] },
      });
      expect(error?.exception_message).toMatch(/\n$/);
      const history = (await client.getHistory(promptId))[promptId] as any;
      expect(history.status.status_str).toBe('error');
      expect(history.status.completed).toBe(false);
      expect(history.status.messages.map((m: [string]) => m[0])).toEqual([
        'execution_start',
        'execution_cached',
        'execution_error',
      ]);
      const job = await client.getJob(promptId);
      expect(job?.status).toBe('failed');
      expect(job?.execution_error).toMatchObject({ node_id: failing.id });
    });

    it('go to the submitting client only; progress is broadcast for prompts without a client', async () => {
      // port of tests/execution/test_progress_isolation.py
      const a = await ComfyClient.connect(url(), `client_a_${randomUUID()}`);
      const b = await ComfyClient.connect(url(), `client_b_${randomUUID()}`);
      const { prompt_id: fromA } = await a.queuePrompt(imageGraph(20));
      const { prompt_id: fromB } = await b.queuePrompt(imageGraph(24));
      await finished(fromA, a);
      await finished(fromB, b);
      const promptIds = (c: ComfyClient) => new Set(c.messages.map((m) => m.data?.prompt_id).filter(Boolean));
      expect([...promptIds(a)]).toEqual([fromA]);
      expect([...promptIds(b)]).toEqual([fromB]);
      expect(messagesOf(fromA, a).some((m) => m.type === 'progress_state')).toBe(true);

      // no client_id: lifecycle messages go nowhere, progress goes to everyone
      const { prompt_id: anonymous } = await a.queuePrompt(imageGraph(28), { clientId: null });
      await b.waitFor((m) => m.type === 'progress_state' && m.data.prompt_id === anonymous);
      await waitForHistory(a, anonymous);
      expect(messagesOf(anonymous, a).some((m) => m.type === 'execution_start')).toBe(false);
      // an empty client_id (the frontend before it has a sid) drops everything
      const { prompt_id: dropped } = await a.queuePrompt(imageGraph(30), { clientId: '' });
      await waitForHistory(a, dropped);
      expect(messagesOf(dropped, a)).toEqual([]);
      expect(messagesOf(dropped, b)).toEqual([]);
      a.close();
      b.close();
    });

    it('send progress from nodes that report it', async () => {
      // port of tests/execution/test_public_api.py
      for (const type of ['TestSyncProgressUpdate', 'TestAsyncProgressUpdate']) {
        const g = new GraphBuilder(`api${++idCounter}_`);
        const image = g.node('StubImage', { content: 'BLACK', height: 256, width: 256, batch_size: 1 });
        const progress = g.node(type, { value: image.out(0), sleep_seconds: float(0.3) });
        const out = g.node('SaveImage', { images: progress.out(0), filename_prefix: 'public_api' });
        const result = await client.run(g);
        expect(result.didRun(progress)).toBe(true);
        expect(result.didRun(out)).toBe(true);
        expect(result.getImages(out)).toHaveLength(1);
        expect(result.messages.some((m) => m.type === 'progress' && m.data.node === progress.id)).toBe(true);
      }
      // test_sync_and_async_progress_together
      const g = new GraphBuilder(`api${++idCounter}_`);
      const nodes = ['TestSyncProgressUpdate', 'TestAsyncProgressUpdate'].map((type, i) => {
        // a size of its own: the runs above must not serve these from the cache
        const image = g.node('StubImage', {
          content: i === 0 ? 'BLACK' : 'WHITE',
          height: 255,
          width: 255,
          batch_size: 1,
        });
        const progress = g.node(type, { value: image.out(0), sleep_seconds: float(0.3) });
        return [progress, g.node('SaveImage', { images: progress.out(0), filename_prefix: 'public_api' })];
      });
      const together = await client.run(g);
      for (const [progress, out] of nodes) {
        expect(together.didRun(progress)).toBe(true);
        expect(together.didRun(out)).toBe(true);
        expect(together.getImages(out)).toHaveLength(1);
      }
    });
  });

  describe('the queue', () => {
    it('orders by number, puts front prompts first, deletes and clears pending ones', async () => {
      const { prompt: blocker, sleepId } = sleepGraph();
      const { prompt_id: running } = await client.queuePrompt(blocker);
      await client.waitFor((m) => m.type === 'executing' && m.data.node === sleepId);

      const normal = await client.queuePrompt(imageGraph());
      const front = await client.queuePrompt(imageGraph(), { extra: { front: true } });
      const explicit = await client.queuePrompt(imageGraph(), { extra: { number: 2.5 } });
      expect(front.number).toBe(-(normal.number + 1));
      expect(explicit.number).toBe(2.5);

      const queue = (await client.request('GET', '/queue')).body as {
        queue_running: unknown[][];
        queue_pending: unknown[][];
      };
      expect(queue.queue_running.map((item) => item[1])).toEqual([running]);
      const pending = queue.queue_pending.sort((x, y) => (x[0] as number) - (y[0] as number));
      expect(pending.map((item) => item[1])).toEqual(
        [front, explicit, normal].sort((x, y) => x.number - y.number).map((p) => p.prompt_id),
      );
      expect(pending[0]).toHaveLength(5);
      expect((await client.request('GET', '/prompt')).body).toEqual({ exec_info: { queue_remaining: 4 } });
      const jobs = (await client.getJobs({ status: 'pending,in_progress' })).body as {
        jobs: { id: string; status: string }[];
      };
      expect(jobs.jobs.find((j) => j.id === running)?.status).toBe('in_progress');
      expect(jobs.jobs.filter((j) => j.status === 'pending')).toHaveLength(3);

      expect((await client.request('POST', '/queue', { delete: [front.prompt_id] })).status).toBe(200);
      let left = ((await client.request('GET', '/queue')).body as { queue_pending: unknown[][] })
        .queue_pending;
      expect(left.map((item) => item[1]).sort()).toEqual([explicit.prompt_id, normal.prompt_id].sort());
      await client.request('POST', '/queue', { clear: true });
      left = ((await client.request('GET', '/queue')).body as { queue_pending: unknown[][] }).queue_pending;
      expect(left).toEqual([]);

      // interrupting another prompt id does nothing; interrupting the running one ends it
      await client.request('POST', '/interrupt', { prompt_id: randomUUID() });
      expect(
        ((await client.request('GET', '/queue')).body as { queue_running: unknown[][] }).queue_running.map(
          (item) => item[1],
        ),
      ).toEqual([running]);
      await client.request('POST', '/interrupt', { prompt_id: running });
      await finished(running);
      const interrupted = messagesOf(running).find((m) => m.type === 'execution_interrupted');
      expect(interrupted?.data).toMatchObject({
        prompt_id: running,
        node_id: sleepId,
        node_type: 'TestSleep',
      });
      expect((await client.getJob(running))?.status).toBe('cancelled');
      const history = (await client.getHistory(running))[running] as any;
      expect(history.status).toMatchObject({ status_str: 'error', completed: false });
    }, 60_000);

    it('interrupts whatever runs without a prompt id, and an idle interrupt does not touch the next prompt', async () => {
      const { prompt: blocker, sleepId } = sleepGraph();
      const { prompt_id: running } = await client.queuePrompt(blocker);
      await client.waitFor((m) => m.type === 'executing' && m.data.node === sleepId);
      expect((await client.request('POST', '/interrupt')).status).toBe(200);
      await finished(running);
      expect(messagesOf(running).some((m) => m.type === 'execution_interrupted')).toBe(true);

      await client.request('POST', '/interrupt', {});
      const { prompt_id: next } = await client.queuePrompt(imageGraph(9));
      await finished(next);
      expect(messagesOf(next).some((m) => m.type === 'execution_success')).toBe(true);
    }, 60_000);

    it('cancels jobs by id, pending or running, and validates the ids of a batch cancel', async () => {
      const { prompt: blocker, sleepId } = sleepGraph();
      const { prompt_id: running } = await client.queuePrompt(blocker);
      await client.waitFor((m) => m.type === 'executing' && m.data.node === sleepId);
      const { prompt_id: waiting } = await client.queuePrompt(imageGraph(10));
      expect((await client.request('POST', `/api/jobs/${waiting}/cancel`)).body).toEqual({ cancelled: true });
      expect((await client.request('POST', `/api/jobs/${randomUUID()}/cancel`)).body).toEqual({
        cancelled: false,
      });
      expect(await client.request('POST', '/api/jobs/cancel', { job_ids: ['nope', 5] })).toEqual({
        status: 400,
        body: { error: 'job_ids contains invalid id(s)', invalid_ids: ['nope', '5'] },
      });
      expect(await client.request('POST', '/api/jobs/cancel', { job_ids: 'x' })).toEqual({
        status: 400,
        body: { error: 'job_ids must be a list' },
      });
      expect((await client.request('POST', '/api/api/jobs/cancel', { job_ids: [running] })).body).toEqual({
        cancelled: true,
      });
      await finished(running);
      expect(await client.getJob(waiting)).toBeNull();
    }, 60_000);
  });

  describe('POST /prompt', () => {
    it('takes a client prompt_id, refuses a non-canonical one, and a reused id replaces its history entry', async () => {
      const promptId = randomUUID();
      const answer = await client.request('POST', '/prompt', {
        prompt: imageGraph(),
        prompt_id: promptId,
        client_id: client.clientId,
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ prompt_id: promptId, node_errors: {} });
      await finished(promptId);
      const bad = await client.request('POST', '/prompt', {
        prompt: imageGraph(),
        prompt_id: promptId.toUpperCase(),
      });
      expect(bad).toEqual({
        status: 400,
        body: {
          error: {
            type: 'invalid_prompt_id',
            message: 'prompt_id must be a valid UUID',
            details:
              'prompt_id must be a UUID string in canonical lowercase hyphenated form; omit it to let the server generate one',
            extra_info: {},
          },
          node_errors: {},
        },
      });
      const reused = imageGraph(11);
      await client.request('POST', '/prompt', {
        prompt: reused,
        prompt_id: promptId,
        client_id: client.clientId,
      });
      await client.waitFor(
        (m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === promptId,
        client.messages.findIndex(
          (m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === promptId,
        ) + 1,
      );
      const history = (await client.getAllHistory()).body as Record<string, any>;
      expect(Object.keys(history).filter((id) => id === promptId)).toHaveLength(1);
      expect(Object.keys(history[promptId].prompt[2])).toEqual(Object.keys(reused));
    });

    it('keeps extra_data, sets create_time and client_id, and never stores or lists secrets', async () => {
      const before = Date.now();
      const response = await fetch(`${url()}/prompt`, {
        method: 'POST',
        headers: { 'Comfy-Usage-Source': 'easel-tests' },
        body: JSON.stringify({
          prompt: imageGraph(13),
          client_id: client.clientId,
          extra_data: {
            extra_pnginfo: { workflow: { id: 'wf-1' } },
            create_time: 1,
            api_key_comfy_org: 'secret-key',
            auth_token_comfy_org: 'secret-token',
          },
        }),
      });
      const { prompt_id: promptId } = (await response.json()) as { prompt_id: string };
      await finished(promptId);
      const entry = (await client.getHistory(promptId))[promptId] as {
        prompt: [number, string, object, Record<string, unknown>, string[]];
      };
      const extra = entry.prompt[3];
      expect(extra).toMatchObject({
        extra_pnginfo: { workflow: { id: 'wf-1' } },
        client_id: client.clientId,
        comfy_usage_source: 'easel-tests',
      });
      expect(extra.create_time).toBeGreaterThanOrEqual(before);
      expect(JSON.stringify(entry)).not.toContain('secret');
      expect((await client.getJob(promptId))?.workflow_id).toBe('wf-1');
    });
  });

  describe('history', () => {
    it('answers {} for an unknown id, and deletes and clears entries', async () => {
      expect(await client.getHistory('unknown')).toEqual({});
      const { prompt_id: one } = await client.queuePrompt(imageGraph(15));
      await finished(one);
      const { prompt_id: two } = await client.queuePrompt(imageGraph(16));
      await finished(two);
      expect((await client.request('POST', '/history', { delete: [one] })).status).toBe(200);
      expect(await client.getHistory(one)).toEqual({});
      expect(Object.keys(await client.getHistory(two))).toEqual([two]);
      await client.request('POST', '/api/history', { clear: true });
      expect((await client.getAllHistory()).body).toEqual({});
    });
  });
});

async function waitForHistory(client: ComfyClient, promptId: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (Object.keys(await client.getHistory(promptId)).length > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`prompt ${promptId} did not finish`);
}

/** The next `count` JSON messages of a raw socket (fewer if `timeoutMs` passes). */
function nextMessages(socket: WebSocket, count: number, timeoutMs = 5000): Promise<Message[]> {
  return new Promise((resolve) => {
    const received: Message[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve(received);
    };
    const onMessage = (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      received.push(JSON.parse(data.toString('utf8')) as Message);
      if (received.length >= count) done();
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('message', onMessage);
  });
}
