import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiJsonResponse } from './api-docs.js';
import { OpenApiDocument } from './openapi-document.js';

/** `GET /openapi.json`: the document of this API, built once at start-up. */
@ApiTags('System')
@Controller()
export class OpenApiController {
  constructor(private readonly document: OpenApiDocument) {}

  @Get('openapi.json')
  @ApiOperation({ summary: 'This OpenAPI document' })
  @ApiJsonResponse(200, 'The OpenAPI 3.1 document of every route', {
    type: 'object',
    additionalProperties: true,
  })
  openApi() {
    return this.document.get();
  }
}
