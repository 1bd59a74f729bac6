import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { jsonRecord, type HistoryStore } from '@easel/executor';
import { HISTORY_STORE } from '../runtime/runtime.js';
import { parsePythonInt } from './jobs.js';
import { NOT_A_JSON_OBJECT, objectBody } from './prompts.controller.js';

/** Finished prompts: `/history`. */
@Controller('history')
export class HistoryController {
  constructor(@Inject(HISTORY_STORE) private readonly history: HistoryStore) {}

  @Get()
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
  async one(@Param('promptId') promptId: string) {
    const entry = await this.history.get(promptId);
    return entry ? jsonRecord([[promptId, entry]]) : {};
  }

  @Post()
  @HttpCode(200)
  async change(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const request = objectBody(body);
    if (request === null) return void reply.status(400).send(NOT_A_JSON_OBJECT);
    if (request.clear) await this.history.clear();
    if (Array.isArray(request.delete))
      await this.history.delete(request.delete.filter((id): id is string => typeof id === 'string'));
  }
}
