import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GraphBuilder, JsonFloat, type Expansion } from '@easel/core';
import sharp from 'sharp';
import WebSocket from 'ws';
import { startServerProcess, type ServerProcess } from './server-process.js';

// A port of the client ComfyUI's own execution tests use (tests/execution/test_execution.py:
// ComfyClient and RunResult), driving the real server over HTTP and WebSocket.

const TESTING_PACK = fileURLToPath(new URL('../../../../node-packs/testing', import.meta.url));

/** `5.0` as a float literal: ComfyUI's validators tell `5` from `5.0`. */
export const float = (value: number) => new JsonFloat(value);

const FLOAT_MARK = '\u0000float:';

/** JSON text where `JsonFloat`s keep a decimal point (`5.0`), as Python's json.dumps writes them. */
export function stringifyWithFloats(value: unknown): string {
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key: string) {
    const raw = this[key];
    return raw instanceof JsonFloat ? FLOAT_MARK + String(raw.value) : raw;
  });
  return text.replace(/"\\u0000float:([^"]+)"/g, (_, number: string) =>
    number.includes('.') || number.includes('e') ? number : `${number}.0`,
  );
}

/** A non-2xx answer of the server. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}: ${JSON.stringify(body)}`);
  }
}

/** An `execution_error` message for the prompt. */
export class ExecutionError extends Error {
  constructor(readonly data: Record<string, unknown>) {
    super(`execution_error: ${JSON.stringify(data)}`);
  }
}

export interface DecodedImage {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

export interface Message {
  type: string;
  data: Record<string, unknown>;
}

/** What one `run` observed: nodes that executed, nodes served from cache, history outputs. */
export class RunResult {
  readonly runs = new Set<string>();
  readonly cached = new Set<string>();
  outputs: Record<string, Record<string, unknown>> = {};
  readonly images = new Map<string, DecodedImage[]>();
  messages: Message[] = [];

  constructor(readonly promptId: string) {}

  didRun(node: string | { id: string }): boolean {
    return this.runs.has(idOf(node));
  }

  wasCached(node: string | { id: string }): boolean {
    return this.cached.has(idOf(node));
  }

  wasExecuted(node: string | { id: string }): boolean {
    return this.didRun(node) || this.wasCached(node);
  }

  getOutput(node: string | { id: string }): Record<string, unknown> | undefined {
    return this.outputs[idOf(node)];
  }

  getImages(node: string | { id: string }): DecodedImage[] {
    return this.images.get(idOf(node)) ?? [];
  }
}

const idOf = (node: string | { id: string }) => (typeof node === 'string' ? node : node.id);

export interface RunOptions {
  partialExecutionTargets?: string[];
  /** SaveImage nodes get it as filename_prefix, as upstream's client does. */
  testName?: string;
}

export class ComfyClient {
  /** Every message received since connecting, in order. */
  readonly messages: Message[] = [];
  readonly binaryFrames: Buffer[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(
    readonly url: string,
    readonly clientId: string,
    readonly socket: WebSocket,
  ) {
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.binaryFrames.push(data);
      else this.messages.push(JSON.parse(data.toString('utf8')) as Message);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static async connect(url: string, clientId: string = randomUUID()): Promise<ComfyClient> {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?clientId=${encodeURIComponent(clientId)}`);
    const client = new ComfyClient(url, clientId, socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  close(): void {
    this.socket.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Waits until `predicate` holds for a message at index >= `from`; resolves its index. */
  async waitFor(predicate: (m: Message) => boolean, from = 0, timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let index = from;
    for (;;) {
      for (; index < this.messages.length; index++) if (predicate(this.messages[index])) return index;
      if (this.closed) throw new Error('the WebSocket closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(this.url + path, {
      method,
      ...(body !== undefined && { body: typeof body === 'string' ? body : stringifyWithFloats(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed };
  }

  async queuePrompt(
    prompt: Expansion,
    options: { partialExecutionTargets?: string[]; clientId?: string | null; extra?: object } = {},
  ): Promise<{ prompt_id: string; number: number; node_errors: unknown }> {
    const clientId = options.clientId === undefined ? this.clientId : options.clientId;
    const body = {
      prompt,
      ...(clientId !== null && { client_id: clientId }),
      ...(options.partialExecutionTargets !== undefined && {
        partial_execution_targets: options.partialExecutionTargets,
      }),
      ...options.extra,
    };
    const answer = await this.request('POST', '/prompt', body);
    if (answer.status < 200 || answer.status >= 300) throw new HttpError(answer.status, answer.body);
    return answer.body as { prompt_id: string; number: number; node_errors: unknown };
  }

  /** Queues the graph, follows its messages until `executing {node: null}`, then reads history and images. */
  async run(graph: GraphBuilder | Expansion, options: RunOptions = {}): Promise<RunResult> {
    const prompt = graph instanceof GraphBuilder ? graph.finalize() : graph;
    if (options.testName !== undefined) {
      for (const node of Object.values(prompt)) {
        if (node.class_type === 'SaveImage') node.inputs.filename_prefix = options.testName;
      }
    }
    const start = this.messages.length;
    const { prompt_id: promptId } = await this.queuePrompt(prompt, {
      partialExecutionTargets: options.partialExecutionTargets,
    });
    const result = new RunResult(promptId);
    const mine = (m: Message) => m.data?.prompt_id === promptId;
    const end = await this.waitFor((m) => m.type === 'executing' && mine(m) && m.data.node === null, start);
    result.messages = this.messages.slice(start, end + 1).filter(mine);
    let error: Record<string, unknown> | null = null;
    for (const { type, data } of result.messages) {
      if (type === 'executing' && data.node !== null) result.runs.add(data.node as string);
      if (type === 'execution_cached') for (const id of data.nodes as string[]) result.cached.add(id);
      if (type === 'execution_error' && error === null) error = data;
    }
    if (error) throw new ExecutionError(error);
    await this.collectOutputs(result);
    return result;
  }

  async collectOutputs(result: RunResult): Promise<void> {
    const history = (await this.getHistory(result.promptId))[result.promptId] as
      { outputs: Record<string, Record<string, unknown>> } | undefined;
    result.outputs = history?.outputs ?? {};
    for (const [nodeId, output] of Object.entries(result.outputs)) {
      if (!Array.isArray(output.images)) continue;
      const images: DecodedImage[] = [];
      for (const image of output.images as { filename: string; subfolder: string; type: string }[])
        images.push(await this.getImage(image.filename, image.subfolder, image.type));
      result.images.set(nodeId, images);
    }
  }

  async getImage(filename: string, subfolder: string, type: string): Promise<DecodedImage> {
    const query = new URLSearchParams({ filename, subfolder, type });
    const response = await fetch(`${this.url}/view?${query.toString()}`);
    if (!response.ok) throw new HttpError(response.status, await response.text());
    const { data, info } = await sharp(Buffer.from(await response.arrayBuffer()))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, channels: info.channels, data };
  }

  async getHistory(promptId: string): Promise<Record<string, unknown>> {
    return (await this.request('GET', `/history/${encodeURIComponent(promptId)}`)).body as Record<
      string,
      unknown
    >;
  }

  async getAllHistory(maxItems?: number | string, offset?: number | string) {
    const query = new URLSearchParams();
    if (maxItems !== undefined) query.set('max_items', String(maxItems));
    if (offset !== undefined) query.set('offset', String(offset));
    return this.request('GET', `/history${query.size > 0 ? `?${query.toString()}` : ''}`);
  }

  async getJobs(params: Record<string, string | number> = {}) {
    const query = new URLSearchParams(
      Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
    );
    return this.request('GET', `/api/jobs${query.size > 0 ? `?${query.toString()}` : ''}`);
  }

  /** A job, or null for 404. */
  async getJob(jobId: string): Promise<Record<string, unknown> | null> {
    const answer = await this.request('GET', `/api/jobs/${encodeURIComponent(jobId)}`);
    if (answer.status === 404) return null;
    if (answer.status !== 200) throw new HttpError(answer.status, answer.body);
    return answer.body as Record<string, unknown>;
  }
}

/** Every channel of every pixel of the image equals `value`. */
export function allPixels(image: DecodedImage, value: number): boolean {
  return image.data.every((v) => v === value);
}

export function meanPixel(image: DecodedImage): number {
  let sum = 0;
  for (const v of image.data) sum += v;
  return sum / image.data.length;
}

/** A server with the testing pack linked into its custom_nodes, in a fresh base directory. */
export interface TestingServer {
  readonly server: ServerProcess;
  readonly base: string;
  stop(): Promise<void>;
}

/** `packs`: more packs to link into custom_nodes, folder name -> pack folder. */
export async function startTestingServer(
  flags: readonly string[] = [],
  packs: Record<string, string> = {},
): Promise<TestingServer> {
  const base = await mkdtemp(join(tmpdir(), 'easel-exec-'));
  await mkdir(join(base, 'custom_nodes'), { recursive: true });
  await symlink(TESTING_PACK, join(base, 'custom_nodes', 'testing'));
  for (const [name, folder] of Object.entries(packs)) await symlink(folder, join(base, 'custom_nodes', name));
  return startTestingServerIn(base, flags);
}

/** Starts a server on an existing base directory (a restart); `stop` removes the directory. */
export async function startTestingServerIn(
  base: string,
  flags: readonly string[] = [],
): Promise<TestingServer> {
  const server = await startServerProcess(['--base-directory', base, ...flags], 60_000);
  return {
    server,
    base,
    async stop() {
      await server.stop();
      await rm(base, { recursive: true, force: true });
    },
  };
}

/** Upstream's `run_warmup`: a tiny image through PreviewImage, so later timings exclude start-up. */
export async function runWarmup(client: ComfyClient, prefix = 'warmup'): Promise<void> {
  const g = new GraphBuilder(prefix);
  const image = g.node('StubImage', { content: 'BLACK', height: 32, width: 32, batch_size: 1 });
  g.node('PreviewImage', { images: image.out(0) });
  await client.run(g);
}
