import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  PromptWorker,
  isPlainObject,
  pythonRepr,
  type HistoryStore,
  type PromptQueue,
} from '@easel/executor';
import { UnparsedBody } from '../http/request-body.js';
import { HISTORY_STORE, PROMPT_QUEUE } from '../runtime/runtime.js';
import { isCanonicalUuid } from './prompt-submission.service.js';
import { historyJob, historyJobDetail, parseJobQuery, queueJob, selectJobs } from './jobs.js';

/** The jobs API the current frontend uses; declared with its `/api` prefix, like ComfyUI. */
@Controller('api/jobs')
export class JobsController {
  constructor(
    @Inject(PROMPT_QUEUE) private readonly queue: PromptQueue,
    @Inject(HISTORY_STORE) private readonly history: HistoryStore,
    private readonly worker: PromptWorker,
  ) {}

  @Get()
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
