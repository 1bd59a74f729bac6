import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder, type Expansion } from '@easel/core';
import {
  ComfyClient,
  float,
  startTestingServer,
  startTestingServerIn,
  type TestingServer,
} from './testing/comfy-client.js';

// The queue and history survive the process: kill -9 the server while a prompt runs and others
// wait, start it again on the same base directory, and nothing is lost.

let counter = 0;
function imageGraph(): Expansion {
  const g = new GraphBuilder(`r${++counter}_`);
  const image = g.node('StubImage', { content: 'WHITE', height: 8, width: 8 + counter, batch_size: 1 });
  g.node('SaveImage', { images: image.out(0), filename_prefix: 'restart' });
  return g.finalize();
}

type HistoryEntry = {
  status: { status_str: string; completed: boolean; messages: [string, Record<string, unknown>][] };
  outputs: Record<string, unknown>;
};

async function historyEntry(client: ComfyClient, promptId: string): Promise<HistoryEntry | undefined> {
  return (await client.getHistory(promptId))[promptId] as HistoryEntry | undefined;
}

async function waitForHistory(client: ComfyClient, promptId: string): Promise<HistoryEntry> {
  for (let i = 0; i < 300; i++) {
    const entry = await historyEntry(client, promptId);
    if (entry) return entry;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`prompt ${promptId} never reached history`);
}

describe('queue and history across a kill and restart (end to end)', () => {
  let first: TestingServer | undefined;
  let second: TestingServer | undefined;

  afterAll(async () => {
    if (second) await second.stop();
    else await first?.stop();
  });

  it('keeps history and pending prompts, runs them, and records the killed prompt as failed', async () => {
    first = await startTestingServer();
    const client = await ComfyClient.connect(first.server.url);

    const done = await client.run(imageGraph());
    const g = new GraphBuilder(`r${++counter}_`);
    const image = g.node('StubImage', { content: 'BLACK', height: 8, width: 8, batch_size: 1 });
    const sleep = g.node('TestSleep', { value: image.out(0), seconds: float(120) });
    g.node('PreviewImage', { images: sleep.out(0) });
    const { prompt_id: running } = await client.queuePrompt(g.finalize());
    await client.waitFor((m) => m.type === 'executing' && m.data.node === sleep.id);
    const waiting1 = await client.queuePrompt(imageGraph());
    const waiting2 = await client.queuePrompt(imageGraph(), { extra: { front: true } });
    client.close();

    const killed = new Promise((resolve) => first?.server.process.once('exit', resolve));
    first.server.process.kill('SIGKILL');
    await killed;
    expect(existsSync(join(first.base, 'user', 'easel.db'))).toBe(true);

    second = await startTestingServerIn(first.base);
    const after = await ComfyClient.connect(second.server.url);

    // what finished before the kill is still there
    expect((await historyEntry(after, done.promptId))?.status.status_str).toBe('success');

    // the prompt that was running is in history as failed, saying why
    const lost = await waitForHistory(after, running);
    expect(lost.status).toMatchObject({ status_str: 'error', completed: false });
    const error = lost.status.messages.find(([type]) => type === 'execution_error')?.[1];
    expect(String(error?.exception_message)).toContain('The server stopped while this prompt was running');
    expect((await after.getJob(running))?.status).toBe('failed');

    // the waiting prompts run after the restart, front one first
    const entry1 = await waitForHistory(after, waiting1.prompt_id);
    const entry2 = await waitForHistory(after, waiting2.prompt_id);
    expect(entry1.status.status_str).toBe('success');
    expect(entry2.status.status_str).toBe('success');
    const order = Object.keys((await after.getAllHistory()).body as object);
    expect(order.indexOf(waiting2.prompt_id)).toBeLessThan(order.indexOf(waiting1.prompt_id));

    // the priority counter goes on where the queue left off
    const next = await after.queuePrompt(imageGraph());
    expect(next.number).toBeGreaterThan(waiting1.number);
    await waitForHistory(after, next.prompt_id);
    after.close();
  }, 120_000);
});
