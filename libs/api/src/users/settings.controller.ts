import { BadRequestException, Controller, Get, HttpException, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../http/json-errors.js';
import { UnparsedBody } from '../http/request-body.js';
import {
  ApiComfyUserHeader,
  ApiEmptyResponse,
  ApiErrorResponse,
  ApiJsonBody,
  ApiJsonResponse,
} from '../openapi/api-docs.js';
import { bare, json } from '../http/replies.js';
import { SettingsService, type Settings } from './settings.service.js';
import { UnknownUserError, UserService } from './user.service.js';

/** The request's user; an unknown one is a 401, which makes the frontend show its user selection. */
function settingsUser(users: UserService, request: FastifyRequest): string {
  try {
    return users.requestUser(request.headers['comfy-user']);
  } catch (error) {
    if (!(error instanceof UnknownUserError)) throw error;
    throw new HttpException(
      errorBody(
        'unauthorized',
        'Unknown user',
        'Send the id of a user listed by GET /users in the comfy-user header',
      ),
      401,
    );
  }
}

/** The JSON value of the body; a missing or malformed body is a 400 (ComfyUI fails with a 500). */
function jsonBody(request: FastifyRequest): unknown {
  const body = request.body;
  if (body === undefined)
    throw new BadRequestException(errorBody('bad_request', 'The body must be JSON', 'it is empty'));
  if (body instanceof UnparsedBody) {
    throw new BadRequestException(errorBody('bad_request', 'The body must be JSON', body.reason));
  }
  return body;
}

/** ComfyUI's `/settings` routes: the frontend's settings, stored per user. */
@ApiTags('Users')
@ApiComfyUserHeader()
@Controller()
export class SettingsController {
  constructor(
    private readonly users: UserService,
    private readonly settings: SettingsService,
  ) {}

  @Get('settings')
  @ApiOperation({ summary: "The user's settings" })
  @ApiJsonResponse(200, 'Setting id to value; `{}` when none are stored', {
    type: 'object',
    additionalProperties: true,
  })
  @ApiErrorResponse(401, 'With `--multi-user`: `Comfy-User` names no listed user')
  async all(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const user = settingsUser(this.users, request);
    return json(reply, await this.settings.all(user));
  }

  @Get('settings/:id')
  @ApiOperation({ summary: "One of the user's settings" })
  @ApiParam({ name: 'id', description: 'The setting id (`/` sent as `%2F`)', schema: { type: 'string' } })
  @ApiJsonResponse(200, 'Its value, any JSON value; `null` when it is not set', {})
  @ApiErrorResponse(401, 'With `--multi-user`: `Comfy-User` names no listed user')
  async one(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const user = settingsUser(this.users, request);
    const { id } = request.params as { id: string };
    return json(reply, id === '' ? null : await this.settings.get(user, id));
  }

  /** Shallow-merges a JSON object over the stored settings; 200 with no body. */
  @Post('settings')
  @ApiOperation({
    summary: "Change several of the user's settings",
    description: 'The body is read as JSON whatever its content type (the frontend sends `text/plain`).',
  })
  @ApiJsonBody(
    { type: 'object', additionalProperties: true },
    'Setting id to value, merged over the stored settings (shallowly: a value replaces the stored one)',
    true,
  )
  @ApiEmptyResponse(200, 'Stored; empty body')
  @ApiErrorResponse(400, 'The body is empty, not JSON, or not a JSON object')
  @ApiErrorResponse(401, 'With `--multi-user`: `Comfy-User` names no listed user')
  async merge(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const user = settingsUser(this.users, request);
    const values = jsonBody(request);
    if (values === null || typeof values !== 'object' || Array.isArray(values)) {
      throw new BadRequestException(
        errorBody('bad_request', 'The body must be a JSON object of setting id -> value'),
      );
    }
    await this.settings.merge(user, values as Settings);
    return bare(reply, 200);
  }

  /** Stores any JSON value under one id; 200 with no body. */
  @Post('settings/:id')
  @ApiOperation({
    summary: "Change one of the user's settings",
    description: 'The body is read as JSON whatever its content type (the frontend sends `text/plain`).',
  })
  @ApiParam({ name: 'id', description: 'The setting id (`/` sent as `%2F`)', schema: { type: 'string' } })
  @ApiJsonBody({}, 'The value: any JSON value', true)
  @ApiEmptyResponse(200, 'Stored; empty body')
  @ApiErrorResponse(400, 'The body is empty or not JSON (an empty id: a bare 400)')
  @ApiErrorResponse(401, 'With `--multi-user`: `Comfy-User` names no listed user')
  async set(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const { id } = request.params as { id: string };
    if (id === '') return bare(reply, 400);
    const user = settingsUser(this.users, request);
    await this.settings.set(user, id, jsonBody(request));
    return bare(reply, 200);
  }
}
