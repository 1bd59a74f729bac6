import { Global, Module, type DynamicModule } from '@nestjs/common';
import { NodeRegistry } from '@easel/executor';
import { SERVER_CONFIG } from './config/server-config.js';
import { NodeInfoModule } from './node-info/node-info.module.js';
import { PacksModule } from './packs/packs.module.js';
import { BACKEND, LOGGER, PACK_REPORT, PACK_SERVICES, type EaselRuntime } from './runtime/runtime.js';
import { SystemModule } from './system/system.module.js';

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
    ];
    return {
      module: EaselApiModule,
      imports: [NodeInfoModule, SystemModule, PacksModule],
      providers,
      exports: providers.map((p) => p.provide),
    };
  }
}
