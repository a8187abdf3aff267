import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AUTH_SETTINGS, AuthSettings, RegistryCredentials } from '@refity/auth';
import { RefityConfig } from '@refity/config';
import { AccessStore, AuditStore, CatalogQueries, databaseSettingsFor, MetadataStore, openMetadataDatabase, UserStore } from '@refity/metadata';
import { ImageInspector, RegistryAdminService, RegistryService, withUploadQueue } from '@refity/registry-core';
import { StorageDriver } from '@refity/storage-api';
import { createStorageDriver } from '@refity/storage-factory';
import { AdminAudit, AuditContextInterceptor } from './admin-audit';
import { CatalogEvents } from './catalog-events';
import { CONFIG, STORAGE } from './tokens';

/** The shared services every feature module uses: config, storage, metadata stores, registry operations. */
@Global()
@Module({})
export class CoreModule implements OnApplicationShutdown {
  constructor(
    @Inject(STORAGE) private readonly storage: StorageDriver,
    private readonly metadata: MetadataStore,
    private readonly audit: AuditStore,
  ) {}

  static forConfig(config: RefityConfig): DynamicModule {
    const authSettings: AuthSettings = { jwtSecret: config.admin.jwtSecret, jwtExpiresInSeconds: config.admin.jwtExpiresInSeconds };
    const providers = [
      { provide: CONFIG, useValue: config },
      { provide: AUTH_SETTINGS, useValue: authSettings },
      {
        provide: STORAGE,
        inject: [MetadataStore],
        // An observer of the registry's upload queue: sees files not yet on SFTP, cancels their upload on delete.
        useFactory: async (metadata: MetadataStore) => withUploadQueue(config, await createStorageDriver(config, new Logger('Storage')), metadata, 'observer'),
      },
      {
        provide: MetadataStore,
        useFactory: async () => new MetadataStore(await openMetadataDatabase(databaseSettingsFor(config.sqlitePath, config.env.DATABASE_URL))),
      },
      { provide: UserStore, inject: [MetadataStore], useFactory: (metadata: MetadataStore) => new UserStore(metadata) },
      { provide: CatalogQueries, inject: [MetadataStore], useFactory: (metadata: MetadataStore) => new CatalogQueries(metadata) },
      {
        provide: RegistryService,
        inject: [STORAGE, MetadataStore],
        useFactory: (storage: StorageDriver, metadata: MetadataStore) =>
          new RegistryService(storage, metadata, {
            autoCreateGroups: false,
            maxManifestBytes: config.env.MAX_MANIFEST_BYTES,
            uploadsDir: config.uploadsDir,
          }),
      },
      {
        provide: RegistryAdminService,
        inject: [STORAGE, MetadataStore, CatalogQueries, RegistryService],
        useFactory: (storage: StorageDriver, metadata: MetadataStore, catalog: CatalogQueries, registry: RegistryService) =>
          new RegistryAdminService(storage, metadata, catalog, registry),
      },
      {
        provide: ImageInspector,
        inject: [RegistryService, CatalogQueries],
        useFactory: (registry: RegistryService, catalog: CatalogQueries) => new ImageInspector(registry, catalog),
      },
      CatalogEvents,
      { provide: AccessStore, inject: [MetadataStore], useFactory: (metadata: MetadataStore) => new AccessStore(metadata) },
      {
        provide: AuditStore,
        inject: [MetadataStore],
        useFactory: (metadata: MetadataStore) => {
          const logger = new Logger('Audit');
          return new AuditStore(metadata, { onError: (error, lost) => logger.error(`${lost} audit entries could not be written: ${(error as Error).message}`) });
        },
      },
      { provide: RegistryCredentials, inject: [UserStore, AccessStore], useFactory: (users: UserStore, access: AccessStore) => new RegistryCredentials(users, access) },
      AdminAudit,
    ];
    return {
      module: CoreModule,
      providers: [...providers, { provide: APP_INTERCEPTOR, useClass: AuditContextInterceptor }],
      exports: providers.map((provider) => ('provide' in provider ? provider.provide : provider)),
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.audit.close();
    await this.storage.close();
    await this.metadata.dataSource.destroy();
  }
}
