import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { RefityConfig } from '@refity/config';
import { AuditStore, databaseSettingsFor, MetadataStore, openMetadataDatabase } from '@refity/metadata';
import { MetricsModule } from '@refity/observability';
import { RegistryService } from '@refity/registry-core';
import { StorageDriver } from '@refity/storage-api';
import { accessProviders } from './auth/access.providers';
import { CONFIG, STORAGE } from './tokens';
import { GcScheduler } from './gc-scheduler';
import { RegistryMetrics } from './registry-metrics';
import { storageProvider } from './storage.provider';
import { HealthController } from './health/health.controller';
import { V2Controller } from './v2/v2.controller';

@Module({})
export class AppModule implements OnApplicationShutdown {
  constructor(
    @Inject(STORAGE) private readonly storage: StorageDriver,
    private readonly metadata: MetadataStore,
    private readonly audit: AuditStore,
  ) {}

  static forConfig(config: RefityConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [MetricsModule.forApp('registry')],
      controllers: [V2Controller, HealthController],
      providers: [
        RegistryMetrics,
        GcScheduler,
        { provide: CONFIG, useValue: config },
        storageProvider(config),
        {
          provide: MetadataStore,
          useFactory: async () => new MetadataStore(await openMetadataDatabase(databaseSettingsFor(config.sqlitePath, config.env.DATABASE_URL))),
        },
        {
          provide: RegistryService,
          inject: [STORAGE, MetadataStore],
          useFactory: (storage: StorageDriver, metadata: MetadataStore) =>
            new RegistryService(storage, metadata, {
              autoCreateGroups: config.env.AUTO_CREATE_GROUPS,
              maxManifestBytes: config.env.MAX_MANIFEST_BYTES,
              uploadsDir: config.uploadsDir,
            }),
        },
        ...accessProviders(config),
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.audit.close();
    await this.storage.close();
    await this.metadata.dataSource.destroy();
  }
}
