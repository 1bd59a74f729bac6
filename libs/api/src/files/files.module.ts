import { Module } from '@nestjs/common';
import { UploadController } from './upload.controller.js';
import { ViewController } from './view.controller.js';

/** Files of the output, input and temp folders over HTTP (`GET /view`, `POST /upload/image`, `POST /upload/mask`). */
@Module({ controllers: [ViewController, UploadController] })
export class FilesModule {}
