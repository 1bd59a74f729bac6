import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BadRequestException, Controller, Inject, NotFoundException, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import sharp from 'sharp';
import { readPngTexts, withPngTexts } from '@easel/core';
import { SERVER_CONFIG, type ServerConfig } from '../config/server-config.js';
import { errorBody } from '../http/json-errors.js';
import { ApiEmptyResponse, ApiErrorResponse, ApiJsonResponse } from '../openapi/api-docs.js';
import { COMPONENT_SCHEMAS, schemaRef } from '../openapi/openapi-schemas.js';
import { isBadNameError } from './fs-errors.js';
import { contentTypeOf } from './mime-types.js';
import { MultipartError, formPart, multipartBoundary, parseMultipart, type FormPart } from './multipart.js';
import {
  numberedName,
  parseOriginalRef,
  resolveOriginalPath,
  resolveUploadTarget,
  type UploadTarget,
} from './upload-path.js';
import { folderOfType, type FileType } from './view-path.js';

/** An answer with no body, as ComfyUI's `web.Response(status=...)`. */
class BareStatus {
  constructor(readonly status: number) {}
}

const badRequest = (message: string, details = '') =>
  new BadRequestException(errorBody('bad_request', message, details));

/** What an upload form holds, read as ComfyUI reads it. */
interface UploadForm {
  readonly parts: readonly FormPart[];
  readonly filename: string;
  readonly data: Buffer;
  readonly type: FileType;
  /** As sent: the answer repeats it unchanged. */
  readonly subfolder: string;
  readonly overwrite: boolean;
}

/** A text field's value; a file sent where text belongs is refused. */
function textField(parts: readonly FormPart[], name: string): string | undefined {
  const part = formPart(parts, name);
  if (part === undefined) return undefined;
  if (part.kind !== 'field') throw badRequest(`The ${name} field must be text, not a file`);
  return part.value;
}

/** Whether the bytes are an image sharp can read (only its header is looked at). */
async function isImage(data: Buffer): Promise<boolean> {
  try {
    const metadata = await sharp(data).metadata();
    return metadata.width > 0 && metadata.height > 0;
  } catch {
    return false;
  }
}

async function existingFile(path: string): Promise<{ size: number } | null | 'other'> {
  try {
    const stats = await stat(path);
    return stats.isFile() ? { size: stats.size } : 'other';
  } catch {
    return null;
  }
}

/** The existing file at `path` holds exactly `data` (ComfyUI compares their hashes). */
async function sameContent(path: string, size: number, data: Buffer): Promise<boolean> {
  return size === data.length && (await readFile(path)).equals(data);
}

/**
 * ComfyUI's `POST /upload/image` and `POST /upload/mask`: an image into the input (default),
 * temp or output folder, under its own name, or `name (1).png`, `name (2).png`, ... when the
 * name is taken by different bytes (identical bytes keep the name and write nothing).
 * `/upload/mask` writes the original image (`original_ref`) with the upload's alpha channel.
 */
@ApiTags('Files')
@Controller()
export class UploadController {
  constructor(@Inject(SERVER_CONFIG) private readonly config: ServerConfig) {}

  @Post('upload/image')
  @ApiOperation({
    summary: 'Upload an image (or a video or audio file) into the input, temp or output folder',
    description:
      'A name taken by other bytes becomes `name (1).ext`, `name (2).ext`, ...; identical bytes keep the name and write nothing.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: schemaRef('UploadForm') })
  @ApiJsonResponse(200, 'Stored', schemaRef('StoredFile'))
  @ApiErrorResponse(400, 'No image file (empty body), a bad path (empty body), or a field that is not valid')
  @ApiErrorResponse(413, 'The body is larger than `--max-upload-size`')
  async uploadImage(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return this.answer(reply, async () => {
      const form = await this.readForm(request, { videoAndAudio: true });
      if (form instanceof BareStatus) return form;
      return this.store(form, form.data);
    });
  }

  @Post('upload/mask')
  @ApiOperation({
    summary: "Upload a mask: the original image is stored with the upload's alpha channel",
    description: "The result is a PNG that keeps the original's text chunks (prompt, workflow).",
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['image', 'original_ref'],
      properties: {
        ...COMPONENT_SCHEMAS.UploadForm.properties,
        original_ref: {
          type: 'string',
          description:
            'JSON: `{"filename": "...", "subfolder": "...", "type": "input|output|temp"}` (type defaults to output)',
        },
      },
    },
  })
  @ApiJsonResponse(200, 'Stored', schemaRef('StoredFile'))
  @ApiErrorResponse(
    400,
    'No image file or a bad path (empty body), a bad original_ref, or images that differ in size',
  )
  @ApiEmptyResponse(403, "original_ref's subfolder leads out of its folder")
  @ApiErrorResponse(404, 'The original image does not exist')
  @ApiErrorResponse(413, 'The body is larger than `--max-upload-size`')
  async uploadMask(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return this.answer(reply, async () => {
      const form = await this.readForm(request, { videoAndAudio: false });
      if (form instanceof BareStatus) return form;
      const refText = textField(form.parts, 'original_ref');
      if (refText === undefined) throw badRequest('original_ref is missing');
      const ref = parseOriginalRef(refText);
      if (ref === null) {
        throw badRequest(
          'original_ref must be JSON like {"filename": "...", "subfolder": "...", "type": "..."}',
        );
      }
      const original = resolveOriginalPath(ref, this.config.directories);
      if (!original.ok) return new BareStatus(original.status);
      let originalBytes: Buffer;
      try {
        originalBytes = await readFile(original.path);
      } catch {
        throw new NotFoundException(
          errorBody('not_found', `The original image ${ref.filename} was not found`),
        );
      }
      return this.store(form, await maskedImage(originalBytes, form.data, ref.filename));
    });
  }

  private async answer(
    reply: FastifyReply,
    work: () => Promise<BareStatus | Record<string, string>>,
  ): Promise<FastifyReply> {
    const result = await work();
    if (result instanceof BareStatus) {
      return reply.status(result.status).header('content-type', 'application/octet-stream').send();
    }
    return reply.status(200).send(result);
  }

  /** The form's fields; a bare 400 when there is no image file (ComfyUI's answer). */
  private async readForm(
    request: FastifyRequest,
    options: { videoAndAudio: boolean },
  ): Promise<UploadForm | BareStatus> {
    const boundary = multipartBoundary(request.headers['content-type']);
    // aiohttp reads any other body as an empty form
    if (boundary === null || request.rawBody === undefined) return new BareStatus(400);
    let parts: FormPart[];
    try {
      parts = parseMultipart(request.rawBody, boundary);
    } catch (error) {
      if (!(error instanceof MultipartError)) throw error;
      throw badRequest('The body is not a valid multipart/form-data body', error.message);
    }
    const image = formPart(parts, 'image');
    if (image === undefined) return new BareStatus(400);
    if (image.kind !== 'file') throw badRequest('The image field must be a file with a file name');

    const typeValue = textField(parts, 'type');
    const type = typeValue ?? 'input';
    if (type !== 'input' && type !== 'temp' && type !== 'output') {
      throw badRequest(
        'Invalid upload type',
        `type must be input, temp or output, got ${JSON.stringify(type)}`,
      );
    }
    const subfolder = textField(parts, 'subfolder') ?? '';
    const overwrite = textField(parts, 'overwrite');

    const mediaType = contentTypeOf(image.filename);
    const allowedWithoutDecoding =
      options.videoAndAudio && (mediaType.startsWith('video/') || mediaType.startsWith('audio/'));
    if (!allowedWithoutDecoding && !(await isImage(image.data))) {
      throw badRequest('The upload is not an image', `${image.filename} cannot be read as an image`);
    }
    return {
      parts,
      filename: image.filename,
      data: image.data,
      type,
      subfolder,
      overwrite: overwrite === 'true' || overwrite === '1',
    };
  }

  /**
   * Writes `content` under the form's name, or the next free `name (n).ext`; a file already
   * holding the uploaded bytes is kept and its name answered. Files are created exclusively, so
   * two uploads of one name at once get two names.
   */
  private async store(form: UploadForm, content: Buffer): Promise<BareStatus | Record<string, string>> {
    const typeFolder = folderOfType(form.type, this.config.directories)!;
    const first = resolveUploadTarget(typeFolder, form.subfolder, form.filename);
    if (!first.ok) return new BareStatus(first.status);
    let target: UploadTarget & { ok: true } = first;
    try {
      await mkdir(first.folder, { recursive: true });
      for (let n = 1; ;) {
        if (form.overwrite) {
          await writeFile(target.path, content);
          break;
        }
        const existing = await existingFile(target.path);
        if (existing === null) {
          try {
            await writeFile(target.path, content, { flag: 'wx' });
            break;
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
            continue;
          }
        }
        if (existing !== 'other' && (await sameContent(target.path, existing.size, form.data))) break;
        const filename = numberedName(form.filename, n++);
        target = { ok: true, folder: first.folder, filename, path: join(first.folder, filename) };
      }
    } catch (error) {
      // a name the file system refuses is a bad path, as one leading out is (ComfyUI fails with a 500)
      // a name the file system will not take (too long, a file where a folder must be): the client's mistake
      if (isBadNameError(error)) return new BareStatus(400);
      throw error;
    }
    return { name: target.filename, subfolder: form.subfolder, type: form.type };
  }
}

/**
 * ComfyUI's mask upload: the original converted to RGBA, its alpha replaced by the upload's
 * (opaque when the upload has none), written as a PNG (compression 4) carrying the original's
 * text metadata (prompt, workflow).
 */
async function maskedImage(originalBytes: Buffer, maskBytes: Buffer, name: string): Promise<Buffer> {
  const rgba = async (bytes: Buffer) =>
    sharp(bytes, { ignoreIcc: true })
      .toColourspace('srgb')
      .ensureAlpha(1)
      .raw()
      .toBuffer({ resolveWithObject: true });
  let original;
  try {
    original = await rgba(originalBytes);
  } catch (error) {
    throw badRequest(`The original image ${name} cannot be read`, String(error));
  }
  let mask;
  try {
    mask = await rgba(maskBytes);
  } catch (error) {
    throw badRequest('The uploaded mask cannot be read as an image', String(error));
  }
  const { width, height } = original.info;
  if (mask.info.width !== width || mask.info.height !== height) {
    throw badRequest(
      'The mask and the original image differ in size',
      `mask ${mask.info.width}x${mask.info.height}, ${name} ${width}x${height}`,
    );
  }
  const pixels = original.data;
  for (let p = 0; p < width * height; p++) pixels[p * 4 + 3] = mask.data[p * 4 + 3];
  const png = await sharp(pixels, { raw: { width, height, channels: 4 } })
    .png({ compressionLevel: 4 })
    .toBuffer();
  return withPngTexts(png, readPngTexts(originalBytes));
}
