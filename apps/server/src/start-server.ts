import { mkdir, rm } from 'node:fs/promises';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { NodeRegistry } from '@easel/executor';
import {
  ConsoleLogger,
  CustomNodesPackSource,
  EaselApiModule,
  NodeModulesPackSource,
  PackLoader,
  WorkspacePackSource,
  createHttpApp,
  listen,
  shareCoreWithPacks,
  type EaselRuntime,
  type PackSource,
  type ServerConfig,
} from '@easel/api';
import { createPackServices } from './pack-services.js';
import { createTensorBackend } from './tensor-backend.js';

export interface RunningServer {
  readonly app: NestFastifyApplication;
  readonly runtime: EaselRuntime;
  readonly port: number;
  close(): Promise<void>;
}

/** Prepares folders, loads packs and starts listening. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const logger = new ConsoleLogger(config.logLevel);
  await prepareDirectories(config);

  const backend = await createTensorBackend(config);
  const { runtime: backendRuntime, devices } = backend.describe();
  logger.info(
    `Tensor backend: ${config.backend}, ${backendRuntime}; devices: ${devices.map((d) => d.name).join(', ')}`,
  );
  const services = createPackServices(config, logger, backend);
  const registry = new NodeRegistry();
  shareCoreWithPacks();
  const sources: PackSource[] = [
    ...(config.packs.workspaceDir ? [new WorkspacePackSource(config.packs.workspaceDir)] : []),
    new NodeModulesPackSource(config.packs.nodeModulesDirs),
    new CustomNodesPackSource(config.packs.customNodesDir),
  ];
  const packs = await new PackLoader(registry, logger.child('packs')).load(sources);
  logger.info(
    `Loaded ${packs.loaded.length} node packs (${registry.size} nodes)` +
      (packs.failed.length > 0 ? `; ${packs.failed.length} failed (see GET /internal/packs)` : ''),
  );

  const runtime: EaselRuntime = { config, registry, packs, services, logger, backend };
  const app = await createHttpApp(EaselApiModule.forRoot(runtime), config, logger);
  const port = await listen(app, config.listen, config.port);
  return {
    app,
    runtime,
    port,
    async close() {
      await app.close();
      await backend.free();
      await rm(config.directories.temp, { recursive: true, force: true });
    },
  };
}

/** ComfyUI creates input and user folders at start-up and empties temp (previews never survive a restart). */
async function prepareDirectories(config: ServerConfig): Promise<void> {
  const { input, user, temp } = config.directories;
  await rm(temp, { recursive: true, force: true });
  await Promise.all([input, user, temp].map((dir) => mkdir(dir, { recursive: true })));
}
