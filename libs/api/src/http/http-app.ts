import { createServer, type Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DynamicModule, LogLevel as NestLogLevel, Type } from '@nestjs/common';
import { maxBodyBytes, type LogLevel, type ServerConfig } from '../config/server-config.js';
import type { ConsoleLogger } from '../logging/console-logger.js';
import { stripApiPrefix } from './api-prefix.js';
import { JsonErrorFilter } from './json-errors.js';
import { logMismatch, registerMiddlewareChain, type MiddlewareSettings } from './middleware-chain.js';
import { LoopbackNames, OriginCheck } from './origin-check.js';
import { OriginCheckedWsAdapter } from './origin-checked-ws-adapter.js';
import { registerLenientBodyParser } from './request-body.js';

function nestLogLevels(level: LogLevel): NestLogLevel[] {
  if (level === 'DEBUG') return ['error', 'warn', 'log', 'debug'];
  return level === 'INFO' || level === 'WARNING' ? ['error', 'warn'] : ['error'];
}

/**
 * A NestJS application on Fastify with ComfyUI's wire conventions: every route also under `/api`,
 * JSON bodies whatever their Content-Type, `--max-upload-size` for every body, JSON errors.
 */
export async function createHttpApp(
  rootModule: Type | DynamicModule,
  config: Pick<ServerConfig, 'maxUploadSizeMb' | 'logLevel'> & MiddlewareSettings,
  logger: ConsoleLogger,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: maxBodyBytes(config),
    // aiohttp has no limit of its own (Fastify's default is 100): `/userdata/{file}` carries
    // whole nested paths, percent-encoded; aiohttp's request line is at most 8190 bytes
    routerOptions: { maxParamLength: 8190 },
    // every route also at /api/...
    rewriteUrl: (request: { url?: string }) => stripApiPrefix(request.url ?? '/'),
  });
  const app = await NestFactory.create<NestFastifyApplication>(rootModule, adapter, {
    bodyParser: false,
    logger: nestLogLevels(config.logLevel),
  });
  registerLenientBodyParser(app.getHttpAdapter().getInstance());
  // CORS mode replaces the origin check, for HTTP and the WebSocket alike
  const originCheck = new OriginCheck(new LoopbackNames(), logMismatch(logger));
  registerMiddlewareChain(app.getHttpAdapter().getInstance(), config, originCheck);
  // raw `ws` sockets (ComfyUI's protocol), not socket.io
  app.useWebSocketAdapter(new OriginCheckedWsAdapter(app, config.corsOrigin ? null : originCheck));
  app.useGlobalFilters(
    new JsonErrorFilter((error) => logger.error('Unhandled error while serving a request:', error)),
  );
  return app;
}

/** Nothing can listen on this address and port; carries ComfyUI's message. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly address: string,
  ) {
    super(
      `Port ${port} is already in use on address ${address}. Please close the other application or use a different port with --port.`,
    );
  }
}

/**
 * Listens on every address, like ComfyUI's one-listener-per-address. The first listener is
 * Fastify's own; others hand their requests and upgrades to it.
 * @returns the port actually bound (useful with port 0)
 */
export async function listen(
  app: NestFastifyApplication,
  addresses: readonly string[],
  port: number,
): Promise<number> {
  const [first, ...rest] = addresses;
  // with both 0.0.0.0 and :: requested, :: must not also claim IPv4
  const ipv6Only = addresses.includes('0.0.0.0');
  try {
    await app.listen({ port, host: first, ipv6Only: ipv6Only && first === '::' });
  } catch (error) {
    throw toListenError(error, port, first);
  }
  const primary: Server = app.getHttpServer();
  const bound = (primary.address() as { port: number }).port;
  for (const address of rest) {
    const extra = createServer((request, response) => primary.emit('request', request, response));
    extra.on('upgrade', (...args) => primary.emit('upgrade', ...args));
    await new Promise<void>((resolve, reject) => {
      extra.once('error', (error) => reject(toListenError(error, bound, address)));
      extra.listen({ port: bound, host: address, ipv6Only: ipv6Only && address === '::' }, resolve);
    });
    primary.once('close', () => extra.close());
  }
  return bound;
}

function toListenError(error: unknown, port: number, address: string): Error {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') return new PortInUseError(port, address);
  return error instanceof Error ? error : new Error(String(error));
}
