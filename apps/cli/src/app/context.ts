import { ConfigError, loadConfig, RefityConfig } from '@refity/config';
import { CatalogQueries, databaseSettingsFor, DatabaseSettings, MetadataStore, openMetadataDatabase, UserStore } from '@refity/metadata';
import { Maintenance, RegistryAdminService, RegistryService, withUploadQueue } from '@refity/registry-core';
import { StorageDriver } from '@refity/storage-api';
import { createStorageDriver } from '@refity/storage-factory';
import { CliError, CliIo } from './io';

/**
 * What a command needs, opened on first use from the same environment as the apps (DATA_DIR,
 * FTP_*, DATABASE_URL, …) and closed once the command is done.
 */
export class CliContext {
  readonly config: RefityConfig;
  private storagePromise?: Promise<StorageDriver>;
  private metadataPromise?: Promise<MetadataStore>;

  constructor(
    readonly io: CliIo,
    private readonly verbose: boolean,
  ) {
    try {
      this.config = loadConfig(io.env);
    } catch (error) {
      if (error instanceof ConfigError) throw new CliError(error.message, 2);
      throw error;
    }
  }

  get database(): DatabaseSettings {
    return databaseSettingsFor(this.config.sqlitePath, this.config.env.DATABASE_URL);
  }

  storage(): Promise<StorageDriver> {
    this.storagePromise ??= (async () => {
      const backend = await createStorageDriver(this.config, {
        log: (message) => this.verbose && this.io.stderr.write(`storage: ${message}\n`),
        warn: (message) => this.verbose && this.io.stderr.write(`storage: ${message}\n`),
        error: (message) => this.io.stderr.write(`storage: ${message}\n`),
      });
      // Files the registry has accepted but not yet uploaded live in its queue: see them too.
      return withUploadQueue(this.config, backend, await this.metadata(), 'observer');
    })();
    return this.storagePromise;
  }

  metadata(): Promise<MetadataStore> {
    this.metadataPromise ??= openMetadataDatabase(this.database).then((dataSource) => new MetadataStore(dataSource));
    return this.metadataPromise;
  }

  async users(): Promise<UserStore> {
    return new UserStore(await this.metadata());
  }

  async catalog(): Promise<CatalogQueries> {
    return new CatalogQueries(await this.metadata());
  }

  async registry(): Promise<RegistryService> {
    return new RegistryService(await this.storage(), await this.metadata(), {
      autoCreateGroups: false,
      maxManifestBytes: this.config.env.MAX_MANIFEST_BYTES,
      uploadsDir: this.config.uploadsDir,
    });
  }

  async admin(): Promise<RegistryAdminService> {
    const metadata = await this.metadata();
    return new RegistryAdminService(await this.storage(), metadata, new CatalogQueries(metadata), await this.registry());
  }

  async maintenance(): Promise<Maintenance> {
    return new Maintenance(await this.storage(), await this.metadata(), (await this.registry()).uploads);
  }

  async close(): Promise<void> {
    const storage = await this.storagePromise?.catch(() => undefined);
    const metadata = await this.metadataPromise?.catch(() => undefined);
    await storage?.close();
    if (metadata?.dataSource.isInitialized) await metadata.dataSource.destroy();
  }
}
