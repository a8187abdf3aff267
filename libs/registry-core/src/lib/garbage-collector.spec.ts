import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MetadataStore, openMetadataDatabase } from '@refity/metadata';
import { LocalStorageDriver } from '@refity/storage-local';
import { GarbageCollector } from './garbage-collector';
import { storageLayout } from './layout';
import { OciError } from './oci-error';
import { RegistryService } from './registry.service';
import { pushTestImage } from './test-images.spec-helper';

describe('GarbageCollector', () => {
  let dir: string;
  let storage: LocalStorageDriver;
  let metadata: MetadataStore;
  let registry: RegistryService;
  let collector: GarbageCollector;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'refity-gc-'));
    storage = new LocalStorageDriver(join(dir, 'storage'));
    metadata = new MetadataStore(await openMetadataDatabase({ type: 'sqlite', path: join(dir, 'meta.sqlite') }));
    registry = new RegistryService(storage, metadata, { autoCreateGroups: true, maxManifestBytes: 1 << 20, uploadsDir: join(dir, 'uploads') });
    collector = new GarbageCollector(storage, metadata, registry.uploads);
  });

  afterEach(async () => {
    await metadata.dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const pushImage = (name: string, tag: string, layers: string[]) => pushTestImage(registry, name, tag, layers);

  const allBlobsStored = async (name: string, digests: string[]) => {
    for (const digest of digests) {
      if (!(await storage.exists(storageLayout.blob(name, digest)))) return false;
    }
    return true;
  };

  it('reports without deleting on a dry run, then sweeps only unreachable blobs and manifests', async () => {
    const kept = await pushImage('team/app', 'v1', ['base', 'app-v1']);
    const dropped = await pushImage('team/app', 'v2', ['base', 'app-v2']);
    await registry.deleteManifest('team/app', 'v2');

    const dry = await collector.run({ dryRun: true, deleteUntagged: true, gracePeriodMs: 0 });
    expect(dry.deletedManifests.map((entry) => entry.digest)).toEqual([dropped.manifest]);
    expect(dry.deletedBlobs.map((entry) => entry.digest).sort()).toEqual([dropped.blobs[0], dropped.blobs[2]].sort());
    expect(await allBlobsStored('team/app', dropped.blobs)).toBe(true);

    const report = await collector.run({ deleteUntagged: true, gracePeriodMs: 0 });
    expect(report.deletedBlobs).toHaveLength(2);
    expect(report.reclaimedBytes).toBe(report.deletedBlobs.reduce((sum, blob) => sum + blob.size, 0));
    expect(await allBlobsStored('team/app', kept.blobs)).toBe(true);
    expect(await storage.exists(storageLayout.blob('team/app', dropped.blobs[2]))).toBe(false);
    expect(await storage.exists(storageLayout.manifest('team/app', dropped.manifest))).toBe(false);
    await expect(registry.findManifest('team/app', dropped.manifest)).rejects.toBeInstanceOf(OciError);
    expect((await registry.findManifest('team/app', 'v1')).digest).toBe(kept.manifest);
  });

  it('keeps untagged manifests unless asked, and everything inside the grace period', async () => {
    const image = await pushImage('team/app', 'v1', ['only']);
    await registry.deleteManifest('team/app', 'v1');
    const untouched = await collector.run({ gracePeriodMs: 0 });
    expect(untouched.deletedManifests).toEqual([]);
    expect(untouched.deletedBlobs).toEqual([]);
    const young = await collector.run({ deleteUntagged: true, gracePeriodMs: 3_600_000 });
    expect(young.deletedManifests).toEqual([]);
    expect(await allBlobsStored('team/app', image.blobs)).toBe(true);
  });

  it('never breaks an image pushed while collection runs', async () => {
    for (let round = 0; round < 8; round++) {
      await pushImage('team/app', `old-${round}`, ['shared', `old-${round}`]);
      await registry.deleteManifest('team/app', `old-${round}`);
      // The new image reuses the orphaned "shared" layer while GC tries to sweep it.
      const results = await Promise.allSettled([
        collector.run({ deleteUntagged: true, gracePeriodMs: 0 }),
        pushImage('team/app', `new-${round}`, ['shared', `new-${round}`]),
      ]);
      const push = results[1];
      if (push.status === 'fulfilled') {
        // Accepted: every blob it references must still be on storage.
        expect(await allBlobsStored('team/app', push.value.blobs)).toBe(true);
      } else {
        // Refused: the client was told, and nothing dangling was stored.
        expect((push.reason as OciError).code).toBe('MANIFEST_BLOB_UNKNOWN');
      }
      expect(results[0].status).toBe('fulfilled');
    }
    for (const tag of await registry.tags('team/app', undefined, 100)) {
      const manifest = await registry.findManifest('team/app', tag);
      const parsed = JSON.parse((await registry.readManifest('team/app', manifest.digest)).toString());
      const digests = [parsed.config.digest, ...parsed.layers.map((layer: { digest: string }) => layer.digest)];
      expect(await allBlobsStored('team/app', digests)).toBe(true);
    }
  });

  it('purges idle upload sessions and their buffers', async () => {
    const upload = await registry.startUpload('team/app');
    await registry.appendChunk('team/app', upload.id, Readable.from([Buffer.from('partial')]));
    const report = await collector.run({ uploadMaxIdleMs: -1000 });
    expect(report.purgedUploads).toEqual([upload.id]);
    await expect(registry.uploadStatus('team/app', upload.id)).rejects.toBeInstanceOf(OciError);
  });

  it('removes staged uploads on storage whose session is gone, never a live one', async () => {
    const live = await registry.startUpload('team/app');
    const orphan = '0f0e0d0c-0b0a-4908-8706-050403020100';
    await storage.writeFile(storageLayout.upload(live.id), Buffer.from('live'));
    await storage.writeFile(storageLayout.upload(orphan), Buffer.from('left by a crash'));

    const dry = await collector.run({ uploadMaxIdleMs: 3_600_000, dryRun: true });
    expect(dry.purgedUploads).toEqual([orphan]);
    expect((await storage.list(storageLayout.uploads)).length).toBe(2);

    const report = await collector.run({ uploadMaxIdleMs: 3_600_000 });
    expect(report.purgedUploads).toEqual([orphan]);
    expect(await storage.list(storageLayout.uploads)).toEqual([live.id]);
  });

  it('removes temporary files that unfinished writes left, once older than the grace period', async () => {
    const image = await pushImage('team/app', 'v1', ['base']);
    // Writes that were never committed nor aborted (a crash, a lost connection): their temporary files stay.
    const leftovers = [
      await storage.createWriter(storageLayout.blob('team/app', 'sha256:' + 'a'.repeat(64))),
      await storage.createWriter(storageLayout.tag('team/app', 'v2')),
      await storage.createWriter(storageLayout.upload('0f0e0d0c-0b0a-4908-8706-050403020100')),
    ];
    for (const writer of leftovers) await new Promise<void>((resolve) => writer.stream.write(Buffer.from('half'), () => resolve()));
    // On disk, as the local driver keeps them: `.tmp-*` beside their targets.
    const temporaryFiles = () =>
      ['registry/team/app/blobs', 'registry/team/app/manifests', 'uploads'].flatMap((folder) =>
        readdirSync(join(dir, 'storage', folder))
          .filter((name) => name.startsWith('.tmp-'))
          .map((name) => join(dir, 'storage', folder, name)),
      );
    expect(temporaryFiles()).toHaveLength(3);

    // Fresh: a write may still be in progress.
    expect((await collector.run({ gracePeriodMs: 3_600_000 })).removedTemporaryFiles).toEqual([]);
    expect(temporaryFiles()).toHaveLength(3);
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    for (const file of temporaryFiles()) utimesSync(file, twoHoursAgo, twoHoursAgo);
    // A dry run lists them and keeps them.
    const wouldRemove = (await collector.run({ gracePeriodMs: 3_600_000, dryRun: true })).removedTemporaryFiles;
    expect(wouldRemove).toHaveLength(3);
    expect(temporaryFiles()).toHaveLength(3);
    const report = await collector.run({ gracePeriodMs: 3_600_000 });
    expect([...report.removedTemporaryFiles].sort()).toEqual([...wouldRemove].sort());
    expect(report.removedTemporaryFiles.every((path) => /\/\.tmp-/.test(path))).toBe(true);
    expect(temporaryFiles()).toEqual([]);
    expect(await allBlobsStored('team/app', image.blobs)).toBe(true);
    expect((await registry.findManifest('team/app', 'v1')).digest).toBe(image.manifest);
    for (const writer of leftovers) await writer.abort();
  });
});
