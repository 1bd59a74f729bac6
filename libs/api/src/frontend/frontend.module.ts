import { Module } from '@nestjs/common';
import { SystemModule } from '../system/system.module.js';
import { FrontendDataController } from './frontend-data.controller.js';
import { FrontendController } from './frontend.controller.js';
import { PackWebController } from './pack-web.controller.js';

/**
 * The web UI at `/` (a ComfyUI frontend build or Easel's status page), the data the frontend
 * loads, and the packs' frontend extensions.
 */
@Module({
  imports: [SystemModule],
  controllers: [FrontendDataController, PackWebController, FrontendController],
})
export class FrontendModule {}
