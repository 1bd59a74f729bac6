import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiJsonResponse } from '../openapi/api-docs.js';

/**
 * Data ComfyUI gathers from custom-node folders for its frontend. Easel packs do not ship node
 * replacements, subgraph blueprints, example workflows or translations, so these are ComfyUI's
 * answers for "none": the frontend loads them at start and works with them as they are.
 */
@ApiTags('Frontend')
@Controller()
export class FrontendDataController {
  /** `{"<old class>": [replacement, ...]}` */
  @Get('node_replacements')
  @ApiOperation({
    summary: 'Node classes that replace missing ones (none: Easel packs declare no replacements)',
  })
  @ApiJsonResponse(200, 'Always `{}`', {
    type: 'object',
    description: 'old class_type to its replacements',
    additionalProperties: { type: 'array', items: {} },
  })
  nodeReplacements(): Record<string, never> {
    return {};
  }

  /** `{"<id>": {"source", "name", "info": {"node_pack"}}}` */
  @Get('global_subgraphs')
  @ApiOperation({ summary: 'Subgraph blueprints of the node packs (none in Easel)' })
  @ApiJsonResponse(200, 'Always `{}`', {
    type: 'object',
    description: 'blueprint id to `{source, name, info: {node_pack}}`',
    additionalProperties: { type: 'object', additionalProperties: true },
  })
  globalSubgraphs(): Record<string, never> {
    return {};
  }

  /** An unknown id is 200 with `null` (the frontend checks for a `data` field). */
  @Get('global_subgraphs/:id')
  @ApiOperation({ summary: 'One subgraph blueprint (none in Easel)' })
  @ApiParam({ name: 'id', description: 'The blueprint id', schema: { type: 'string' } })
  @ApiJsonResponse(200, 'Always `null`: an unknown id is 200 with `null`, never 404', { type: 'null' })
  globalSubgraph(@Res() reply: FastifyReply): FastifyReply {
    return reply.type('application/json; charset=utf-8').send('null');
  }

  /** `{"<pack folder>": ["<workflow name>", ...]}` */
  @Get('workflow_templates')
  @ApiOperation({ summary: 'Example workflows of the node packs (none in Easel)' })
  @ApiJsonResponse(200, 'Always `{}`', {
    type: 'object',
    description: 'pack folder to its workflow names',
    additionalProperties: { type: 'array', items: { type: 'string' } },
  })
  workflowTemplates(): Record<string, never> {
    return {};
  }

  /** `{"<locale>": {...}}` merged translations */
  @Get('i18n')
  @ApiOperation({ summary: 'Translations of the node packs (none in Easel)' })
  @ApiJsonResponse(200, 'Always `{}`', {
    type: 'object',
    description: 'locale to its merged translations',
    additionalProperties: { type: 'object', additionalProperties: true },
  })
  translations(): Record<string, never> {
    return {};
  }
}
