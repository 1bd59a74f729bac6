import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiEmptyResponse, ApiJsonResponse, ApiMediaResponse } from '../openapi/api-docs.js';
import { ModelFolderRegistry } from './model-folder-registry.js';
import { withoutExtension } from './model-folders.js';
import { modelPreview } from './model-preview.js';
import { METADATA_HEADER_LIMIT, metadataOf, readSafetensorsHeader } from './safetensors-header.js';
import { bare, queryParam } from '../http/replies.js';

/** Folders `GET /experiment/models` leaves out (the frontend's model library has no use for them). */
const NOT_MODEL_FOLDERS = new Set(['configs', 'custom_nodes']);

/**
 * ComfyUI's model routes (`server.py`, `app/model_manager.py`): folder names, the files of a
 * folder, the model library's listing with sizes and times, previews and safetensors metadata.
 */
@ApiTags('Models')
@Controller()
export class ModelsController {
  constructor(private readonly models: ModelFolderRegistry) {}

  @Get('models')
  @ApiOperation({ summary: 'The model folder names' })
  @ApiJsonResponse(
    200,
    "ComfyUI's folder names in registration order, then those an extra model paths file added",
    { type: 'array', items: { type: 'string' } },
  )
  folders(): string[] {
    return this.models.folderNames();
  }

  /** Only exact names: the legacy `unet` and `clip` answer 404 here, as in ComfyUI. */
  @Get('models/:folder')
  @ApiOperation({ summary: "A model folder's files" })
  @ApiParam({ name: 'folder', description: 'A folder name of `GET /models`' })
  @ApiJsonResponse(
    200,
    "The files with one of the folder's extensions, from every place of the folder, recursively (`sub/name.ext`), sorted",
    { type: 'array', items: { type: 'string' } },
  )
  @ApiEmptyResponse(404, 'No such folder (also the legacy names `unet` and `clip`); empty body')
  async files(@Param('folder') folder: string, @Res() reply: FastifyReply): Promise<FastifyReply> {
    if (!this.models.has(folder)) return bare(reply, 404);
    return reply.send(await this.models.list(folder));
  }

  /** Embedding names: the embeddings folder's files without their extension. */
  @Get('embeddings')
  @ApiOperation({ summary: 'The embedding names' })
  @ApiJsonResponse(200, "The embeddings folder's files without their extension", {
    type: 'array',
    items: { type: 'string' },
  })
  async embeddings(): Promise<string[]> {
    return (await this.models.list('embeddings')).map((file) => withoutExtension(file));
  }

  /** Note: like ComfyUI, this tells clients the server's absolute folder paths. */
  @Get('experiment/models')
  @ApiOperation({
    summary: "The model library's folders, with their places and extensions",
    description:
      'Every folder but `configs` and `custom_nodes`. Like ComfyUI, this tells clients the absolute paths of the folders.',
  })
  @ApiJsonResponse(200, 'The folders, in the order of `GET /models`', {
    type: 'array',
    items: {
      type: 'object',
      required: ['name', 'folders', 'extensions'],
      properties: {
        name: { type: 'string' },
        folders: {
          type: 'array',
          items: { type: 'string' },
          description: 'absolute paths, searched in this order',
        },
        extensions: {
          type: 'array',
          items: { type: 'string' },
          description: 'sorted; empty: every file counts',
        },
      },
    },
  })
  experimentFolders() {
    return this.models
      .folderNames()
      .filter((name) => !NOT_MODEL_FOLDERS.has(name))
      .map((name) => ({
        name,
        folders: this.models.folderPaths(name),
        extensions: this.models.extensions(name),
      }));
  }

  @Get('experiment/models/:folder')
  @ApiOperation({ summary: "A model folder's files with their place, size and times, for the model library" })
  @ApiParam({ name: 'folder', description: 'A folder name of `GET /models`' })
  @ApiJsonResponse(200, 'The model files of each place, place by place', {
    type: 'array',
    items: {
      type: 'object',
      required: ['name', 'pathIndex', 'modified', 'created', 'size'],
      properties: {
        name: { type: 'string', description: 'relative to its place, `/` separators' },
        pathIndex: { type: 'integer', description: "the index of its place in the folder's `folders`" },
        modified: { type: 'number', description: 'seconds since the epoch' },
        created: { type: 'number', description: 'seconds since the epoch' },
        size: { type: 'integer', description: 'bytes' },
      },
    },
  })
  @ApiEmptyResponse(404, 'No such folder (also the legacy names `unet` and `clip`); empty body')
  async experimentFiles(@Param('folder') folder: string, @Res() reply: FastifyReply): Promise<FastifyReply> {
    if (!this.models.has(folder)) return bare(reply, 404);
    return reply.send(await this.models.modelFiles(folder));
  }

  @Get('experiment/models/preview/:folder/:pathIndex/*')
  @ApiOperation({
    summary: "A model's preview image, as WebP",
    description:
      "The first image beside the model named like it (`name.png`, `name.preview.jpeg`), else the first image of its safetensors metadata's `ssmd_cover_images`; re-encoded as WebP.",
  })
  @ApiParam({ name: 'folder', description: 'A folder name of `GET /models`', schema: { type: 'string' } })
  @ApiParam({
    name: 'pathIndex',
    description: "The index of the model's place in the folder's `folders` (`GET /experiment/models`)",
    schema: { type: 'integer' },
  })
  @ApiParam({
    name: 'path',
    description: 'The model file, relative to its place; it may hold `/`',
    schema: { type: 'string' },
  })
  @ApiMediaResponse(200, 'The preview', ['image/webp'])
  @ApiEmptyResponse(400, 'No file name, a pathIndex that is not an integer, or a NUL in the name; empty body')
  @ApiEmptyResponse(403, 'The model or its preview file leads out of the place (links resolved); empty body')
  @ApiEmptyResponse(
    404,
    'No such folder, a pathIndex out of range, or no preview (or one that is no image); empty body',
  )
  async preview(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const params = request.params as Record<string, string | undefined>;
    const preview = await modelPreview(
      this.models,
      params.folder ?? '',
      params.pathIndex ?? '',
      params['*'] ?? '',
    );
    if (!preview.ok) return bare(reply, preview.status);
    return reply.status(200).header('content-type', 'image/webp').send(preview.webp);
  }

  /**
   * The `__metadata__` of a `.safetensors` header. Legacy folder names are accepted here; the
   * name is read as if rooted in the folder, so it cannot leave it.
   */
  @Get('view_metadata/:folder')
  @ApiOperation({ summary: "The `__metadata__` of a model's safetensors header" })
  @ApiParam({
    name: 'folder',
    description: 'A folder name of `GET /models`; the legacy names are accepted here',
  })
  @ApiQuery({
    name: 'filename',
    required: true,
    schema: { type: 'string' },
    description: 'A `.safetensors` file of the folder, read as if rooted in it (`..` cannot leave it)',
  })
  @ApiJsonResponse(200, 'The metadata (string values, as safetensors stores them)', {
    type: 'object',
    additionalProperties: true,
  })
  @ApiEmptyResponse(
    404,
    'No filename, not a `.safetensors` name, no such folder or file, or a header without `__metadata__`; empty body',
  )
  async viewMetadata(
    @Param('folder') folder: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const filename = queryParam(request, 'filename');
    if (filename === undefined || !filename.endsWith('.safetensors')) return bare(reply, 404);
    const path = await this.models.resolve(folder, filename);
    if (path === null) return bare(reply, 404);
    const metadata = metadataOf(await readSafetensorsHeader(path, METADATA_HEADER_LIMIT));
    if (metadata === null) return bare(reply, 404);
    return reply.send(metadata);
  }
}
