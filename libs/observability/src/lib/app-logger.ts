import type { LoggerService } from '@nestjs/common';
import pino from 'pino';

export type AppLogger = pino.Logger;

/** The one JSON logger of an app (`LOG_LEVEL`, every line tagged with `app`); stdout unless `destination` says otherwise. */
export function createAppLogger(level: string, appName: string, destination?: pino.DestinationStream): AppLogger {
  return pino({ level, base: { app: appName } }, destination);
}

/** Nest's own start-up chatter (modules loaded, routes mapped): useful when debugging, noise in production. */
const STARTUP_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/** What Nest passes as a stack: the text of `Error.stack`. */
const STACK = /\n\s+at /;

/**
 * Nest's logger (framework messages and every `Logger` in the apps) writing JSON lines through
 * pino, like the request log, instead of Nest's coloured text: a log shipper reads every line.
 * Nest calls `log(message, context)` and `error(message, stack?, context)`; the context becomes
 * a `context` field, an error or a stack text becomes `err`.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: AppLogger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: pino.Level, message: unknown, params: unknown[]): void {
    const last = params[params.length - 1];
    const context = params.length > 0 && typeof last === 'string' && !STACK.test(last) ? last : undefined;
    if (context && level === 'info' && STARTUP_CONTEXTS.has(context)) level = 'debug';
    if (!this.logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = context ? { context } : {};
    const error = message instanceof Error ? message : params.find((param) => param instanceof Error);
    const stack = params.find((param): param is string => typeof param === 'string' && STACK.test(param));
    if (error) fields['err'] = error;
    else if (stack) fields['err'] = { stack };
    const text = message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message);
    this.logger[level](fields, text);
  }
}
