import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { DependencyContainer } from '@easel/core';
import { NodeRegistry } from '@easel/executor';
import { ConsoleLogger } from '../logging/console-logger.js';
import { ApiJsonResponse } from '../openapi/api-docs.js';
import { schemaRef, type JsonSchema } from '../openapi/openapi-schemas.js';
import { LOGGER, PACK_SERVICES, comboContextOf } from '../runtime/runtime.js';

const DEFINITIONS: JsonSchema = { type: 'object', additionalProperties: schemaRef('NodeDefinition') };

/** Node definitions generated from the loaded packs' decorators. */
@ApiTags('Nodes')
@Controller('object_info')
export class ObjectInfoController {
  constructor(
    private readonly registry: NodeRegistry,
    @Inject(PACK_SERVICES) private readonly services: DependencyContainer,
    @Inject(LOGGER) private readonly logger: ConsoleLogger,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Every node definition',
    description: 'Combo options (model and file lists) are read afresh on each call.',
  })
  @ApiJsonResponse(200, 'Definitions by node class (`class_type`)', DEFINITIONS)
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
  @ApiOperation({ summary: "One node class's definition" })
  @ApiParam({ name: 'nodeClass', description: 'The class_type, e.g. `KSampler`' })
  @ApiJsonResponse(200, '`{<nodeClass>: definition}`, or `{}` for an unknown class (never 404)', DEFINITIONS)
  async one(@Param('nodeClass') nodeClass: string): Promise<Record<string, unknown>> {
    const definition = await this.registry.definition(nodeClass, comboContextOf(this.services));
    return definition ? Object.fromEntries([[nodeClass, definition]]) : {};
  }
}
