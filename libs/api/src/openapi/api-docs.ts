import { ApiBody, ApiHeader, ApiResponse, type ReferenceObject, type SchemaObject } from '@nestjs/swagger';
import { schemaRef, type JsonSchema } from './openapi-schemas.js';

// Shorthands for the annotations every controller repeats; see openapi.module.ts for the pattern.

type Schema = JsonSchema | ReferenceObject;

/** A JSON answer with this status. */
export function ApiJsonResponse(status: number, description: string, schema: Schema) {
  return ApiResponse({
    status,
    description,
    content: { 'application/json': { schema: schema as SchemaObject } },
  });
}

/** An answer in another media type (a file, an image, HTML). */
export function ApiMediaResponse(status: number, description: string, mediaTypes: readonly string[]) {
  const binary = { type: 'string', format: 'binary' } as const;
  return ApiResponse({
    status,
    description,
    content: Object.fromEntries(mediaTypes.map((type) => [type, { schema: binary }])),
  });
}

/** An answer with an empty body (ComfyUI's bare `web.Response(status=...)`). */
export function ApiEmptyResponse(status: number, description: string) {
  return ApiResponse({ status, description });
}

/** A plain-text answer (ComfyUI's `web.Response(text=...)`): one of these texts. */
export function ApiTextResponse(status: number, description: string, texts: readonly string[]) {
  return ApiResponse({
    status,
    description,
    content: { 'text/plain': { schema: { type: 'string', enum: [...texts] } } },
  });
}

/**
 * The `Comfy-User` header, on a controller or a route that acts as the request's user: the user
 * in `--multi-user` mode, ignored otherwise.
 */
export function ApiComfyUserHeader() {
  return ApiHeader({
    name: 'Comfy-User',
    required: false,
    description:
      'The id of a user listed by `GET /users` to act as, with `--multi-user` (absent: `default`); ignored without it, where everyone is `default`.',
    schema: { type: 'string' },
  });
}

/** A JSON error in ComfyUI's shape (`ErrorBody`). */
export function ApiErrorResponse(status: number, description: string) {
  return ApiJsonResponse(status, description, schemaRef('ErrorBody'));
}

/** A JSON request body; optional unless `required` (ComfyUI reads an empty body as `{}` in most places). */
export function ApiJsonBody(schema: Schema, description: string, required = false) {
  return ApiBody({ schema: schema as SchemaObject, description, required });
}
