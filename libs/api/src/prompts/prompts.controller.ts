import { Body, Controller, Get, Headers, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PromptWorker, isPlainObject, toQueueTuple, type PromptQueue } from '@easel/executor';
import { UnparsedBody } from '../http/request-body.js';
import { ApiEmptyResponse, ApiErrorResponse, ApiJsonBody, ApiJsonResponse } from '../openapi/api-docs.js';
import { schemaRef, type JsonSchema } from '../openapi/openapi-schemas.js';
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

const QUEUE_STATUS: JsonSchema = {
  type: 'object',
  properties: {
    exec_info: {
      type: 'object',
      properties: { queue_remaining: { type: 'integer', description: 'pending plus running prompts' } },
    },
  },
};

const PROMPT_REQUEST: JsonSchema = {
  type: 'object',
  required: ['prompt'],
  properties: {
    prompt: schemaRef('Prompt'),
    client_id: { type: 'string', description: 'The WebSocket session id (`sid`) that receives the events.' },
    prompt_id: {
      type: ['string', 'null'],
      description: 'A canonical lowercase UUID; the server makes one when absent or null.',
    },
    number: { type: 'number', description: 'Explicit priority: smaller runs first.' },
    front: { type: 'boolean', description: 'Queue ahead of the others (when `number` is absent).' },
    extra_data: {
      type: 'object',
      additionalProperties: true,
      description: 'Free-form; `extra_pnginfo` is written into saved images, `client_id` is copied here.',
    },
    partial_execution_targets: {
      type: 'array',
      items: { type: 'string' },
      description: 'Run only these output nodes.',
    },
  },
};

/** Prompt submission and queue control: `/prompt`, `/queue`, `/interrupt`, `/free`. */
@ApiTags('Prompts')
@Controller()
export class PromptsController {
  constructor(
    private readonly submission: PromptSubmissionService,
    private readonly worker: PromptWorker,
    @Inject(PROMPT_QUEUE) private readonly queue: PromptQueue,
  ) {}

  @Get('prompt')
  @ApiOperation({ summary: 'How many prompts are waiting or running' })
  @ApiJsonResponse(200, 'The queue status (as in the WebSocket `status` message)', QUEUE_STATUS)
  async status() {
    return { exec_info: { queue_remaining: await this.queue.remaining() } };
  }

  @Post('prompt')
  @ApiOperation({
    summary: 'Validate a prompt and queue it',
    description:
      "The answer is on the wire before any WebSocket event of the prompt. Validation errors use ComfyUI's types and `node_errors`.",
  })
  @ApiHeader({
    name: 'Comfy-Usage-Source',
    required: false,
    description: 'Copied into `extra_data.comfy_usage_source` when that is absent.',
  })
  @ApiJsonBody(PROMPT_REQUEST, 'The prompt and how to queue it', true)
  @ApiJsonResponse(200, 'Queued; `node_errors` lists outputs that failed validation and will not run', {
    type: 'object',
    required: ['prompt_id', 'number', 'node_errors'],
    properties: {
      prompt_id: { type: 'string' },
      number: { type: 'number' },
      node_errors: schemaRef('NodeErrors'),
    },
  })
  @ApiJsonResponse(400, 'Not queued: the body or the prompt is invalid', schemaRef('PromptRejection'))
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
  @ApiOperation({ summary: 'The running and the pending prompts' })
  @ApiJsonResponse(200, 'Queue items; `queue_pending` is not sorted (clients sort by `number`)', {
    type: 'object',
    properties: {
      queue_running: { type: 'array', items: schemaRef('QueueItem') },
      queue_pending: { type: 'array', items: schemaRef('QueueItem') },
    },
  })
  async list() {
    const [running, pending] = await Promise.all([this.queue.running(), this.queue.pending()]);
    return { queue_running: running.map(toQueueTuple), queue_pending: pending.map(toQueueTuple) };
  }

  @Post('queue')
  @HttpCode(200)
  @ApiOperation({ summary: 'Clear the pending queue or delete prompts from it' })
  @ApiJsonBody(
    {
      type: 'object',
      properties: {
        clear: { type: 'boolean', description: 'Remove every pending prompt (the running one goes on).' },
        delete: { type: 'array', items: { type: 'string' }, description: 'Pending prompt ids to remove.' },
      },
    },
    'What to remove',
  )
  @ApiEmptyResponse(200, 'Done; empty body')
  @ApiErrorResponse(400, 'The body is not a JSON object')
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
  @ApiOperation({ summary: 'Interrupt the running prompt' })
  @ApiJsonBody(
    {
      type: 'object',
      properties: {
        prompt_id: { type: 'string', description: 'Interrupt only if this prompt is the one running.' },
      },
    },
    'Optional; an empty or non-JSON body interrupts whatever runs',
  )
  @ApiEmptyResponse(200, 'Done; empty body')
  @ApiErrorResponse(400, 'The body is JSON but not an object')
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
  @ApiOperation({ summary: 'Unload models and free memory after the current prompt' })
  @ApiJsonBody(
    {
      type: 'object',
      properties: {
        unload_models: { type: 'boolean', default: false },
        free_memory: { type: 'boolean', default: false, description: 'Also empties the execution cache.' },
      },
    },
    'What to free',
  )
  @ApiEmptyResponse(200, 'Done; empty body')
  @ApiErrorResponse(400, 'The body is not a JSON object')
  free(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): void {
    const request = objectBody(body);
    if (request === null) return void reply.status(400).send(NOT_A_JSON_OBJECT);
    const unload = request.unload_models === true;
    const freeMemory = request.free_memory === true;
    if (unload || freeMemory) this.worker.requestFree(unload, freeMemory);
  }
}
