import { Controller, Delete, Get, HttpException, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDangerousContentType, contentTypeOf } from '../files/mime-types.js';
import { sendFile } from '../files/send-file.js';
import { errorBody } from '../http/json-errors.js';
import {
  ApiComfyUserHeader,
  ApiEmptyResponse,
  ApiErrorResponse,
  ApiJsonResponse,
  ApiMediaResponse,
  ApiTextResponse,
} from '../openapi/api-docs.js';
import { schemaRef } from '../openapi/openapi-schemas.js';
import { bare, json, overwriteFlag, queryFlag, queryParam, text } from '../http/replies.js';
import {
  UserDataService,
  type StoredFile,
  type UserDataProblem,
  type UserDataResult,
} from './user-data.service.js';
import { UnknownUserError, UserService } from './user.service.js';

/** The reason phrase ComfyUI gives a write the file system refuses. */
const INVALID_FILENAME = 'Invalid filename. Please avoid special characters like :\\/*?"<>|';

/** ComfyUI's bare answers of the file routes (`get_user_data_path` and the handlers). */
function fileProblem(reply: FastifyReply, problem: UserDataProblem): FastifyReply {
  switch (problem) {
    case 'empty':
      return bare(reply, 400);
    case 'outside':
      return bare(reply, 403);
    case 'missing':
      return bare(reply, 404);
    case 'exists':
      return text(reply, 409, 'File already exists');
    case 'bad-name':
    case 'not-directory':
      reply.raw.statusMessage = INVALID_FILENAME;
      return bare(reply, 400);
    case 'directory':
      return reply
        .status(400)
        .send(
          errorBody('bad_request', 'This is a folder; only files can be deleted', 'DELETE /userdata/{file}'),
        );
  }
}

/** The `{file}` path parameter of the user data routes. */
const FILE_PARAM_DESCRIPTION =
  "A path relative to the user's folder, as one segment: `/` sent as `%2F` (`workflows%2Fmy.json`)";

/**
 * ComfyUI's user data routes: files of the request's user under `<user dir>/<user>`.
 * `{file}` and `{dest}` are one path segment: nested paths come with `/` sent as `%2F`.
 */
@ApiTags('Users')
@ApiComfyUserHeader()
@Controller()
export class UserDataController {
  constructor(
    private readonly users: UserService,
    private readonly userData: UserDataService,
  ) {}

  /** An unknown user is refused with 403, as `/v2/userdata` does (ComfyUI lets the error escape: a 500). */
  private user(request: FastifyRequest): string {
    try {
      return this.users.requestUser(request.headers['comfy-user']);
    } catch (error) {
      if (!(error instanceof UnknownUserError)) throw error;
      throw new HttpException(
        errorBody(
          'unknown_user',
          'Unknown user',
          'Send the id of a user listed by GET /users in the comfy-user header',
        ),
        403,
      );
    }
  }

  /** `?dir=<dir>&recurse=&full_info=&split=`: files (not folders) in a folder, names starting with `.` left out. */
  @Get('userdata')
  @ApiOperation({ summary: "List the files in a folder of the user's folder" })
  @ApiQuery({
    name: 'dir',
    required: true,
    schema: { type: 'string' },
    description: "The folder, relative to the user's folder (`workflows`)",
  })
  @ApiQuery({
    name: 'recurse',
    required: false,
    schema: { type: 'string' },
    description: '`true` (any case) to list the subfolders too',
  })
  @ApiQuery({
    name: 'full_info',
    required: false,
    schema: { type: 'string' },
    description: '`true` (any case): each file as `UserFileInfo`',
  })
  @ApiQuery({
    name: 'split',
    required: false,
    schema: { type: 'string' },
    description: '`true` (any case): each file as `[path, ...its segments]` (unless `full_info`)',
  })
  @ApiJsonResponse(
    200,
    'The files (not folders), relative to the folder with `/` separators; names starting with `.` left out',
    {
      type: 'array',
      items: {
        oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }, schemaRef('UserFileInfo')],
      },
    },
  )
  @ApiTextResponse(400, '`dir` is missing or empty', ['Directory not provided'])
  @ApiTextResponse(403, "`dir` leads out of the user's folder", ['Invalid directory'])
  @ApiTextResponse(404, 'No such folder', ['Directory not found'])
  @ApiErrorResponse(403, 'With `--multi-user`: `Comfy-User` names no listed user (ComfyUI: 500)')
  async list(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const dir = queryParam(request, 'dir') ?? '';
    if (dir === '') return text(reply, 400, 'Directory not provided');
    const user = this.user(request);
    const result = await this.userData.list(user, dir, {
      recurse: queryFlag(request, 'recurse'),
      fullInfo: queryFlag(request, 'full_info'),
      split: queryFlag(request, 'split'),
    });
    if (result.ok) return json(reply, result.value);
    if (result.problem === 'missing') return text(reply, 404, 'Directory not found');
    return text(reply, result.problem === 'empty' ? 400 : 403, 'Invalid directory');
  }

  /** `?path=<rel path>`: every folder and file below it, folders first. */
  @Get('v2/userdata')
  @ApiOperation({ summary: "Everything below a folder of the user's folder, folders first" })
  @ApiQuery({
    name: 'path',
    required: false,
    schema: { type: 'string' },
    description: "The folder, relative to the user's folder; absent or empty: the user's folder",
  })
  @ApiJsonResponse(
    200,
    "Every folder and file below it (paths from the user's folder, `/` separators): folders first, then by name ignoring case",
    {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'path', 'type'],
        properties: {
          name: { type: 'string' },
          path: { type: 'string' },
          type: { type: 'string', enum: ['directory', 'file'] },
          size: { type: 'integer', description: 'files only: bytes' },
          modified: { type: 'number', description: 'files only: seconds since the epoch' },
        },
      },
    },
  )
  @ApiTextResponse(400, "`path` leads out of the user's folder, or is a file", [
    'Invalid path requested',
    'Requested path is not a directory',
  ])
  @ApiTextResponse(403, 'With `--multi-user`: `Comfy-User` names no listed user', [
    'Invalid user specified in request',
  ])
  @ApiTextResponse(404, 'No such folder', ['Requested path not found'])
  async listTree(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    let user: string;
    try {
      user = this.users.requestUser(request.headers['comfy-user']);
    } catch (error) {
      if (!(error instanceof UnknownUserError)) throw error;
      return text(reply, 403, 'Invalid user specified in request');
    }
    const result = await this.userData.listTree(user, queryParam(request, 'path') ?? '');
    if (result.ok) return json(reply, result.value);
    if (result.problem === 'missing') return text(reply, 404, 'Requested path not found');
    if (result.problem === 'not-directory') return text(reply, 400, 'Requested path is not a directory');
    return text(reply, 400, 'Invalid path requested');
  }

  /**
   * The file, always as a download that browsers do not sniff (user data is arbitrary content);
   * types a browser would run become `application/octet-stream`. Only `<user root>/user.css` is
   * served inline as CSS: the frontend loads it as the user's stylesheet.
   */
  @Get('userdata/:file')
  @ApiOperation({
    summary: "Read a file of the user's folder",
    description:
      "Sent as a download (`Content-Disposition: attachment`, `X-Content-Type-Options: nosniff`) typed by its name; types a browser would run (HTML, scripts, SVG, XML) as `application/octet-stream`. Only `user.css` at the top of the user's folder is sent inline as `text/css`. Supports `Range`, `ETag` and `Last-Modified`.",
  })
  @ApiParam({ name: 'file', description: FILE_PARAM_DESCRIPTION, schema: { type: 'string' } })
  @ApiMediaResponse(200, 'The file', ['*/*'])
  @ApiMediaResponse(206, 'The requested range of the file', ['*/*'])
  @ApiEmptyResponse(304, 'Not modified since the given ETag or date')
  @ApiEmptyResponse(400, 'No file name; empty body')
  @ApiEmptyResponse(403, "The path leads out of the user's folder; empty body")
  @ApiEmptyResponse(404, 'No such file (or it is a folder); empty body')
  @ApiEmptyResponse(412, 'The file does not match `If-Match` or `If-Unmodified-Since`')
  @ApiEmptyResponse(416, 'The range is not satisfiable')
  @ApiErrorResponse(403, 'With `--multi-user`: `Comfy-User` names no listed user (ComfyUI: 500)')
  async read(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const { file } = request.params as { file: string };
    if (file === '') return bare(reply, 400);
    const result = await this.userData.read(this.user(request), file);
    if (!result.ok) return fileProblem(reply, result.problem);
    const { path, userCss } = result.value;
    let contentType = userCss ? 'text/css' : contentTypeOf(path);
    if (!userCss && isDangerousContentType(contentType)) contentType = 'application/octet-stream';
    reply
      .header('content-type', contentType)
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', userCss ? 'inline' : 'attachment');
    return sendFile(request, reply, path);
  }

  /** Writes the raw body (`?overwrite=false`: 409 when the file exists); answers the stored path. */
  @Post('userdata/:file')
  @ApiOperation({
    summary: "Write a file of the user's folder",
    description:
      'The body is stored byte for byte, whatever its content type says; missing folders on the way are created.',
  })
  @ApiParam({ name: 'file', description: FILE_PARAM_DESCRIPTION, schema: { type: 'string' } })
  @ApiQuery({
    name: 'overwrite',
    required: false,
    schema: { type: 'string', default: 'true' },
    description: 'Exactly `false`: refuse (409) when the file exists; anything else replaces it',
  })
  @ApiQuery({
    name: 'full_info',
    required: false,
    schema: { type: 'string' },
    description: '`true` (any case): answer the `UserFileInfo` instead of the path',
  })
  @ApiConsumes('application/octet-stream', '*/*')
  @ApiBody({
    required: false,
    description: "The file's content (an empty body writes an empty file)",
    schema: { type: 'string', format: 'binary' },
  })
  @ApiJsonResponse(200, 'Written', schemaRef('StoredUserFile'))
  @ApiEmptyResponse(
    400,
    'No file name, or a name the file system refuses (too long, a folder, a file where a folder must be): empty body, the reason phrase `Invalid filename. Please avoid special characters like :\\/*?"<>|`',
  )
  @ApiEmptyResponse(403, "The path leads out of the user's folder; empty body")
  @ApiTextResponse(409, 'The file exists and `overwrite=false`', ['File already exists'])
  @ApiErrorResponse(413, 'The body is larger than `--max-upload-size`')
  @ApiErrorResponse(403, 'With `--multi-user`: `Comfy-User` names no listed user (ComfyUI: 500)')
  async write(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const { file } = request.params as { file: string };
    if (file === '') return bare(reply, 400);
    const result = await this.userData.write(this.user(request), file, request.rawBody ?? Buffer.alloc(0), {
      overwrite: overwriteFlag(request),
      fullInfo: queryFlag(request, 'full_info'),
    });
    return stored(reply, result);
  }

  /** Deletes a file; 204. */
  @Delete('userdata/:file')
  @ApiOperation({ summary: "Delete a file of the user's folder (files only)" })
  @ApiParam({ name: 'file', description: FILE_PARAM_DESCRIPTION, schema: { type: 'string' } })
  @ApiEmptyResponse(204, 'Deleted; empty body')
  @ApiErrorResponse(400, 'The path is a folder (with no file name: a bare 400)')
  @ApiEmptyResponse(403, "The path leads out of the user's folder; empty body")
  @ApiEmptyResponse(404, 'No such file; empty body')
  @ApiErrorResponse(403, 'With `--multi-user`: `Comfy-User` names no listed user (ComfyUI: 500)')
  async delete(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const { file } = request.params as { file: string };
    if (file === '') return bare(reply, 400);
    const result = await this.userData.delete(this.user(request), file);
    if (!result.ok) return fileProblem(reply, result.problem);
    return reply.status(204).send();
  }

  /** Moves or renames; `?overwrite=false` (the frontend's default): 409 when `dest` exists. */
  @Post('userdata/:file/move/:dest')
  @ApiOperation({
    summary: "Move or rename a file (or a folder) of the user's folder",
    description: 'Missing folders on the way to `dest` are created; a folder at `dest` is never replaced.',
  })
  @ApiParam({ name: 'file', description: FILE_PARAM_DESCRIPTION, schema: { type: 'string' } })
  @ApiParam({
    name: 'dest',
    description: "Where to, relative to the user's folder (`/` sent as `%2F`)",
    schema: { type: 'string' },
  })
  @ApiQuery({
    name: 'overwrite',
    required: false,
    schema: { type: 'string', default: 'true' },
    description:
      'Exactly `false` (what the frontend sends): refuse (409) when `dest` exists; anything else replaces it',
  })
  @ApiQuery({
    name: 'full_info',
    required: false,
    schema: { type: 'string' },
    description: '`true` (any case): answer the `UserFileInfo` instead of the path',
  })
  @ApiJsonResponse(200, 'Moved', schemaRef('StoredUserFile'))
  @ApiEmptyResponse(
    400,
    'No file name or `dest`, or a `dest` the file system refuses (the reason phrase `Invalid filename. Please avoid special characters like :\\/*?"<>|`); empty body',
  )
  @ApiEmptyResponse(403, "`file` or `dest` leads out of the user's folder; empty body")
  @ApiEmptyResponse(404, 'No such file; empty body')
  @ApiTextResponse(409, '`dest` is a folder, or exists and `overwrite=false`', ['File already exists'])
  @ApiErrorResponse(403, 'With `--multi-user`: `Comfy-User` names no listed user (ComfyUI: 500)')
  async move(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const { file, dest } = request.params as { file: string; dest: string };
    if (file === '' || dest === '') return bare(reply, 400);
    const result = await this.userData.move(this.user(request), file, dest, {
      overwrite: overwriteFlag(request),
      fullInfo: queryFlag(request, 'full_info'),
    });
    return stored(reply, result);
  }
}

function stored(reply: FastifyReply, result: UserDataResult<StoredFile>): FastifyReply {
  return result.ok ? json(reply, result.value) : fileProblem(reply, result.problem);
}
