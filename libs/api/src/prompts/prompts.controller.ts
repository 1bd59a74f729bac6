import { Body, Controller, Get, Headers, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PromptWorker, isPlainObject, toQueueTuple, type PromptQueue } from '@easel/executor';
import { UnparsedBody } from '../http/request-body.js';
import { PROMPT_QUEUE } from '../runtime/runtime.js';
import { PromptSubmissionService } from './prompt-submission.service.js';

/** A JSON object body, `{}` for an empty body, or null for anything else. */
export function objectBody(body: unknown): Record<string, unknown> | null {
  if (body === undefined) return {};
  if (body instanceof UnparsedBody || !isPlainObject(body)) return null;
  return body;
}

export const NOT_A_JSON_OBJECT = {
  error: {
    type: 'invalid_request',
    message: 'Request body must be a JSON object',
    details: '',
    extra_info: {},
  },
};

/** Prompt submission and queue control: `/prompt`, `/queue`, `/interrupt`, `/free`. */
@Controller()
export class PromptsController {
  constructor(
    private readonly submission: PromptSubmissionService,
    private readonly worker: PromptWorker,
    @Inject(PROMPT_QUEUE) private readonly queue: PromptQueue,
  ) {}

  @Get('prompt')
  async status() {
    return { exec_info: { queue_remaining: await this.queue.remaining() } };
  }

  @Post('prompt')
  async submit(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('comfy-usage-source') usageSource: string | undefined,
  ) {
    const result = await this.submission.submit(request.rawBody, usageSource, (release) => {
      // the prompt's events wait until its answer is on the wire
      reply.raw.once('finish', release);
      reply.raw.once('close', release);
    });
    void reply.status(result.status);
    return result.body;
  }

  @Get('queue')
  async list() {
    const [running, pending] = await Promise.all([this.queue.running(), this.queue.pending()]);
    return { queue_running: running.map(toQueueTuple), queue_pending: pending.map(toQueueTuple) };
  }

  @Post('queue')
  @HttpCode(200)
  async change(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const request = objectBody(body);
    if (request === null) return void reply.status(400).send(NOT_A_JSON_OBJECT);
    if (request.clear) {
      await this.queue.clear();
      await this.worker.broadcastStatus();
    }
    if (Array.isArray(request.delete)) {
      const ids = request.delete.filter((id): id is string => typeof id === 'string');
      if ((await this.queue.delete(ids)) > 0) await this.worker.broadcastStatus();
    }
  }

  @Post('interrupt')
  @HttpCode(200)
  interrupt(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): void {
    // an empty or non-JSON body means "whatever is running"
    const request = body instanceof UnparsedBody || body === undefined ? {} : body;
    if (!isPlainObject(request)) return void reply.status(400).send(NOT_A_JSON_OBJECT);
    const promptId = request.prompt_id;
    if (typeof promptId === 'string' && promptId !== '') this.worker.interrupt(promptId);
    else this.worker.interrupt();
  }

  @Post('free')
  @HttpCode(200)
  free(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): void {
    const request = objectBody(body);
    if (request === null) return void reply.status(400).send(NOT_A_JSON_OBJECT);
    const unload = request.unload_models === true;
    const freeMemory = request.free_memory === true;
    if (unload || freeMemory) this.worker.requestFree(unload, freeMemory);
  }
}
