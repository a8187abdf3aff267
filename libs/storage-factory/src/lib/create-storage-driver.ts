import { mkdir } from 'node:fs/promises';
import { RefityConfig } from '@refity/config';
import { StorageDriver } from '@refity/storage-api';
import { LocalStorageDriver } from '@refity/storage-local';

export interface StorageLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** SFTP when FTP_HOST is set, else the embedded local-disk storage under DATA_DIR. */
export async function createStorageDriver(config: RefityConfig, logger: StorageLogger): Promise<StorageDriver> {
  await mkdir(config.dataDir, { recursive: true });
  const driver = new LocalStorageDriver(config.localStorageDir);
  logger.warn(`no FTP_HOST configured: storing images on local disk in ${config.localStorageDir}`);
  await driver.ping();
  return driver;
}
