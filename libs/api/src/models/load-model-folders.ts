import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Directories, Logger } from '@easel/core';
import { readExtraModelPaths, type PathExpansion } from './extra-model-paths.js';
import { ModelFolderRegistry } from './model-folder-registry.js';
import { outputModelFolders, standardModelFolders } from './model-folders.js';

export interface ModelFolderSettings {
  readonly directories: Pick<Directories, 'base' | 'models' | 'customNodes' | 'output'>;
  /** `--extra-model-paths-config` files, absolute, in the order given. */
  readonly extraModelPathsConfigs: readonly string[];
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The model folders as ComfyUI sets them up at start-up (`apply_custom_paths`): the standard
 * folders, then `<base>/extra_model_paths.yaml` if there is one, then every
 * `--extra-model-paths-config` file, then the output folder's `checkpoints`, `clip`, `vae`,
 * `diffusion_models` and `loras`. Throws `ModelPathsConfigError` for a file that cannot be read.
 */
export function loadModelFolders(
  settings: ModelFolderSettings,
  logger: Pick<Logger, 'info' | 'warn'>,
  expansion: PathExpansion = { env: process.env, home: homedir() },
): ModelFolderRegistry {
  const registry = new ModelFolderRegistry(standardModelFolders(settings.directories));
  const defaultFile = join(settings.directories.base, 'extra_model_paths.yaml');
  const files = [...(isFile(defaultFile) ? [defaultFile] : []), ...settings.extraModelPathsConfigs];
  for (const file of files) {
    const { paths, warnings } = readExtraModelPaths(file, expansion);
    for (const warning of warnings) logger.warn(warning);
    for (const { folder, path, isDefault } of paths) {
      logger.info(`Adding extra search path ${folder} ${path}`);
      registry.addPath(folder, path, isDefault);
    }
  }
  for (const { folder, path } of outputModelFolders(settings.directories.output))
    registry.addPath(folder, path);
  return registry;
}
