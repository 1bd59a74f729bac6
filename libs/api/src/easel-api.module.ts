import { Global, Module, type DynamicModule } from '@nestjs/common';
import { NodeRegistry, PromptExecutor, PromptWorker } from '@easel/executor';
import { ClientHub } from './events/client-hub.js';
import { SERVER_CONFIG } from './config/server-config.js';
import { FilesModule } from './files/files.module.js';
import { FrontendModule } from './frontend/frontend.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { ProcessOutputLog } from './logging/process-output-log.js';
import { ModelFolderRegistry } from './models/model-folder-registry.js';
import { ModelsModule } from './models/models.module.js';
import { NodeInfoModule } from './node-info/node-info.module.js';
import { OpenApiModule } from './openapi/openapi.module.js';
import { PacksModule } from './packs/packs.module.js';
import { PromptsModule } from './prompts/prompts.module.js';
import {
  BACKEND,
  HISTORY_STORE,
  LOGGER,
  PACK_REPORT,
  PACK_SERVICES,
  PROMPT_QUEUE,
  type EaselRuntime,
} from './runtime/runtime.js';
import { SystemModule } from './system/system.module.js';
import { UsersModule } from './users/users.module.js';

/** Easel's whole HTTP API, on a runtime the server prepared (settings, loaded packs, services). */
@Global()
@Module({})
export class EaselApiModule {
  static forRoot(runtime: EaselRuntime): DynamicModule {
    const providers = [
      { provide: SERVER_CONFIG, useValue: runtime.config },
      { provide: NodeRegistry, useValue: runtime.registry },
      { provide: PACK_REPORT, useValue: runtime.packs },
      { provide: PACK_SERVICES, useValue: runtime.services },
      { provide: LOGGER, useValue: runtime.logger },
      { provide: BACKEND, useValue: runtime.backend },
      { provide: PROMPT_QUEUE, useValue: runtime.queue },
      { provide: HISTORY_STORE, useValue: runtime.history },
      { provide: PromptExecutor, useValue: runtime.executor },
      { provide: PromptWorker, useValue: runtime.worker },
      { provide: ClientHub, useValue: runtime.hub },
      { provide: ProcessOutputLog, useValue: runtime.outputLog },
      { provide: ModelFolderRegistry, useValue: runtime.models },
    ];
    return {
      module: EaselApiModule,
      imports: [
        NodeInfoModule,
        SystemModule,
        PacksModule,
        PromptsModule,
        FilesModule,
        LoggingModule,
        FrontendModule,
        UsersModule,
        ModelsModule,
        OpenApiModule,
      ],
      providers,
      exports: providers.map((p) => p.provide),
    };
  }
}
