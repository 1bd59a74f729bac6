import { Module } from '@nestjs/common';
import { SystemModule } from '../system/system.module.js';
import { FrontendDataController } from './frontend-data.controller.js';
import { FrontendController } from './frontend.controller.js';

/** The web UI at `/` (a ComfyUI frontend build or Easel's status page) and the data the frontend loads. */
@Module({ imports: [SystemModule], controllers: [FrontendDataController, FrontendController] })
export class FrontendModule {}
