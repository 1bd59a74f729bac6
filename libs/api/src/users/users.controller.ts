import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UnparsedBody } from '../http/request-body.js';
import { ApiJsonBody, ApiJsonResponse } from '../openapi/api-docs.js';
import { schemaRef } from '../openapi/openapi-schemas.js';
import { json } from '../http/replies.js';
import { UserService, type UsersAnswer } from './user.service.js';

/** ComfyUI's `GET /users` and `POST /users`. */
@ApiTags('Users')
@Controller()
export class UsersController {
  constructor(private readonly users: UserService) {}

  @Get('users')
  @ApiOperation({
    summary: 'The users (with `--multi-user`), or whether the default user has a folder',
    description:
      'With `--multi-user`: the users of `<user dir>/users.json` by id, system users (`__...`) left out. Without: `migrated` says whether `<user dir>/default` exists.',
  })
  @ApiJsonResponse(200, 'How users are stored, and the users', {
    oneOf: [
      {
        type: 'object',
        required: ['storage', 'users'],
        properties: {
          storage: { type: 'string', enum: ['server'] },
          users: {
            type: 'object',
            additionalProperties: { type: 'string' },
            description: 'id to display name',
          },
        },
      },
      {
        type: 'object',
        required: ['storage', 'migrated'],
        properties: { storage: { type: 'string', enum: ['server'] }, migrated: { type: 'boolean' } },
      },
    ],
  })
  listing(): Promise<UsersAnswer> {
    return this.users.listing();
  }

  /**
   * Body `{"username": "..."}`; answers the new id as a bare JSON string, or 400 with
   * `{"error": "..."}`. A body without a string `username` gets the same 400 (ComfyUI fails with
   * a 500 there).
   */
  @Post('users')
  @ApiOperation({
    summary: 'Create a user',
    description:
      'Also without `--multi-user`, as in ComfyUI: the user is added to `<user dir>/users.json`. The id is the trimmed name with every run of other characters than ASCII letters, digits, `-` and `_` replaced by `-`, then `_` and a UUID. The body is read as JSON whatever its content type.',
  })
  @ApiJsonBody(
    {
      type: 'object',
      required: ['username'],
      properties: { username: { type: 'string', description: 'The display name' } },
    },
    'The new user',
    true,
  )
  @ApiJsonResponse(200, 'The new id, as a JSON string', { type: 'string' })
  @ApiJsonResponse(
    400,
    'No string `username` (or an empty one) `username not provided`, a name already used `Duplicate username.`, or a system name `System User prefix not allowed`',
    schemaRef('MessageError'),
  )
  async create(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const body = request.body;
    const username =
      body !== null && typeof body === 'object' && !(body instanceof UnparsedBody) && !Array.isArray(body)
        ? (body as Record<string, unknown>).username
        : undefined;
    if (typeof username !== 'string') return json(reply, { error: 'username not provided' }, 400);
    const result = await this.users.create(username);
    return result.ok ? json(reply, result.id) : json(reply, { error: result.error }, 400);
  }
}
