import { Controller, Get, Inject, Param } from '@nestjs/common';
import type { DependencyContainer } from '@easel/core';
import { NodeRegistry } from '@easel/executor';
import { ConsoleLogger } from '../logging/console-logger.js';
import { LOGGER, PACK_SERVICES, comboContextOf } from '../runtime/runtime.js';

/** Node definitions generated from the loaded packs' decorators. */
@Controller('object_info')
export class ObjectInfoController {
  constructor(
    private readonly registry: NodeRegistry,
    @Inject(PACK_SERVICES) private readonly services: DependencyContainer,
    @Inject(LOGGER) private readonly logger: ConsoleLogger,
  ) {}

  @Get()
  async all(): Promise<Record<string, unknown>> {
    const definitions = await this.registry.definitions(comboContextOf(this.services), (failure) =>
      this.logger.error(
        `Node ${failure.classType} (pack ${failure.packName}) left out of /object_info:`,
        failure.error,
      ),
    );
    return Object.fromEntries(definitions);
  }

  /** One node's definition; an unknown class answers 200 `{}` like ComfyUI. */
  @Get(':nodeClass')
  async one(@Param('nodeClass') nodeClass: string): Promise<Record<string, unknown>> {
    const definition = await this.registry.definition(nodeClass, comboContextOf(this.services));
    return definition ? Object.fromEntries([[nodeClass, definition]]) : {};
  }
}
