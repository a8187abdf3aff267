import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { LastAdminError } from '@refity/metadata';
import { OciError, RegistryAdminError } from '@refity/registry-core';
import { isStorageError } from '@refity/storage-api';
import type { Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { ApiErrorResponse } from './api-error';

const ADMIN_ERROR_STATUS = { invalid: HttpStatus.BAD_REQUEST, 'not-found': HttpStatus.NOT_FOUND, conflict: HttpStatus.CONFLICT } as const;

function body(statusCode: number, message: string, details?: string[]): ApiErrorResponse {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, ...(details && details.length > 1 ? { details } : {}) };
}

/** Translates every failure into `{ statusCode, error, message }`; only real faults are 500 (and logged). */
export function toApiError(exception: unknown, logger: Logger): ApiErrorResponse {
  if (exception instanceof ThrottlerException) {
    return body(HttpStatus.TOO_MANY_REQUESTS, 'too many attempts; wait a minute and try again');
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    const messages = Array.isArray(raw) ? raw.map(String) : [typeof raw === 'string' ? raw : exception.message];
    return body(status, messages.join('; '), messages);
  }
  if (exception instanceof RegistryAdminError) return body(ADMIN_ERROR_STATUS[exception.kind], exception.message);
  if (exception instanceof LastAdminError) return body(HttpStatus.CONFLICT, exception.message);
  if (exception instanceof OciError) return body(exception.status, exception.message);
  if (isStorageError(exception, 'Unavailable')) return body(HttpStatus.SERVICE_UNAVAILABLE, `storage unavailable: ${exception.message}`);
  // Express body-parser errors (malformed JSON, body too large) carry their status.
  const status = (exception as { status?: unknown; type?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500 && typeof (exception as { type?: unknown }).type === 'string') {
    return body(status, status === HttpStatus.BAD_REQUEST ? 'request body is not valid JSON' : (exception as Error).message);
  }
  logger.error((exception as Error)?.stack ?? String(exception));
  return body(HttpStatus.INTERNAL_SERVER_ERROR, 'internal error; see the server log');
}

@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('AdminApi');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const error = toApiError(exception, this.logger);
    if (response.headersSent) {
      response.end();
      return;
    }
    if (error.statusCode === HttpStatus.TOO_MANY_REQUESTS && !response.getHeader('Retry-After')) response.setHeader('Retry-After', '60');
    response.status(error.statusCode).json(error);
  }
}
