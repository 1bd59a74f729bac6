import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config.js';
import { folderOfType, type FileType } from '../files/view-path.js';
import { ApiJsonResponse } from '../openapi/api-docs.js';
import { schemaRef } from '../openapi/openapi-schemas.js';
import { ModelFolderRegistry } from './model-folder-registry.js';
import { typeFolderFiles } from './type-folder-files.js';

/**
 * The frontend's internal folder routes (`api_server/routes/internal/internal_routes.py`); they
 * exist only without the `/api` prefix.
 */
@ApiTags('Internal')
@Controller('internal')
export class InternalFoldersController {
  constructor(
    private readonly models: ModelFolderRegistry,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {}

  /** Every model folder name with its absolute places. */
  @Get('folder_paths')
  @ApiOperation({ summary: 'Every model folder with its absolute places' })
  @ApiJsonResponse(200, 'Folder name to its places, in the order of `GET /models`', {
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
  })
  folderPaths(): Record<string, string[]> {
    // fromEntries defines own keys, so even a folder named `__proto__` is just a key
    return Object.fromEntries(this.models.folderNames().map((name) => [name, this.models.folderPaths(name)]));
  }

  @Get('files/:directoryType')
  @ApiOperation({ summary: 'The files of the input, output or temp folder, newest first' })
  @ApiParam({
    name: 'directoryType',
    description: 'Which folder (exactly, lower case)',
    schema: { type: 'string', enum: ['input', 'output', 'temp'] },
  })
  @ApiJsonResponse(
    200,
    'The visible regular files directly in the folder (links followed), each as `"<name> [<type>]"`; none when the folder does not exist yet',
    { type: 'array', items: { type: 'string' } },
  )
  @ApiJsonResponse(400, '`{"error": "Invalid directory type"}`', schemaRef('MessageError'))
  async files(@Param('directoryType') type: string, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const dir = folderOfType(type, this.config.directories);
    if (dir === null) return reply.status(400).send({ error: 'Invalid directory type' });
    return reply.send(await typeFolderFiles(dir, type as FileType));
  }
}
