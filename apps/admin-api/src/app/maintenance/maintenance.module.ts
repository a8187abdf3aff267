import { Module } from '@nestjs/common';
import { MetadataStore } from '@refity/metadata';
import { Maintenance, RegistryService } from '@refity/registry-core';
import { StorageDriver } from '@refity/storage-api';
import { STORAGE } from '../core/tokens';
import { MaintenanceController } from './maintenance.controller';
import { MaintenanceService } from './maintenance.service';

/** On-demand garbage collection and retention policies. */
@Module({
  controllers: [MaintenanceController],
  providers: [
    {
      provide: Maintenance,
      inject: [STORAGE, MetadataStore, RegistryService],
      useFactory: (storage: StorageDriver, metadata: MetadataStore, registry: RegistryService) => new Maintenance(storage, metadata, registry.uploads),
    },
    MaintenanceService,
  ],
})
export class MaintenanceModule {}
