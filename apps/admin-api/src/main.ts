// typeorm loads its SQLite driver with a dynamic require: this static import puts sqlite3 in the
// package.json the build generates (and so in the Docker image's production dependencies).
import 'sqlite3';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '@refity/config';
import { createAppLogger } from '@refity/observability';
import { createAdminApp, DOCS_PATH } from './app/admin-app';

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
  const logger = createAppLogger(config.env.LOG_LEVEL, 'admin-api');
  if (config.admin.jwtSecretGenerated) {
    logger.warn({ context: 'Bootstrap' }, 'JWT_SECRET is not set: using a random key for this run; tokens end when the process restarts (set JWT_SECRET, required in production)');
  }
  const app = await createAdminApp(config, logger);
  app.enableShutdownHooks();
  await app.listen(config.env.ADMIN_PORT, config.env.HOST);
  Logger.log(`admin API listening on http://${config.env.HOST}:${config.env.ADMIN_PORT}/api (docs: /${DOCS_PATH})`, 'Bootstrap');
}

void bootstrap();
