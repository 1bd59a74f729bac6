import { Module } from '@nestjs/common';
import { ViewController } from './view.controller.js';

/** Files of the output, input and temp folders over HTTP (`GET /view`). */
@Module({ controllers: [ViewController] })
export class FilesModule {}
