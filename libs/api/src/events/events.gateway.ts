import type { IncomingMessage } from 'node:http';
import { Inject } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import { PromptWorker, type PromptQueue } from '@easel/executor';
import type { RawData, WebSocket } from 'ws';
import { PROMPT_QUEUE } from '../runtime/runtime.js';
import { SystemInfoService } from '../system/system-info.service.js';
import { ClientHub } from './client-hub.js';

/**
 * ComfyUI's `/ws`: `status` with the session id on connect, the feature-flags exchange, then the
 * worker's messages through the `ClientHub`.
 */
export abstract class EventsGateway implements OnGatewayConnection<WebSocket> {
  constructor(
    private readonly hub: ClientHub,
    private readonly worker: PromptWorker,
    @Inject(PROMPT_QUEUE) private readonly queue: PromptQueue,
    private readonly systemInfo: SystemInfoService,
  ) {}

  async handleConnection(socket: WebSocket, request: IncomingMessage): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const sid = this.hub.connect(socket, url.searchParams.get('clientId'));
    socket.on('close', () => this.hub.disconnect(sid, socket));
    socket.on('message', (data: RawData, isBinary: boolean) => this.onMessage(sid, data, isBinary));

    const remaining = await this.queue.remaining();
    this.hub.toClient(sid, 'status', { status: { exec_info: { queue_remaining: remaining } }, sid });
    const running = this.worker.runningNode;
    if (running && running.clientId === sid && running.displayNode !== null)
      this.hub.toClient(sid, 'executing', { node: running.displayNode });
  }

  private onMessage(sid: string, data: RawData, isBinary: boolean): void {
    if (isBinary) return;
    let message: unknown;
    try {
      message = JSON.parse(rawText(data));
    } catch {
      return; // invalid JSON does not count as the first message
    }
    const isFlags =
      typeof message === 'object' &&
      message !== null &&
      (message as { type?: unknown }).type === 'feature_flags' &&
      typeof (message as { data?: unknown }).data === 'object' &&
      (message as { data?: unknown }).data !== null;
    if (!isFlags) {
      this.hub.markNegotiated(sid);
      return;
    }
    if (this.hub.negotiate(sid, (message as { data: Record<string, unknown> }).data))
      this.hub.toClient(sid, 'feature_flags', this.systemInfo.featureFlags());
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

@WebSocketGateway({ path: '/ws' })
export class WsGateway extends EventsGateway {}

/** The same socket under the `/api` prefix. */
@WebSocketGateway({ path: '/api/ws' })
export class ApiWsGateway extends EventsGateway {}
