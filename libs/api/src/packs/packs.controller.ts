import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJsonResponse } from '../openapi/api-docs.js';
import { schemaRef } from '../openapi/openapi-schemas.js';
import { PACK_REPORT } from '../runtime/runtime.js';
import type { PackLoadReport } from './pack-loader.js';

/** `GET /internal/packs`: which packs loaded, and which failed with what error. */
@ApiTags('Internal')
@Controller('internal/packs')
export class PacksController {
  constructor(@Inject(PACK_REPORT) private readonly report: PackLoadReport) {}

  @Get()
  @ApiOperation({ summary: 'Which node packs loaded, and which failed with what error' })
  @ApiJsonResponse(200, 'The packs found at start-up', schemaRef('PackLoadReport'))
  list(): PackLoadReport {
    return this.report;
  }
}
