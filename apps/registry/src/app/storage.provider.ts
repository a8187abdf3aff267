import { Logger, Provider } from '@nestjs/common';
import { RefityConfig } from '@refity/config';
import { MetadataStore } from '@refity/metadata';
import { MetricsService } from '@refity/observability';
import { withUploadQueue, WriteBehindStorage } from '@refity/registry-core';
import { StorageDriver } from '@refity/storage-api';
import { CachingStorage } from '@refity/storage-cache';
import { createStorageDriver } from '@refity/storage-factory';
import { registerCacheMetrics } from './registry-metrics';
import { STORAGE } from './tokens';

/**
 * The registry's storage: the configured driver; with SFTP, optionally behind the local read cache
 * (CACHE_MAX_BYTES), and behind the upload queue (whose worker this process is) unless
 * SFTP_SYNC_UPLOAD: pushes are answered once durable on local disk, and queued files are served
 * from the queue before the cache is asked.
 */
export function storageProvider(config: RefityConfig): Provider {
  return {
    provide: STORAGE,
    inject: [MetadataStore, MetricsService],
    useFactory: async (metadata: MetadataStore, metrics: MetricsService): Promise<StorageDriver> => {
      const logger = new Logger('Storage');
      const asynchronous = config.sftp !== undefined && !config.env.SFTP_SYNC_UPLOAD;
      // With the upload queue the registry can take pushes while SFTP is down, so it starts anyway.
      const backend = await createStorageDriver(config, logger, { verify: !asynchronous });
      let cached: StorageDriver = backend;
      if (config.sftp && config.cache) {
        const cache = new CachingStorage(backend, { ...config.cache, logger: new Logger('ReadCache') });
        await cache.start();
        registerCacheMetrics(metrics.registry, cache);
        cached = cache;
      }
      const storage = withUploadQueue(config, cached, metadata, 'worker', new Logger('UploadQueue'));
      if (storage instanceof WriteBehindStorage) {
        await backend.ping().catch((error: Error) => logger.error(`SFTP unreachable at start, queueing uploads until it is back: ${error.message}`));
        await storage.start();
        logger.log('asynchronous uploads: pushes are answered once durable in the local upload queue');
      }
      return storage;
    },
  };
}
