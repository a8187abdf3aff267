import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { loadConfig } from '@refity/config';
import { digestOf } from '@refity/digest';
import { MetadataStore, openMetadataDatabase } from '@refity/metadata';
import { MetricsService } from '@refity/observability';
import { MEDIA_TYPES, RegistryService } from '@refity/registry-core';
import { LocalStorageDriver } from '@refity/storage-local';
import { GcScheduler } from './gc-scheduler';

describe('GcScheduler', () => {
  let dir: string;
  let metadata: MetadataStore;
  let registry: RegistryService;
  let metrics: MetricsService;

  const scheduler = (env: Record<string, string>) => {
    const config = loadConfig({ DATA_DIR: dir, GC_GRACE_MINUTES: '0', ...env });
    return new GcScheduler(config, new LocalStorageDriver(config.localStorageDir), metadata, registry, metrics);
  };

  const pushImage = async (name: string, tag: string, layer: string) => {
    const blob = async (data: Buffer) => {
      const upload = await registry.startUpload(name);
      await registry.appendChunk(name, upload.id, Readable.from([data]));
      return registry.completeUpload(name, upload.id, digestOf(data));
    };
    const config = await blob(Buffer.from(`{"tag":"${tag}"}`));
    const layerBlob = await blob(Buffer.from(layer));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociManifest,
        config: { mediaType: MEDIA_TYPES.ociConfig, digest: config.digest, size: config.size },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerBlob.digest, size: layerBlob.size }],
      }),
    );
    await registry.putManifest(name, tag, manifest, MEDIA_TYPES.ociManifest);
    return config.size + layerBlob.size;
  };

  const metric = async (line: RegExp) => Number(line.exec(await metrics.registry.metrics())?.[1] ?? NaN);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'refity-gc-scheduler-'));
    metadata = new MetadataStore(await openMetadataDatabase({ type: 'sqlite', path: join(dir, 'refity.sqlite') }));
    registry = new RegistryService(new LocalStorageDriver(join(dir, 'storage')), metadata, { autoCreateGroups: true, maxManifestBytes: 1 << 20, uploadsDir: join(dir, 'uploads') });
    metrics = new MetricsService('registry');
  });

  afterEach(async () => {
    if (metadata.dataSource.isInitialized) await metadata.dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('schedules only with GC_CRON, and stops on shutdown', () => {
    const none = scheduler({});
    none.onApplicationBootstrap();
    expect(none.nextRun()).toBeNull();

    const nightly = scheduler({ GC_CRON: '30 3 * * *' });
    nightly.onApplicationBootstrap();
    const next = nightly.nextRun();
    expect(next).toBeInstanceOf(Date);
    expect([next?.getHours(), next?.getMinutes()]).toEqual([3, 30]);
    expect((next?.getTime() ?? 0) - Date.now()).toBeLessThanOrEqual(86_400_000);
    nightly.onApplicationShutdown();
    expect(nightly.nextRun()).toBeNull();
  });

  it('runs retention and the sweep with the configured options and counts them in /metrics', async () => {
    const dryScheduler = scheduler({ GC_DRY_RUN: 'true', GC_DELETE_UNTAGGED: 'true' });
    expect(await metric(/refity_gc_runs_total\{result="ok",mode="delete",app="registry"\} (\d+)/)).toBe(0);
    await pushImage('team/app', 'keep', 'kept layer');
    const droppedBytes = await pushImage('team/app', 'drop', 'dropped layer');
    await registry.deleteManifest('team/app', 'drop');

    const dry = await dryScheduler.runOnce();
    expect(dry?.gc.deletedBlobs).toHaveLength(2);
    expect(await metric(/refity_gc_runs_total\{result="ok",mode="dry-run",app="registry"\} (\d+)/)).toBe(1);
    expect(await metric(/refity_gc_reclaimed_bytes_total\{app="registry"\} (\d+)/)).toBe(0);

    const report = await scheduler({ GC_DELETE_UNTAGGED: 'true' }).runOnce();
    expect(report?.gc.reclaimedBytes).toBe(droppedBytes);
    expect(await metric(/refity_gc_runs_total\{result="ok",mode="delete",app="registry"\} (\d+)/)).toBe(1);
    expect(await metric(/refity_gc_deleted_total\{kind="blob",app="registry"\} (\d+)/)).toBe(2);
    expect(await metric(/refity_gc_deleted_total\{kind="manifest",app="registry"\} (\d+)/)).toBe(1);
    expect(await metric(/refity_gc_reclaimed_bytes_total\{app="registry"\} (\d+)/)).toBe(droppedBytes);
    expect(await metric(/refity_gc_last_success_timestamp_seconds\{app="registry"\} ([\d.e+]+)/)).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(await registry.tags('team/app', undefined, 10)).toEqual(['keep']);
  });

  it('logs and counts a failed run instead of throwing', async () => {
    const gc = scheduler({});
    await metadata.dataSource.destroy();
    expect(await gc.runOnce()).toBeNull();
    expect(await metric(/refity_gc_runs_total\{result="error",mode="delete",app="registry"\} (\d+)/)).toBe(1);
  });
});
