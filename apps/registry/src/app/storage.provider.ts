import { Logger, Provider } from '@nestjs/common';
import { join } from 'node:path';
import { RefityConfig } from '@refity/config';
import { MetadataStore } from '@refity/metadata';
import { WriteBehindStorage } from '@refity/registry-core';
import { StorageDriver } from '@refity/storage-api';
import { createStorageDriver } from '@refity/storage-factory';
import { STORAGE } from './tokens';

/**
 * The registry's storage: the configured driver, behind the write-behind upload queue when it is
 * SFTP and SFTP_SYNC_UPLOAD is off (pushes are answered once durable on local disk).
 */
export function storageProvider(config: RefityConfig): Provider {
  return {
    provide: STORAGE,
    inject: [MetadataStore],
    useFactory: async (metadata: MetadataStore): Promise<StorageDriver> => {
      const logger = new Logger('Storage');
      const asynchronous = config.sftp !== undefined && !config.env.SFTP_SYNC_UPLOAD;
      // With the upload queue the registry can take pushes while SFTP is down, so it starts anyway.
      const backend = await createStorageDriver(config, logger, { verify: !asynchronous });
      if (!asynchronous) return backend;
      await backend.ping().catch((error: Error) => logger.error(`SFTP unreachable at start, queueing uploads until it is back: ${error.message}`));
      const queue = new WriteBehindStorage(backend, metadata, {
        queueDir: join(config.dataDir, 'upload-queue'),
        concurrency: config.env.UPLOAD_CONCURRENCY,
        logger: new Logger('UploadQueue'),
      });
      await queue.start();
      logger.log(`asynchronous uploads: pushes are answered once durable in ${join(config.dataDir, 'upload-queue')}`);
      return queue;
    },
  };
}
