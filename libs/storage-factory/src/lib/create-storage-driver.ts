import { mkdir } from 'node:fs/promises';
import { RefityConfig } from '@refity/config';
import { StorageDriver } from '@refity/storage-api';
import { LocalStorageDriver } from '@refity/storage-local';
import { SftpStorageDriver } from '@refity/storage-sftp';

export interface StorageLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * SFTP when FTP_HOST is set, else the embedded local-disk storage under DATA_DIR. Unless told not
 * to, the driver is pinged once so a wrong password or host key fails at start, not at the first push.
 */
export async function createStorageDriver(config: RefityConfig, logger: StorageLogger, options: { verify?: boolean } = {}): Promise<StorageDriver> {
  await mkdir(config.dataDir, { recursive: true });
  let driver: StorageDriver;
  if (config.sftp) {
    const { host, port, username, password, privateKey, passphrase, root, knownHostsPath, poolSize } = config.sftp;
    driver = new SftpStorageDriver({ host, port, username, password, privateKey, passphrase, root, knownHostsPath, poolSize, logger });
    logger.log(`storing images on sftp://${username}@${host}:${port}/${root}`);
  } else {
    driver = new LocalStorageDriver(config.localStorageDir);
    logger.warn(`no FTP_HOST configured: storing images on local disk in ${config.localStorageDir}`);
  }
  if (options.verify ?? true) await driver.ping();
  return driver;
}
