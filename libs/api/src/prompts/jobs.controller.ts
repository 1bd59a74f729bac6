import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  PromptWorker,
  isPlainObject,
  pythonRepr,
  type HistoryStore,
  type PromptQueue,
} from '@easel/executor';
import { UnparsedBody } from '../http/request-body.js';
import { ApiJsonBody, ApiJsonResponse } from '../openapi/api-docs.js';
import { schemaRef, type JsonSchema } from '../openapi/openapi-schemas.js';
import { HISTORY_STORE, PROMPT_QUEUE } from '../runtime/runtime.js';
import { isCanonicalUuid } from './prompt-submission.service.js';
import { historyJob, historyJobDetail, parseJobQuery, queueJob, selectJobs } from './jobs.js';

const CANCELLED: JsonSchema = {
  type: 'object',
  required: ['cancelled'],
  properties: { cancelled: { type: 'boolean', description: 'whether a cancel was dispatched' } },
};

/** The jobs API the current frontend uses; declared with its `/api` prefix, like ComfyUI. */
@ApiTags('Jobs')
@Controller('api/jobs')
export class JobsController {
  constructor(
    @Inject(PROMPT_QUEUE) private readonly queue: PromptQueue,
    @Inject(HISTORY_STORE) private readonly history: HistoryStore,
    private readonly worker: PromptWorker,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List running, pending and finished jobs' })
  @ApiQuery({
    name: 'status',
    required: false,
    schema: { type: 'string' },
    description: 'Comma-separated statuses to keep: pending, in_progress, completed, failed, cancelled.',
  })
  @ApiQuery({ name: 'workflow_id', required: false, schema: { type: 'string' }, description: 'Exact match.' })
  @ApiQuery({
    name: 'sort_by',
    required: false,
    schema: { type: 'string', enum: ['created_at', 'execution_duration'], default: 'created_at' },
  })
  @ApiQuery({
    name: 'sort_order',
    required: false,
    schema: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
  })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1 } })
  @ApiQuery({ name: 'offset', required: false, schema: { type: 'integer', default: 0 } })
  @ApiJsonResponse(200, 'One page of jobs', {
    type: 'object',
    required: ['jobs', 'pagination'],
    properties: {
      jobs: { type: 'array', items: schemaRef('Job') },
      pagination: {
        type: 'object',
        properties: {
          offset: { type: 'integer' },
          limit: { type: ['integer', 'null'] },
          total: { type: 'integer', description: 'jobs after filtering, before paging' },
          has_more: { type: 'boolean' },
        },
      },
    },
  })
  @ApiJsonResponse(400, 'A query parameter is invalid', schemaRef('MessageError'))
  async list(
    @Query() query: Record<string, string | undefined>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const parsed = parseJobQuery(query);
    if (typeof parsed === 'string') return void reply.status(400).send({ error: parsed });
    const [running, pending, finished] = await Promise.all([
      this.queue.running(),
      this.queue.pending(),
      this.history.list(),
    ]);
    return selectJobs(
      [
        ...running.map((item) => queueJob(item, 'in_progress')),
        ...pending.map((item) => queueJob(item, 'pending')),
        ...finished.map(([id, entry]) => historyJob(id, entry)),
      ],
      parsed,
    );
  }

  @Get(':jobId')
  @ApiOperation({ summary: "One job's detail (a finished job with its outputs and workflow)" })
  @ApiParam({ name: 'jobId', description: 'The prompt id' })
  @ApiJsonResponse(200, 'The job', schemaRef('Job'))
  @ApiJsonResponse(404, 'No such job', schemaRef('MessageError'))
  async detail(@Param('jobId') jobId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const entry = await this.history.get(jobId);
    if (entry) return historyJobDetail(jobId, entry);
    const running = (await this.queue.running()).find((item) => item.promptId === jobId);
    if (running) return queueJob(running, 'in_progress');
    const pending = (await this.queue.pending()).find((item) => item.promptId === jobId);
    if (pending) return queueJob(pending, 'pending');
    return void reply.status(404).send({ error: 'Job not found' });
  }

  @Post('cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel several jobs: interrupt the running one, remove pending ones' })
  @ApiJsonBody(
    {
      type: 'object',
      required: ['job_ids'],
      properties: { job_ids: { type: 'array', items: { type: 'string', format: 'uuid' } } },
    },
    'The jobs to cancel',
    true,
  )
  @ApiJsonResponse(200, '`cancelled` is true when at least one cancel was dispatched', CANCELLED)
  @ApiJsonResponse(400, 'The body is not JSON, or job_ids is not a list of UUIDs (nothing is cancelled)', {
    type: 'object',
    required: ['error'],
    properties: { error: { type: 'string' }, invalid_ids: { type: 'array', items: {} } },
  })
  async cancelMany(@Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    if (body === undefined || body instanceof UnparsedBody)
      return void reply.status(400).send({ error: 'Request body must be valid JSON' });
    const ids = isPlainObject(body) ? body.job_ids : undefined;
    if (!Array.isArray(ids)) return void reply.status(400).send({ error: 'job_ids must be a list' });
    const invalid = ids.filter((id) => !isCanonicalUuid(id));
    if (invalid.length > 0)
      return void reply.status(400).send({
        error: 'job_ids contains invalid id(s)',
        invalid_ids: invalid.map((id) => (typeof id === 'string' ? id : pythonRepr(id))),
      });
    let cancelled = false;
    for (const id of ids as string[]) cancelled = (await this.cancel(id)) || cancelled;
    return { cancelled };
  }

  @Post(':jobId/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel one job, whatever its state (a finished or unknown job is a no-op)' })
  @ApiParam({ name: 'jobId', description: 'The prompt id' })
  @ApiJsonResponse(200, 'Whether a cancel was dispatched', CANCELLED)
  async cancelOne(@Param('jobId') jobId: string) {
    return { cancelled: await this.cancel(jobId) };
  }

  /** Interrupts the job if it runs, removes it if it waits; a finished or unknown job is a no-op. */
  private async cancel(jobId: string): Promise<boolean> {
    if (this.worker.interrupt(jobId)) return true;
    if ((await this.queue.delete([jobId])) > 0) {
      await this.worker.broadcastStatus();
      return true;
    }
    // it may have started in the meantime
    return this.worker.interrupt(jobId);
  }
}
