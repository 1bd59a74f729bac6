import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyError, FastifyReply } from 'fastify';

/** The JSON body of every error Easel answers: ComfyUI's prompt-error shape. */
export interface ErrorBody {
  error: { type: string; message: string; details: string; extra_info: Record<string, unknown> };
}

export function errorBody(
  type: string,
  message: string,
  details = '',
  extraInfo: Record<string, unknown> = {},
): ErrorBody {
  return { error: { type, message, details, extra_info: extraInfo } };
}

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

function typeOf(status: number): string {
  return TYPE_BY_STATUS[status] ?? (status >= 500 ? 'server_error' : 'error');
}

/**
 * Turns every exception into a JSON error; unexpected ones become a 500 that reveals nothing and
 * are logged. Nest also routes Fastify's own errors (body too large, bad content) through here.
 */
@Catch()
export class JsonErrorFilter implements ExceptionFilter {
  constructor(private readonly onUnexpected: (error: unknown) => void) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (typeof response === 'object' && response !== null && 'error' in response && isErrorBody(response)) {
        void reply.status(status).send(response);
        return;
      }
      // class-validator lists every problem in `message`
      const messages =
        typeof response === 'object' && response !== null && 'message' in response ? response.message : null;
      const details = Array.isArray(messages) ? messages.map(String).join('; ') : '';
      void reply.status(status).send(errorBody(typeOf(status), exception.message, details));
      return;
    }
    const fastifyError = exception as Partial<FastifyError>;
    if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode < 500) {
      void reply
        .status(fastifyError.statusCode)
        .send(errorBody(typeOf(fastifyError.statusCode), String(fastifyError.message)));
      return;
    }
    this.onUnexpected(exception);
    void reply.status(500).send(errorBody('server_error', 'Internal server error'));
  }
}

function isErrorBody(value: object): value is ErrorBody {
  const inner = (value as { error?: unknown }).error;
  return typeof inner === 'object' && inner !== null && 'type' in inner && 'message' in inner;
}
