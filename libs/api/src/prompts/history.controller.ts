import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { jsonRecord, type HistoryStore } from '@easel/executor';
import { ApiEmptyResponse, ApiErrorResponse, ApiJsonBody, ApiJsonResponse } from '../openapi/api-docs.js';
import { schemaRef } from '../openapi/openapi-schemas.js';
import { HISTORY_STORE } from '../runtime/runtime.js';
import { parsePythonInt } from './jobs.js';
import { NOT_A_JSON_OBJECT, objectBody } from './prompts.controller.js';

/** Finished prompts: `/history`. */
@ApiTags('History')
@Controller('history')
export class HistoryController {
  constructor(@Inject(HISTORY_STORE) private readonly history: HistoryStore) {}

  @Get()
  @ApiOperation({ summary: 'List finished prompts, oldest first' })
  @ApiQuery({
    name: 'max_items',
    required: false,
    schema: { type: 'integer' },
    description: 'At most this many entries: the newest ones unless `offset` is given.',
  })
  @ApiQuery({
    name: 'offset',
    required: false,
    schema: { type: 'integer' },
    description: 'Skip this many of the oldest entries (a negative one counts as absent).',
  })
  @ApiJsonResponse(200, 'Entries by prompt id', schemaRef('History'))
  @ApiJsonResponse(400, 'max_items or offset is not an integer', schemaRef('MessageError'))
  async list(
    @Query('max_items') maxItems: string | undefined,
    @Query('offset') offset: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const max = maxItems === undefined ? undefined : parsePythonInt(maxItems);
    if (max === null) return void reply.status(400).send({ error: 'max_items must be an integer' });
    const skip = offset === undefined ? undefined : parsePythonInt(offset);
    if (skip === null) return void reply.status(400).send({ error: 'offset must be an integer' });
    return jsonRecord(await this.history.list(max, skip));
  }

  @Get(':promptId')
  @ApiOperation({ summary: "One finished prompt's entry" })
  @ApiParam({ name: 'promptId', description: 'The prompt id' })
  @ApiJsonResponse(200, '`{<prompt_id>: entry}`, or `{}` for an unknown id (never 404)', schemaRef('History'))
  async one(@Param('promptId') promptId: string) {
    const entry = await this.history.get(promptId);
    return entry ? jsonRecord([[promptId, entry]]) : {};
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Clear the history or delete entries from it' })
  @ApiJsonBody(
    {
      type: 'object',
      properties: {
        clear: { type: 'boolean', description: 'Remove every entry.' },
        delete: {
          type: 'array',
          items: { type: 'string' },
          description: 'Prompt ids to remove; unknown ids are ignored.',
        },
      },
    },
    'What to remove',
  )
  @ApiEmptyResponse(200, 'Done; empty body')
  @ApiErrorResponse(400, 'The body is not a JSON object')
  async change(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const request = objectBody(body);
    if (request === null) return void reply.status(400).send(NOT_A_JSON_OBJECT);
    if (request.clear) await this.history.clear();
    if (Array.isArray(request.delete))
      await this.history.delete(request.delete.filter((id): id is string => typeof id === 'string'));
  }
}
