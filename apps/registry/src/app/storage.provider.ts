import { Logger, Provider } from '@nestjs/common';
import { RefityConfig } from '@refity/config';
import { MetadataStore } from '@refity/metadata';
import { withUploadQueue, WriteBehindStorage } from '@refity/registry-core';
import { StorageDriver } from '@refity/storage-api';
import { createStorageDriver } from '@refity/storage-factory';
import { STORAGE } from './tokens';

/**
 * The registry's storage: the configured driver, behind the upload queue (whose worker this
 * process is) when it is SFTP and SFTP_SYNC_UPLOAD is off: pushes are answered once durable on
 * local disk.
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
      const storage = withUploadQueue(config, backend, metadata, 'worker', new Logger('UploadQueue'));
      if (storage instanceof WriteBehindStorage) {
        await backend.ping().catch((error: Error) => logger.error(`SFTP unreachable at start, queueing uploads until it is back: ${error.message}`));
        await storage.start();
        logger.log('asynchronous uploads: pushes are answered once durable in the local upload queue');
      }
      return storage;
    },
  };
}
