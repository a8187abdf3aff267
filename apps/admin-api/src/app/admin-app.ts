import { Logger, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { RefityConfig } from '@refity/config';
import { AppLogger, createRequestLogger, PinoNestLogger } from '@refity/observability';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppModule } from './app.module';
import { API_VERSION } from './console-config/console-config.controller';
import { ApiErrorFilter } from './core/api-error.filter';

export const API_PREFIX = 'api';
export const DOCS_PATH = 'api/docs';

/** The OpenAPI document of the admin API (also written to apps/admin-api/openapi.json). */
export function openApiDocument(app: NestExpressApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Refity admin API')
    .setDescription(
      'Users, groups, repositories, tags, dashboard and upload queue of a Refity registry. ' +
        'Log in with POST /api/auth/login and send the token as `Authorization: Bearer <token>`. ' +
        'Errors are `{ statusCode, error, message }`.',
    )
    .setVersion(API_VERSION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  return SwaggerModule.createDocument(app, builder);
}

/** The built console: CONSOLE_DIR, else `console/` beside the admin API's own build folder (dist/apps/console). */
export function consoleDirectory(config: RefityConfig): string {
  return config.env.CONSOLE_DIR ? resolve(config.env.CONSOLE_DIR) : join(__dirname, '..', 'console');
}

/**
 * Serves the console's files on the same origin as /api; any other GET that is not a file gets
 * index.html (the console routes in the browser). Returns false when there is no built console.
 */
function serveConsole(app: NestExpressApplication, directory: string): boolean {
  const index = join(directory, 'index.html');
  if (!existsSync(index)) return false;
  app.useStaticAssets(directory, { index: false });
  app.use((request: Request, response: Response, next: NextFunction) => {
    const isApi = request.path === `/${API_PREFIX}` || request.path.startsWith(`/${API_PREFIX}/`);
    if ((request.method !== 'GET' && request.method !== 'HEAD') || isApi) return next();
    response.sendFile(index);
  });
  return true;
}

/** Everything around the routes: proxy trust, headers, CORS, body parsing, validation, errors, Swagger UI, console files. */
export function configureAdminApp(app: NestExpressApplication, config: RefityConfig): void {
  // Without TRUST_PROXY, req.ip is the socket's address: X-Forwarded-For cannot dodge the login limit.
  app.set('trust proxy', config.env.TRUST_PROXY);
  app.setGlobalPrefix(API_PREFIX);
  app.use(helmet());
  if (config.admin.corsOrigins.length > 0) app.enableCors({ origin: config.admin.corsOrigins, maxAge: 600 });
  app.useBodyParser('json', { limit: '256kb' });
  // Malformed JSON fails in the body parser, before Nest: answer it in the API's error shape.
  app.use((error: { status?: number; type?: string; message?: string }, _request: Request, response: Response, next: NextFunction) => {
    if (typeof error?.status !== 'number' || typeof error.type !== 'string') return next(error);
    const message = error.type === 'entity.parse.failed' ? 'request body is not valid JSON' : (error.message ?? 'bad request body');
    response.status(error.status).json({ statusCode: error.status, error: error.status === 413 ? 'Payload Too Large' : 'Bad Request', message });
  });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new ApiErrorFilter());
  SwaggerModule.setup(DOCS_PATH, app, () => openApiDocument(app), { jsonDocumentUrl: `${DOCS_PATH}/openapi.json` });
  const consoleDir = consoleDirectory(config);
  if (serveConsole(app, consoleDir)) Logger.log(`serving the console from ${consoleDir}`, 'AdminApi');
  else Logger.log(`no console build in ${consoleDir} (set CONSOLE_DIR); serving the API only`, 'AdminApi');
}

/** The admin API; `logger` gets Nest's messages and one line per request (`false`: silent, for tests and tools). */
export async function createAdminApp(config: RefityConfig, logger: AppLogger | false): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    bodyParser: false,
    logger: logger && new PinoNestLogger(logger),
  });
  if (logger) app.use(createRequestLogger(logger));
  configureAdminApp(app, config);
  return app;
}
