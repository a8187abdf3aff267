import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import { pinoHttp, HttpLogger } from 'pino-http';

/**
 * One JSON line per request: method, path, status, bytes, duration. Headers, bodies and query
 * strings are left out on purpose: they carry credentials (Authorization, token requests).
 */
export function createRequestLogger(level: string, appName: string): HttpLogger {
  return pinoHttp({
    logger: pino({ level, base: { app: appName } }),
    quietReqLogger: true,
    customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request failed',
    serializers: {
      req: (request: { method: string; url: string }) => ({ method: request.method, path: request.url.split('?')[0] }),
      res: (response: { statusCode: number }) => ({ status: response.statusCode }),
    },
    customProps: (_request: IncomingMessage, response: ServerResponse) => ({
      bytes: Number(response.getHeader('content-length') ?? 0) || undefined,
    }),
    customAttributeKeys: { responseTime: 'ms' },
  });
}
