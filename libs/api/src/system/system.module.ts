import { Module } from '@nestjs/common';
import { SystemController } from './system.controller.js';
import { SystemInfoService } from './system-info.service.js';

@Module({ controllers: [SystemController], providers: [SystemInfoService], exports: [SystemInfoService] })
export class SystemModule {}
