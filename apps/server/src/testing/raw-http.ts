import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';

// Requests whose every byte the test chooses: `fetch` normalises paths (`/../x`, `%2e%2e`) and
// will not send a chosen Host, which the origin and traversal tests need.

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
}

export interface RawRequest {
  readonly method?: string;
  /** Sent exactly as given. */
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

export function rawRequest(port: number, options: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface JsonMessage {
  type: string;
  data: Record<string, unknown>;
}

/** A WebSocket that records every JSON message from the moment it opens. */
export class RecordingSocket {
  readonly messages: JsonMessage[] = [];
  private waiters: (() => void)[] = [];

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      this.messages.push(JSON.parse(data.toString('utf8')) as JsonMessage);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** The first message at index >= `from` that `predicate` accepts, or null after `timeoutMs`. */
  async waitFor(
    predicate: (m: JsonMessage) => boolean,
    from = 0,
    timeoutMs = 5000,
  ): Promise<JsonMessage | null> {
    const deadline = Date.now() + timeoutMs;
    for (let index = from; ;) {
      for (; index < this.messages.length; index++)
        if (predicate(this.messages[index])) return this.messages[index];
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** Opens a WebSocket with chosen headers: the socket, or the status the server refused the upgrade with. */
export function openSocket(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ socket: RecordingSocket; refused: null } | { socket: null; refused: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    const recording = new RecordingSocket(socket);
    let settled = false;
    socket.once('open', () => {
      settled = true;
      resolve({ socket: recording, refused: null });
    });
    socket.once('unexpected-response', (_request, response) => {
      settled = true;
      resolve({ socket: null, refused: response.statusCode ?? 0 });
      response.resume();
      socket.terminate();
    });
    socket.on('error', (error) => {
      if (!settled) reject(error);
    });
  });
}
