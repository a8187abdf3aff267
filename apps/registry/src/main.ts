// typeorm loads its SQLite driver with a dynamic require: this static import puts sqlite3 in the
// package.json the build generates (and so in the Docker image's production dependencies).
import 'sqlite3';
import { setFlagsFromString } from 'node:v8';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigError, loadConfig } from '@refity/config';
import { createAppLogger, createRequestLogger, PinoNestLogger } from '@refity/observability';
import { AppModule } from './app/app.module';

// Streaming blobs allocates a fresh off-heap buffer per chunk (socket reads, ssh2's packets, the
// storage drivers' chunks), and V8 counts them as external memory until they are swept. Two
// defaults made a pull run dozens of full mark-compacts per GiB (measured with --trace-gc):
// - incremental marking: buffers allocated while marking runs live until the next full GC, so
//   full GCs came every few dozen MiB (1.7 CPU s per GiB served from local disk, 0.5 without);
// - concurrent sweeping of young ArrayBuffers: when that background thread lags (a small machine
//   busy with SSH and HTTP), the count reaches V8's 64 MiB limit and forces a full GC (~2.5 CPU s
//   per GiB pulled from SFTP). Sweeping at the end of each young-generation GC keeps it true.
// Atomic full GCs of this small heap take a few ms.
setFlagsFromString('--no-incremental-marking');
setFlagsFromString('--no-concurrent-array-buffer-sweeping');

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      // A bad environment is an operator mistake: say what is wrong and stop.
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const logger = createAppLogger(config.env.LOG_LEVEL, 'registry');
  // Blob uploads are streamed to disk, so Nest's body parsers must not buffer them.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), { bodyParser: false, logger: new PinoNestLogger(logger) });
  // Client addresses (login limit, audit) follow X-Forwarded-For only behind a trusted proxy.
  app.set('trust proxy', config.env.TRUST_PROXY);
  // No advertising of the framework in every response (the admin API's helmet drops it too).
  app.disable('x-powered-by');
  app.use(createRequestLogger(logger));
  app.enableShutdownHooks();
  // Large layers over slow links take longer than Node's default 5-minute request timeout.
  const server = app.getHttpServer();
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  await app.listen(config.env.PORT, config.env.HOST);
  Logger.log(`registry listening on http://${config.env.HOST}:${config.env.PORT}/v2/`, 'Bootstrap');
}

void bootstrap();
