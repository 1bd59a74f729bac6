import {
  Directories,
  ImageOutputOptions,
  Logger,
  ModelPaths,
  TensorBackend,
  createServiceContainer,
  type DependencyContainer,
} from '@easel/core';
import type { ConsoleLogger, ModelFolderRegistry, ServerConfig } from '@easel/api';

/** The container packs get their services from: everything @easel/core declares a token for. */
export function createPackServices(
  config: ServerConfig,
  logger: ConsoleLogger,
  backend: TensorBackend,
  models: ModelFolderRegistry,
): DependencyContainer {
  const services = createServiceContainer();
  services.register<Logger>(Logger, { useValue: logger.child('packs') });
  services.register<Directories>(Directories, { useValue: config.directories });
  services.register<TensorBackend>(TensorBackend, { useValue: backend });
  services.register<ModelPaths>(ModelPaths, { useValue: models });
  services.register<ImageOutputOptions>(ImageOutputOptions, {
    useValue: { disableMetadata: config.disableMetadata },
  });
  return services;
}
