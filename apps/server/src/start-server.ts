import { mkdir, rm } from 'node:fs/promises';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { join } from 'node:path';
import {
  ClassicOutputCache,
  LruOutputCache,
  MemoryHistoryStore,
  MemoryPromptQueue,
  NoOutputCache,
  NodeRegistry,
  PromptExecutor,
  PromptWorker,
  RamPressureOutputCache,
  SqliteHistoryStore,
  SqlitePromptQueue,
  SqliteStore,
  type HistoryStore,
  type OutputCache,
  type PromptQueue,
} from '@easel/executor';
import {
  ClientHub,
  ConsoleLogger,
  comboContextOf,
  CustomNodesPackSource,
  EaselApiModule,
  NodeModulesPackSource,
  PackLoader,
  ProcessOutputLog,
  captureProcessOutput,
  WorkspacePackSource,
  createHttpApp,
  listen,
  loadModelFolders,
  publishOpenApiDocument,
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
  // from the first line on, for the frontend's log panel
  const outputLog = new ProcessOutputLog();
  const stopCapture = captureProcessOutput(outputLog);
  const logger = new ConsoleLogger(config.logLevel);
  // before any folder is touched: a broken extra_model_paths.yaml stops the start
  let models;
  try {
    models = loadModelFolders(config, logger.child('models'));
  } catch (error) {
    stopCapture();
    throw error;
  }
  await prepareDirectories(config);

  const backend = await createTensorBackend(config);
  const { runtime: backendRuntime, devices } = backend.describe();
  logger.info(
    `Tensor backend: ${config.backend}, ${backendRuntime}; devices: ${devices.map((d) => d.name).join(', ')}`,
  );
  const services = createPackServices(config, logger, backend, models);
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

  const state = openStateStore(config);
  const executor = new PromptExecutor({
    registry,
    cache: createOutputCache(config),
    services: {
      ...comboContextOf(services),
      construct: (nodeClass) => services.resolve(nodeClass as never),
    },
    backend,
    logger: logger.child('executor'),
    reuseNodeInstances: config.cache.mode !== 'none',
  });
  const hub = new ClientHub();
  const worker = new PromptWorker({
    queue: state.queue,
    history: state.history,
    executor,
    events: hub,
    logger: logger.child('worker'),
    freeMemory: () => backend.free(),
  });

  const runtime: EaselRuntime = {
    config,
    registry,
    packs,
    services,
    logger,
    backend,
    queue: state.queue,
    history: state.history,
    executor,
    worker,
    hub,
    outputLog,
    models,
  };
  const app = await createHttpApp(EaselApiModule.forRoot(runtime), config, logger);
  publishOpenApiDocument(app);
  let port: number;
  try {
    port = await listen(app, config.listen, config.port);
  } catch (error) {
    await app.close();
    await state.close();
    stopCapture();
    throw error;
  }
  // after the routes are up (the prompt counter reads the queue first)
  await worker.start();
  return {
    app,
    runtime,
    port,
    async close() {
      await worker.stop();
      hub.closeAll();
      await app.close();
      await state.close();
      await backend.free();
      await rm(config.directories.temp, { recursive: true, force: true });
      stopCapture();
    },
  };
}

/** The queue and history: in `<user>/easel.db` (default) or in memory. */
function openStateStore(config: ServerConfig): {
  queue: PromptQueue;
  history: HistoryStore;
  close(): Promise<void>;
} {
  if (config.stateStore === 'memory') {
    const queue = new MemoryPromptQueue();
    return { queue, history: new MemoryHistoryStore(), close: () => queue.close() };
  }
  const store = new SqliteStore(join(config.directories.user, 'easel.db'));
  const queue = new SqlitePromptQueue(store);
  return {
    queue,
    history: new SqliteHistoryStore(store),
    async close() {
      await queue.close();
      store.close();
    },
  };
}

function createOutputCache(config: ServerConfig): OutputCache {
  const { cache } = config;
  switch (cache.mode) {
    case 'classic':
      return new ClassicOutputCache();
    case 'lru':
      return new LruOutputCache(cache.size);
    case 'none':
      return new NoOutputCache();
    case 'ram-pressure':
      return new RamPressureOutputCache(
        cache.headroomGb === null ? {} : { activeHeadroom: cache.headroomGb * 1024 ** 3 },
      );
  }
}

/** ComfyUI creates input and user folders at start-up and empties temp (previews never survive a restart). */
async function prepareDirectories(config: ServerConfig): Promise<void> {
  const { input, user, temp } = config.directories;
  await rm(temp, { recursive: true, force: true });
  await Promise.all([input, user, temp].map((dir) => mkdir(dir, { recursive: true })));
}
