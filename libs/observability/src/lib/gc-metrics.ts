import { Counter, Gauge, Registry } from 'prom-client';

/** What one garbage-collection run did, as the metrics count it. */
export interface GcRunSummary {
  ok: boolean;
  dryRun: boolean;
  deletedTags: number;
  deletedManifests: number;
  deletedBlobs: number;
  reclaimedBytes: number;
  purgedUploads: number;
  removedTemporaryFiles: number;
  durationSeconds: number;
}

/**
 * Prometheus metrics of garbage-collection runs (scheduled or on demand). Deletions of dry runs
 * are not counted: they deleted nothing.
 */
export class GcMetrics {
  private readonly runs: Counter<'result' | 'mode'>;
  private readonly deleted: Counter<'kind'>;
  private readonly reclaimed: Counter;
  private readonly lastRun: Gauge;
  private readonly lastSuccess: Gauge;
  private readonly lastDuration: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    // Several owners (e.g. the scheduler and an on-demand route) may share one registry.
    const existing = registry.getSingleMetric('refity_gc_runs_total');
    if (existing) {
      const get = <T>(name: string) => registry.getSingleMetric(name) as unknown as T;
      this.runs = existing as Counter<'result' | 'mode'>;
      this.deleted = get('refity_gc_deleted_total');
      this.reclaimed = get('refity_gc_reclaimed_bytes_total');
      this.lastRun = get('refity_gc_last_run_timestamp_seconds');
      this.lastSuccess = get('refity_gc_last_success_timestamp_seconds');
      this.lastDuration = get('refity_gc_last_run_duration_seconds');
      return;
    }
    this.runs = new Counter({ name: 'refity_gc_runs_total', help: 'Garbage-collection runs by result (ok, error) and mode (delete, dry-run)', labelNames: ['result', 'mode'], registers });
    this.deleted = new Counter({ name: 'refity_gc_deleted_total', help: 'Objects deleted by garbage collection and retention, by kind (tag, manifest, blob, upload, temporary file)', labelNames: ['kind'], registers });
    this.reclaimed = new Counter({ name: 'refity_gc_reclaimed_bytes_total', help: 'Bytes of blobs deleted by garbage collection', registers });
    this.lastRun = new Gauge({ name: 'refity_gc_last_run_timestamp_seconds', help: 'When the last garbage-collection run ended (Unix time)', registers });
    this.lastSuccess = new Gauge({ name: 'refity_gc_last_success_timestamp_seconds', help: 'When the last successful garbage-collection run ended (Unix time)', registers });
    this.lastDuration = new Gauge({ name: 'refity_gc_last_run_duration_seconds', help: 'How long the last garbage-collection run took', registers });
    // Present (at 0) before the first run, so alerts on "no run yet" can be written.
    for (const result of ['ok', 'error']) for (const mode of ['delete', 'dry-run']) this.runs.inc({ result, mode }, 0);
    for (const kind of ['tag', 'manifest', 'blob', 'upload', 'temporary']) this.deleted.inc({ kind }, 0);
  }

  record(run: GcRunSummary): void {
    const now = Date.now() / 1000;
    this.runs.inc({ result: run.ok ? 'ok' : 'error', mode: run.dryRun ? 'dry-run' : 'delete' });
    this.lastRun.set(now);
    this.lastDuration.set(run.durationSeconds);
    if (!run.ok) return;
    this.lastSuccess.set(now);
    if (run.dryRun) return;
    this.deleted.inc({ kind: 'tag' }, run.deletedTags);
    this.deleted.inc({ kind: 'manifest' }, run.deletedManifests);
    this.deleted.inc({ kind: 'blob' }, run.deletedBlobs);
    this.deleted.inc({ kind: 'upload' }, run.purgedUploads);
    this.deleted.inc({ kind: 'temporary' }, run.removedTemporaryFiles);
    this.reclaimed.inc(run.reclaimedBytes);
  }
}
