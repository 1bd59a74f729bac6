import { Module } from '@nestjs/common';
import { InternalFoldersController } from './internal-folders.controller.js';
import { ModelsController } from './models.controller.js';

/**
 * Model folders over HTTP (`/models`, `/embeddings`, `/experiment/models...`, `/view_metadata`,
 * `/internal/folder_paths`, `/internal/files`). The `ModelFolderRegistry` comes from the runtime,
 * shared with the packs' `ModelPaths` service.
 */
@Module({ controllers: [ModelsController, InternalFoldersController] })
export class ModelsModule {}
