import { Module } from '@nestjs/common';
import { OpenApiController } from './openapi.controller.js';
import { OpenApiDocument } from './openapi-document.js';

/*
 * `GET /openapi.json`: an OpenAPI 3.1 document of every controller route, generated from the
 * controllers by @nestjs/swagger at start-up (`publishOpenApiDocument`), committed as
 * docs/openapi.json (`npm run build && npm run openapi`) and checked by apps/server's
 * openapi.e2e.spec.ts.
 *
 * How to annotate a controller (see prompts/history.controller.ts for a complete one):
 * - the class: `@ApiTags('<tag>')`, a tag of `API_TAGS` (openapi-document.ts; add one there if
 *   none fits, with its description);
 * - every route: `@ApiOperation({ summary })` (a short imperative line; `description` for what a
 *   client must know beyond it) and its main answers with their status codes:
 *   `@ApiJsonResponse(status, description, schema)`, `@ApiErrorResponse(status, description)` for
 *   ComfyUI's error body, `@ApiEmptyResponse(status, description)` for a bare status,
 *   `@ApiMediaResponse(status, description, mediaTypes)` for files (api-docs.ts);
 * - inputs: path parameters come from `@Param('name')` by themselves (add `@ApiParam` to describe
 *   them); query parameters need `@ApiQuery({ name, required, schema, description })`, always
 *   (a `@Query('name')` alone is listed as required, a `@Query()` object or `@Req()` not at all);
 *   a JSON body `@ApiJsonBody(schema, description)`; a multipart body
 *   `@ApiConsumes('multipart/form-data')` + `@ApiBody({ schema })`; headers `@ApiHeader`;
 * - schemas: a shape used by more than one route goes into `COMPONENT_SCHEMAS`
 *   (openapi-schemas.ts) and is referenced with `schemaRef('<Name>')`; a one-off shape is written
 *   inline as a JSON schema. No DTO classes are needed.
 * Then rebuild and run `npm run openapi`, and commit docs/openapi.json with the change.
 */
@Module({ controllers: [OpenApiController], providers: [OpenApiDocument] })
export class OpenApiModule {}
