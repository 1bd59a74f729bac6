import { Module } from '@nestjs/common';
import { ObjectInfoController } from './object-info.controller.js';

@Module({ controllers: [ObjectInfoController] })
export class NodeInfoModule {}
