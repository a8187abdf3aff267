import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { RefityConfig } from '@refity/config';
import { MetadataStore } from '@refity/metadata';
import { GcMetrics, MetricsService } from '@refity/observability';
import { Maintenance, MaintenanceReport, RegistryService } from '@refity/registry-core';
import { StorageDriver } from '@refity/storage-api';
import { Cron } from 'croner';
import { CONFIG, STORAGE } from './tokens';

/**
 * Garbage collection on the GC_CRON schedule: retention policies, then the sweep, with the
 * GC_* options. A run never overlaps the previous one; every run is logged and counted in the
 * registry's /metrics.
 */
@Injectable()
export class GcScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('GC');
  private readonly maintenance: Maintenance;
  private readonly gcMetrics: GcMetrics;
  private job?: Cron;

  constructor(
    @Inject(CONFIG) private readonly config: RefityConfig,
    @Inject(STORAGE) storage: StorageDriver,
    metadata: MetadataStore,
    registry: RegistryService,
    metrics: MetricsService,
  ) {
    // The registry's own upload buffer, so a purged session also drops its running hash.
    this.maintenance = new Maintenance(storage, metadata, registry.uploads);
    this.gcMetrics = new GcMetrics(metrics.registry);
  }

  onApplicationBootstrap(): void {
    const cron = this.config.gc.cron;
    if (!cron) return;
    this.job = new Cron(cron, { protect: true, name: 'refity-gc' }, async () => {
      await this.runOnce();
    });
    this.logger.log(`scheduled with GC_CRON "${cron}"; next run ${this.nextRun()?.toISOString() ?? 'never'}`);
  }

  onApplicationShutdown(): void {
    this.job?.stop();
  }

  /** When the schedule fires next; null without GC_CRON. */
  nextRun(): Date | null {
    return this.job?.nextRun() ?? null;
  }

  /** One run with the configured options; never throws (a failure is logged and counted). */
  async runOnce(): Promise<MaintenanceReport | null> {
    const gc = this.config.gc;
    const started = Date.now();
    try {
      const report = await this.maintenance.run({
        dryRun: gc.dryRun,
        deleteUntagged: gc.deleteUntagged,
        gracePeriodMs: gc.gracePeriodMs,
        uploadMaxIdleMs: gc.uploadMaxIdleMs,
        retention: gc.retention,
      });
      this.gcMetrics.record({
        ok: true,
        dryRun: report.dryRun,
        deletedTags: report.retention?.deletedTags.length ?? 0,
        deletedManifests: report.gc.deletedManifests.length + (report.retention?.deletedManifests.length ?? 0),
        deletedBlobs: report.gc.deletedBlobs.length,
        reclaimedBytes: report.gc.reclaimedBytes,
        purgedUploads: report.gc.purgedUploads.length,
        removedTemporaryFiles: report.gc.removedTemporaryFiles.length,
        durationSeconds: report.durationMs / 1000,
      });
      this.logger.log(
        `${report.dryRun ? 'dry run: would delete' : 'deleted'} ${report.retention?.deletedTags.length ?? 0} tags (retention), ` +
          `${report.gc.deletedManifests.length + (report.retention?.deletedManifests.length ?? 0)} manifests, ${report.gc.deletedBlobs.length} blobs ` +
          `(${report.gc.reclaimedBytes} bytes), ${report.gc.purgedUploads.length} stale uploads, ${report.gc.removedTemporaryFiles.length} leftover temporary files, in ${report.gc.repositories} repositories; ${report.durationMs} ms`,
      );
      return report;
    } catch (error) {
      this.gcMetrics.record({ ok: false, dryRun: gc.dryRun, deletedTags: 0, deletedManifests: 0, deletedBlobs: 0, reclaimedBytes: 0, purgedUploads: 0, removedTemporaryFiles: 0, durationSeconds: (Date.now() - started) / 1000 });
      this.logger.error(`garbage collection failed: ${(error as Error).message}`, (error as Error).stack);
      return null;
    }
  }
}
