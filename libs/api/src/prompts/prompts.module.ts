import { Module } from '@nestjs/common';
import { ApiWsGateway, WsGateway } from '../events/events.gateway.js';
import { SystemModule } from '../system/system.module.js';
import { HistoryController } from './history.controller.js';
import { JobsController } from './jobs.controller.js';
import { PromptSubmissionService } from './prompt-submission.service.js';
import { PromptsController } from './prompts.controller.js';

/** The prompt queue, history, jobs and the WebSocket: everything around the executor. */
@Module({
  imports: [SystemModule],
  controllers: [PromptsController, HistoryController, JobsController],
  providers: [PromptSubmissionService, WsGateway, ApiWsGateway],
})
export class PromptsModule {}
