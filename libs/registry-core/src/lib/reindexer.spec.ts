import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { digestOf } from '@refity/digest';
import { MetadataStore, openMetadataDatabase } from '@refity/metadata';
import { LocalStorageDriver } from '@refity/storage-local';
import { MEDIA_TYPES } from './manifest';
import { Reindexer } from './reindexer';
import { RegistryService } from './registry.service';

describe('Reindexer', () => {
  let dir: string;
  let storage: LocalStorageDriver;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'refity-reindex-'));
    storage = new LocalStorageDriver(join(dir, 'storage'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = async (file: string) => {
    const metadata = new MetadataStore(await openMetadataDatabase({ type: 'sqlite', path: join(dir, file) }));
    return { metadata, registry: new RegistryService(storage, metadata, { autoCreateGroups: true, maxManifestBytes: 1 << 20, uploadsDir: join(dir, 'uploads') }) };
  };

  it('rebuilds groups, repositories, blobs, manifests, indexes and tags from storage alone', async () => {
    const { metadata, registry } = await open('original.sqlite');
    const pushBlob = async (name: string, data: string) => {
      const upload = await registry.startUpload(name);
      await registry.appendChunk(name, upload.id, Readable.from([Buffer.from(data)]));
      return registry.completeUpload(name, upload.id, digestOf(data));
    };
    const image = async (name: string, layer: string) => {
      const config = await pushBlob(name, `{"os":"linux","layer":"${layer}"}`);
      const blob = await pushBlob(name, layer);
      return Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA_TYPES.ociManifest,
          config: { mediaType: MEDIA_TYPES.ociConfig, digest: config.digest, size: config.size },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: blob.digest, size: blob.size }],
        }),
      );
    };
    const amd64 = await registry.putManifest('team/app', digestOf(await image('team/app', 'amd64')), await image('team/app', 'amd64'), MEDIA_TYPES.ociManifest);
    await registry.putManifest('team/app', '1.0.0', await image('team/app', 'v1'), MEDIA_TYPES.ociManifest);
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociIndex,
        manifests: [{ mediaType: MEDIA_TYPES.ociManifest, digest: amd64.digest, size: amd64.size, platform: { os: 'linux', architecture: 'amd64' } }],
      }),
    );
    await registry.putManifest('team/app', 'multi', index, MEDIA_TYPES.ociIndex);
    await registry.putManifest('other/deep/tool', 'latest', await image('other/deep/tool', 'tool'), MEDIA_TYPES.ociManifest);
    await metadata.dataSource.destroy();

    // The database is lost; only the storage tree remains.
    const rebuilt = await open('rebuilt.sqlite');
    const report = await new Reindexer(storage, rebuilt.metadata).run();
    expect(report).toMatchObject({ groups: 2, repositories: 2, tags: 3, skipped: [] });
    expect(report.manifests).toBe(4);
    expect(await rebuilt.registry.catalog(undefined, 10)).toEqual(['other/deep/tool', 'team/app']);
    expect(await rebuilt.registry.tags('team/app', undefined, 10)).toEqual(['1.0.0', 'multi']);
    const multi = await rebuilt.registry.findManifest('team/app', 'multi');
    expect(multi).toMatchObject({ digest: digestOf(index), mediaType: MEDIA_TYPES.ociIndex, size: index.length });
    expect((await rebuilt.registry.statBlob('team/app', digestOf('v1'))).size).toBe(2);
    await rebuilt.metadata.dataSource.destroy();
  });

  it('skips a manifest file whose content does not match its name', async () => {
    await storage.writeFile(`registry/team/app/manifests/${digestOf('something else')}`, Buffer.from('{"schemaVersion":2}'));
    const { metadata } = await open('meta.sqlite');
    const report = await new Reindexer(storage, metadata).run();
    expect(report.skipped).toEqual([{ path: `registry/team/app/manifests/${digestOf('something else')}`, reason: 'content does not match its digest' }]);
    await metadata.dataSource.destroy();
  });
});
