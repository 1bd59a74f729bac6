import { randomUUID } from 'node:crypto';
import type { EventSink } from '@easel/executor';
import type { WebSocket } from 'ws';

interface Client {
  readonly socket: WebSocket;
  /** What the client sent in its first `feature_flags` message; null until then. */
  features: Record<string, unknown> | null;
  /** Only the first JSON message may negotiate features. */
  negotiated: boolean;
}

/**
 * The connected WebSocket clients by session id (`sid`), and the in-process `EventSink`: the
 * worker's messages go out through here.
 */
export class ClientHub implements EventSink {
  private readonly clients = new Map<string, Client>();

  /**
   * Registers a socket under `requestedId` (the `clientId` query value) or a fresh id. A socket
   * already registered under that id is closed (ComfyUI leaves it open, which stops the new one
   * from receiving anything once the old one closes).
   */
  connect(socket: WebSocket, requestedId: string | null): string {
    const sid = requestedId !== null && requestedId !== '' ? requestedId : randomUUID().replaceAll('-', '');
    const previous = this.clients.get(sid);
    this.clients.set(sid, { socket, features: null, negotiated: false });
    if (previous && previous.socket !== socket) previous.socket.close(1000, 'Replaced by a new connection');
    return sid;
  }

  /** Forgets `sid` if it still belongs to this socket. */
  disconnect(sid: string, socket: WebSocket): void {
    if (this.clients.get(sid)?.socket === socket) this.clients.delete(sid);
  }

  /** Stores the client's feature flags if this is its first JSON message; answers whether it was. */
  negotiate(sid: string, features: Record<string, unknown>): boolean {
    const client = this.clients.get(sid);
    if (!client || client.negotiated) return false;
    client.negotiated = true;
    client.features = features;
    return true;
  }

  /** A non-negotiating first message still uses up the negotiation. */
  markNegotiated(sid: string): void {
    const client = this.clients.get(sid);
    if (client) client.negotiated = true;
  }

  /** Whether a socket is connected under `sid`. */
  has(sid: string): boolean {
    return this.clients.has(sid);
  }

  get size(): number {
    return this.clients.size;
  }

  toClient(clientId: string, type: string, data: Record<string, unknown>): void {
    const client = this.clients.get(clientId);
    if (client) send(client.socket, JSON.stringify({ type, data }));
  }

  broadcast(type: string, data: Record<string, unknown>): void {
    if (this.clients.size === 0) return;
    const text = JSON.stringify({ type, data });
    for (const client of this.clients.values()) send(client.socket, text);
  }

  binaryToClient(clientId: string, frame: Uint8Array): void {
    const client = this.clients.get(clientId);
    if (client) send(client.socket, frame);
  }

  binaryBroadcast(frame: Uint8Array): void {
    for (const client of this.clients.values()) send(client.socket, frame);
  }

  clientFeature(clientId: string, flag: string): unknown {
    const features = this.clients.get(clientId)?.features;
    return features && Object.prototype.hasOwnProperty.call(features, flag) ? features[flag] : undefined;
  }

  /** Closes every connection (server shutdown). */
  closeAll(): void {
    for (const client of this.clients.values()) client.socket.close(1001, 'Server shutting down');
    this.clients.clear();
  }
}

const OPEN = 1;

function send(socket: WebSocket, payload: string | Uint8Array): void {
  // a client that went away mid-prompt must not break the worker
  if (socket.readyState !== OPEN) return;
  socket.send(payload, (error) => {
    if (error) socket.terminate();
  });
}
