import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { STATUS_CODES } from 'node:http';
import { EngineException } from '../engine/engine.exception.js';
import { httpStatusOf } from './engine-exception-status.js';

/** The contract's error shape for every error: `{ statusCode, error, message: [...] }`. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string[];
}

/** An error lists at most this many messages (a body of 10,000 unknown fields is not answered with 10,000 lines). */
export const MAX_ERROR_MESSAGES = 20;
/** A message echoes at most this much of what a caller sent (an unknown field's name may be 64 KiB long). */
export const MAX_ERROR_MESSAGE_CHARS = 300;

export function errorBody(statusCode: number, message: string | string[]): ErrorBody {
  const messages = (Array.isArray(message) ? message : [message]).map((m) =>
    m.length > MAX_ERROR_MESSAGE_CHARS ? `${m.slice(0, MAX_ERROR_MESSAGE_CHARS - 1)}…` : m,
  );
  const extra = messages.length - MAX_ERROR_MESSAGES;
  return {
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message:
      extra > 0
        ? [...messages.slice(0, MAX_ERROR_MESSAGES - 1), `... and ${extra + 1} more problems of the same request`]
        : messages,
  };
}

/**
 * Messages for the errors Fastify raises before a route runs (Nest's adapter turns them into HttpExceptions with
 * Fastify's own words), in the contract's words.
 */
const FASTIFY_ERROR_MESSAGES: ReadonlyMap<string, string> = new Map([
  [
    'FST_ERR_CTP_INVALID_MEDIA_TYPE',
    'the Content-Type header is not a valid media type (type/subtype); send application/json',
  ],
]);

/**
 * Turns every exception into the contract's shape. Anything that is not an HttpException is a bug: it is
 * logged (without the request body) and answered with a 500 that reveals nothing internal.
 */
@Catch()
export class ContractExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ContractExceptionFilter');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    // Through the adapter: the response is Fastify's reply, or the raw ServerResponse for an error of a middleware.
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    if (httpAdapter.isHeadersSent(response)) return;
    let body: ErrorBody;
    if (exception instanceof EngineException) {
      body = errorBody(httpStatusOf(exception.code), exception.messages);
    } else if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const payload = exception.getResponse();
      const fastifyCode = (exception.cause as { code?: string } | undefined)?.code;
      const message =
        (typeof fastifyCode === 'string' ? FASTIFY_ERROR_MESSAGES.get(fastifyCode) : undefined) ??
        (typeof payload === 'string'
          ? payload
          : ((payload as { message?: string | string[] }).message ?? exception.message));
      body = errorBody(status, message);
    } else if (isDatabaseUnavailable(exception)) {
      body = errorBody(HttpStatus.SERVICE_UNAVAILABLE, 'the database is unavailable; retry shortly');
    } else {
      this.logger.error({ err: exception }, 'unhandled error');
      body = errorBody(
        HttpStatus.INTERNAL_SERVER_ERROR,
        'internal error; the request id in the X-Request-Id header identifies it in the logs',
      );
    }
    httpAdapter.reply(response, body, body.statusCode);
  }
}

/** Connection-level failures of PostgreSQL (server down, restarting, unreachable): the service is unavailable. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);

export function isDatabaseUnavailable(e: unknown): boolean {
  const err = e as { code?: string; driverError?: { code?: string }; message?: string } | null;
  if (!err) return false;
  const code = err.driverError?.code ?? err.code;
  if (code && UNAVAILABLE_CODES.has(code)) return true;
  return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    err.message ?? '',
  );
}
