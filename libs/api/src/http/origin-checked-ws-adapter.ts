import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { requestPath } from './middleware-chain.js';
import type { OriginCheck } from './origin-check.js';

type VerifyDone = (verified: boolean, code?: number) => void;

/**
 * Nest's `ws` adapter with ComfyUI's origin check on the upgrade request (ComfyUI's middlewares
 * run for `/ws` too): a refused handshake is answered with 403 and never becomes a socket.
 * Without a check (CORS mode) it is the plain adapter.
 */
export class OriginCheckedWsAdapter extends WsAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly originCheck: OriginCheck | null,
  ) {
    super(app);
  }

  override create(
    port: number,
    options: Record<string, unknown> & { namespace?: string; server?: unknown; path?: string } = {},
  ): unknown {
    const check = this.originCheck;
    if (check === null) return super.create(port, options);
    const verifyClient = (info: { req: IncomingMessage }, done: VerifyDone) => {
      const request = info.req;
      check
        .check({
          method: request.method ?? 'GET',
          path: requestPath(request.url ?? '/'),
          headers: request.headers,
        })
        .then(
          (verdict) => done(verdict.allowed, verdict.allowed ? undefined : 403),
          () => done(false, 403),
        );
    };
    return super.create(port, { ...options, verifyClient });
  }
}
