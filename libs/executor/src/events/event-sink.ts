/**
 * Where execution events go (port). The in-process driver is the server's /ws gateway; a
 * distributed deployment would publish them for the API nodes to forward.
 */
export interface EventSink {
  /** A message for one client (by its WebSocket session id); dropped when it is not connected. */
  toClient(clientId: string, type: string, data: Record<string, unknown>): void;
  /** A message for every connected client. */
  broadcast(type: string, data: Record<string, unknown>): void;
  /** A binary frame (see binary-frames.ts) for one client. */
  binaryToClient(clientId: string, frame: Uint8Array): void;
  binaryBroadcast(frame: Uint8Array): void;
  /** A feature flag the client sent in its first WebSocket message (undefined when none). */
  clientFeature(clientId: string, flag: string): unknown;
}

/** Discards everything (a worker with nobody listening, tests). */
export const NO_EVENTS: EventSink = {
  toClient() {},
  broadcast() {},
  binaryToClient() {},
  binaryBroadcast() {},
  clientFeature: () => undefined,
};
