import { BadRequestException, Body, Controller, Get, HttpCode, Patch, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { errorBody } from '../http/json-errors.js';
import { ApiEmptyResponse, ApiErrorResponse, ApiJsonBody, ApiJsonResponse } from '../openapi/api-docs.js';
import { LogSubscriptions } from './log-subscriptions.js';
import { ProcessOutputLog } from './process-output-log.js';

/** Python's truthiness of a JSON value (`if enabled:`). */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

/** ComfyUI's log routes for the frontend's terminal panel (`/internal` only, no `/api` copy). */
@ApiTags('Internal')
@Controller('internal/logs')
export class LogsController {
  constructor(
    private readonly log: ProcessOutputLog,
    private readonly subscriptions: LogSubscriptions,
  ) {}

  /** The kept output as one JSON string of `"<time> - <text>"` pieces. */
  @Get()
  @ApiOperation({ summary: "The server's recent output, as one text" })
  @ApiJsonResponse(200, 'A JSON string: the kept writes (the last 300), each as `"<local time> - <text>"`', {
    type: 'string',
  })
  text(@Res() reply: FastifyReply): FastifyReply {
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(this.log.text()));
  }

  /** The kept writes and the terminal size. */
  @Get('raw')
  @ApiOperation({ summary: "The server's recent output as separate writes, and the terminal size" })
  @ApiJsonResponse(200, 'The kept writes (the last 300), oldest first', {
    type: 'object',
    required: ['entries', 'size'],
    properties: {
      entries: {
        type: 'array',
        items: {
          type: 'object',
          required: ['t', 'm'],
          properties: {
            t: { type: 'string', description: 'local time, `YYYY-MM-DDTHH:MM:SS.ffffff`' },
            m: { type: 'string', description: 'the text written' },
          },
        },
      },
      size: {
        type: 'object',
        required: ['cols', 'rows'],
        properties: { cols: { type: 'integer' }, rows: { type: 'integer' } },
        description: "the server's terminal (80 x 24 when it has none)",
      },
    },
  })
  raw() {
    return { entries: this.log.recent(), size: this.subscriptions.updateSize().size };
  }

  /** `{"clientId", "enabled"}`: that WebSocket session starts or stops getting `logs` messages. */
  @Patch('subscribe')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start or stop sending the output to a WebSocket session',
    description:
      'A subscribed session gets each burst of output as a `logs` message `{entries, size}` (`size` is null unless the terminal size changed).',
  })
  @ApiJsonBody(
    {
      type: 'object',
      required: ['clientId', 'enabled'],
      properties: {
        clientId: { type: 'string', description: 'The WebSocket session id (`sid`)' },
        enabled: {
          type: 'boolean',
          description: "Subscribe or unsubscribe (any JSON value, by Python's truthiness)",
        },
      },
    },
    'Which session, and whether it gets the output',
    true,
  )
  @ApiEmptyResponse(200, 'Done; empty body')
  @ApiErrorResponse(400, 'The body is not a JSON object, or lacks a string `clientId` or `enabled`')
  subscribe(@Body() body: unknown, @Res() reply: FastifyReply): FastifyReply {
    if (body === null || typeof body !== 'object' || Array.isArray(body))
      throw new BadRequestException(errorBody('bad_request', 'The body must be a JSON object'));
    const { clientId, enabled } = body as { clientId?: unknown; enabled?: unknown };
    if (typeof clientId !== 'string' || !('enabled' in body))
      throw new BadRequestException(
        errorBody('bad_request', 'The body needs "clientId" (a string) and "enabled" (a boolean)'),
      );
    if (truthy(enabled)) this.subscriptions.subscribe(clientId);
    else this.subscriptions.unsubscribe(clientId);
    return reply.status(200).header('content-type', 'application/octet-stream').send();
  }
}
