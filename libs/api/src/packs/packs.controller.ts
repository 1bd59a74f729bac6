import { Controller, Get, Inject } from '@nestjs/common';
import { PACK_REPORT } from '../runtime/runtime.js';
import type { PackLoadReport } from './pack-loader.js';

/** `GET /internal/packs`: which packs loaded, and which failed with what error. */
@Controller('internal/packs')
export class PacksController {
  constructor(@Inject(PACK_REPORT) private readonly report: PackLoadReport) {}

  @Get()
  list(): PackLoadReport {
    return this.report;
  }
}
