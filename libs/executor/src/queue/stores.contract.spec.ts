import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryEntry, HistoryStore } from './history-store.js';
import { MemoryHistoryStore } from './memory-history-store.js';
import { MemoryPromptQueue } from './memory-prompt-queue.js';
import type { PromptQueue, QueueItem } from './prompt-queue.js';
import { SqliteHistoryStore, SqlitePromptQueue, SqliteStore } from './sqlite-store.js';

/** One driver: opens a queue and history; `reopen` opens them again as a restarted process would. */
interface Driver {
  name: string;
  durable: boolean;
  open(maxHistory?: number): { queue: PromptQueue; history: HistoryStore; close(): Promise<void> };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'easel-stores-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

let dbCount = 0;
const drivers: Driver[] = [
  {
    name: 'memory',
    durable: false,
    open: (maxHistory) => {
      const queue = new MemoryPromptQueue();
      const history = new MemoryHistoryStore(maxHistory);
      return { queue, history, close: () => queue.close() };
    },
  },
  {
    name: 'sqlite',
    durable: true,
    open: (maxHistory) => {
      const store = new SqliteStore(join(dir, `db-${++dbCount}.sqlite`));
      const queue = new SqlitePromptQueue(store);
      const history = new SqliteHistoryStore(store, maxHistory);
      return {
        queue,
        history,
        close: async () => {
          await queue.close();
          store.close();
        },
      };
    },
  },
];

const item = (promptId: string, number: number, extra: Partial<QueueItem> = {}): QueueItem => ({
  number,
  promptId,
  prompt: { '1': { class_type: 'SaveImage', inputs: { filename_prefix: promptId } } },
  extraData: { client_id: 'c1', create_time: 1700000000000 + number },
  outputs: ['1'],
  ...extra,
});

const entry = (promptId: string, ok = true): HistoryEntry => ({
  prompt: [0, promptId, {}, {}, ['1']],
  outputs: { '1': { images: [{ filename: `${promptId}.png`, subfolder: '', type: 'output' }] } },
  status: { status_str: ok ? 'success' : 'error', completed: ok, messages: [] },
  meta: {},
});

const ids = (items: QueueItem[]) => items.map((i) => i.promptId);
const never = new AbortController().signal;

describe.each(drivers)('queue and history contract: $name', (driver) => {
  let opened: ReturnType<Driver['open']>;
  beforeEach(() => {
    opened = driver.open();
  });
  afterEach(() => opened.close());

  it('hands out items by number, then prompt id, and keeps the running one until finish', async () => {
    const { queue } = opened;
    await queue.put(item('b', 2));
    await queue.put(item('c', 1));
    await queue.put(item('a', 2));
    await queue.put(item('front', -3));
    expect(ids(await queue.pending())).toEqual(['front', 'c', 'a', 'b']);
    expect(await queue.remaining()).toBe(4);

    const first = await queue.take(never);
    expect(first).toEqual(item('front', -3));
    expect(ids(await queue.running())).toEqual(['front']);
    expect(ids(await queue.pending())).toEqual(['c', 'a', 'b']);
    expect(await queue.remaining()).toBe(4);

    await queue.finish('front');
    expect(await queue.running()).toEqual([]);
    expect(await queue.remaining()).toBe(3);
    expect(await queue.maxNumber()).toBe(2);
  });

  it('deletes and clears pending items only', async () => {
    const { queue } = opened;
    for (const [id, n] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['d', 4],
    ] as const)
      await queue.put(item(id, n));
    await queue.take(never);
    expect(await queue.delete(['a', 'c', 'unknown'])).toBe(1);
    expect(ids(await queue.pending())).toEqual(['b', 'd']);
    await queue.clear();
    expect(await queue.pending()).toEqual([]);
    expect(ids(await queue.running())).toEqual(['a']);
    expect(await queue.remaining()).toBe(1);
  });

  it('take waits for a put, and gives up when its signal aborts', async () => {
    const { queue } = opened;
    const waiting = queue.take(never);
    setTimeout(() => void queue.put(item('late', 1)), 20);
    expect((await waiting)?.promptId).toBe('late');

    const controller = new AbortController();
    const idle = queue.take(controller.signal);
    setTimeout(() => controller.abort(), 20);
    expect(await idle).toBeNull();
  });

  it('keeps secrets for the run but never lists them', async () => {
    const { queue } = opened;
    await queue.put(item('s', 1, { sensitive: { api_key_comfy_org: 'secret' } }));
    expect(JSON.stringify(await queue.pending())).not.toContain('secret');
    expect((await queue.take(never))?.sensitive).toEqual({ api_key_comfy_org: 'secret' });
  });

  it('keeps history in insertion order with ComfyUI window semantics', async () => {
    const { history } = opened;
    for (const id of ['h1', 'h2', 'h3', 'h4', 'h5']) await history.put(id, entry(id));
    const names = (list: [string, HistoryEntry][]) => list.map(([id]) => id);
    expect(names(await history.list())).toEqual(['h1', 'h2', 'h3', 'h4', 'h5']);
    expect(names(await history.list(2))).toEqual(['h4', 'h5']);
    expect(names(await history.list(2, 1))).toEqual(['h2', 'h3']);
    expect(names(await history.list(undefined, 3))).toEqual(['h4', 'h5']);
    expect(names(await history.list(2, -1))).toEqual(['h4', 'h5']);
    expect(names(await history.list(0))).toEqual([]);
    expect(await history.get('h3')).toEqual(entry('h3'));
    expect(await history.get('nope')).toBeUndefined();

    // a reused prompt id replaces the entry where it was
    await history.put('h2', entry('h2', false));
    expect(names(await history.list())).toEqual(['h1', 'h2', 'h3', 'h4', 'h5']);
    expect((await history.get('h2'))?.status.status_str).toBe('error');

    await history.delete(['h1', 'h4', 'unknown']);
    expect(names(await history.list())).toEqual(['h2', 'h3', 'h5']);
    expect(await history.size()).toBe(3);
    await history.clear();
    expect(await history.size()).toBe(0);
  });

  it('evicts the oldest entry once history is over its size, as ComfyUI does', async () => {
    const small = driver.open(3);
    try {
      for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) await small.history.put(id, entry(id));
      // ComfyUI evicts only when it already holds more than the maximum: max + 1 entries remain
      expect((await small.history.list()).map(([id]) => id)).toEqual(['c', 'd', 'e', 'f']);
    } finally {
      await small.close();
    }
  });
});

describe('sqlite driver across restarts', () => {
  const path = () => join(dir, `restart-${++dbCount}.sqlite`);

  it('keeps pending prompts and history, and hands back the prompt that was running once', async () => {
    const file = path();
    const first = new SqliteStore(file);
    const queue = new SqlitePromptQueue(first);
    const history = new SqliteHistoryStore(first);
    await queue.put(item('running', 1));
    await queue.put(item('waiting', 2, { sensitive: { auth_token_comfy_org: 'x' } }));
    await history.put('done', entry('done'));
    await queue.take(never);
    first.close();

    const second = new SqliteStore(file);
    const queue2 = new SqlitePromptQueue(second);
    const history2 = new SqliteHistoryStore(second);
    expect(ids(await queue2.takeInterrupted())).toEqual(['running']);
    expect(await queue2.takeInterrupted()).toEqual([]);
    expect(ids(await queue2.pending())).toEqual(['waiting']);
    // secrets are never written to disk
    expect((await queue2.take(never))?.sensitive).toBeUndefined();
    expect(await history2.get('done')).toEqual(entry('done'));
    second.close();
  });

  it('loses nothing when the process is killed while a prompt runs', async () => {
    const file = path();
    // a separate process queues three prompts, starts one, writes history, then is killed
    const script = `
      import { SqliteStore, SqlitePromptQueue, SqliteHistoryStore } from '@easel/executor';
      const store = new SqliteStore(${JSON.stringify(file)});
      const queue = new SqlitePromptQueue(store);
      const history = new SqliteHistoryStore(store);
      const item = (id, n) => ({ number: n, promptId: id, prompt: {}, extraData: { n }, outputs: ['1'] });
      await history.put('earlier', { prompt: [0, 'earlier', {}, {}, []], outputs: {}, status: { status_str: 'success', completed: true, messages: [] }, meta: {} });
      await queue.put(item('p1', 1));
      await queue.put(item('p2', 2));
      await queue.put(item('p3', 3));
      await queue.take(new AbortController().signal);
      process.stdout.write('ready\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    const store = new SqliteStore(file);
    const queue = new SqlitePromptQueue(store);
    const history = new SqliteHistoryStore(store);
    expect(ids(await queue.takeInterrupted())).toEqual(['p1']);
    expect(ids(await queue.pending())).toEqual(['p2', 'p3']);
    expect((await queue.pending())[0].extraData).toEqual({ n: 2 });
    expect((await history.list()).map(([id]) => id)).toEqual(['earlier']);
    store.close();
  });
});
