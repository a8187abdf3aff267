import { MetadataStore } from '@refity/metadata';
import { StorageDriver } from '@refity/storage-api';
import { GarbageCollectionOptions, GarbageCollectionReport, GarbageCollector } from './garbage-collector';
import { RetentionReport, RetentionService } from './retention';
import { UploadBuffer } from './upload-buffer';

export interface MaintenanceOptions extends Omit<GarbageCollectionOptions, 'onProgress' | 'assumeDeleted'> {
  /** Apply retention policies first (default true). */
  retention?: boolean;
  /** Progress of each phase, per repository. */
  onProgress?: (phase: 'retention' | 'gc', done: number, total: number, repository: string) => void;
}

export interface MaintenanceReport {
  dryRun: boolean;
  startedAt: string;
  durationMs: number;
  /** Null when retention was not applied. */
  retention: RetentionReport | null;
  gc: GarbageCollectionReport;
}

/** Raised when a run is asked for while another one of this process is still going. */
export class MaintenanceBusyError extends Error {
  constructor() {
    super('a garbage collection run is already in progress');
    this.name = 'MaintenanceBusyError';
  }
}

/**
 * One garbage-collection run as the schedule, the admin API and the CLI start it: retention
 * policies first (deleting tags and the manifests they held), then the mark-and-sweep, with the
 * same grace period for both. One run at a time per process.
 */
export class Maintenance {
  readonly retention: RetentionService;
  private readonly collector: GarbageCollector;
  private running = false;

  constructor(storage: StorageDriver, metadata: MetadataStore, uploads: UploadBuffer) {
    this.retention = new RetentionService(storage, metadata);
    this.collector = new GarbageCollector(storage, metadata, uploads);
  }

  get busy(): boolean {
    return this.running;
  }

  async run(options: MaintenanceOptions = {}): Promise<MaintenanceReport> {
    if (this.running) throw new MaintenanceBusyError();
    this.running = true;
    const started = Date.now();
    try {
      const dryRun = options.dryRun ?? false;
      const { retention: applyRetention = true, onProgress, ...gcOptions } = options;
      const retention = applyRetention
        ? await this.retention.apply({
            dryRun,
            group: options.group,
            gracePeriodMs: options.gracePeriodMs,
            onProgress: onProgress && ((done, total, repository) => onProgress('retention', done, total, repository)),
          })
        : null;
      const assumeDeleted = new Map<string, Set<string>>();
      for (const manifest of retention?.deletedManifests ?? []) {
        assumeDeleted.set(manifest.repository, (assumeDeleted.get(manifest.repository) ?? new Set()).add(manifest.digest));
      }
      const gc = await this.collector.run({
        ...gcOptions,
        dryRun,
        assumeDeleted,
        onProgress: onProgress && ((done, total, repository) => onProgress('gc', done, total, repository)),
      });
      return { dryRun, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, retention, gc };
    } finally {
      this.running = false;
    }
  }
}
