import { Module } from '@nestjs/common';
import { LogSubscriptions } from './log-subscriptions.js';
import { LogsController } from './logs.controller.js';

/** The server's recent output over HTTP and to subscribed WebSocket sessions (`/internal/logs*`). */
@Module({ controllers: [LogsController], providers: [LogSubscriptions] })
export class LoggingModule {}
