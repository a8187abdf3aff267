import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { digestOf } from '@refity/digest';
import { MetadataStore, openMetadataDatabase } from '@refity/metadata';
import { StorageDriver } from '@refity/storage-api';
import { LocalStorageDriver } from '@refity/storage-local';
import { storageLayout } from './layout';
import { MEDIA_TYPES } from './manifest';
import { OciError } from './oci-error';
import { RegistryService } from './registry.service';
import { pushTestBlob, pushTestImage } from './test-images.spec-helper';
import { WriteBehindStorage } from './write-behind-storage';

async function errorCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return error instanceof OciError ? `${error.status} ${error.code}` : `unexpected ${String(error)}`;
  }
  return undefined;
}

describe('RegistryService on local storage and SQLite', () => {
  let dir: string;
  let storage: LocalStorageDriver;
  let metadata: MetadataStore;
  let registry: RegistryService;
  const open = async (autoCreateGroups = false) => {
    metadata = new MetadataStore(await openMetadataDatabase({ type: 'sqlite', path: join(dir, 'meta.sqlite') }));
    registry = new RegistryService(storage, metadata, { autoCreateGroups, maxManifestBytes: 4096, uploadsDir: join(dir, 'uploads') });
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'refity-registry-'));
    storage = new LocalStorageDriver(join(dir, 'storage'));
    await open();
    await metadata.ensureGroup('team');
  });

  afterEach(async () => {
    await metadata.dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const push = (name: string, data: Buffer) => pushTestBlob(registry, name, data);

  it('refuses a push into a group that does not exist, with the console hint', async () => {
    const error = await registry.startUpload('other/app').catch((caught: OciError) => caught);
    expect(error).toBeInstanceOf(OciError);
    expect((error as OciError).code).toBe('NAME_UNKNOWN');
    expect((error as OciError).message).toBe('group other does not exist; create it in the console');
  });

  it('creates the group on push when AUTO_CREATE_GROUPS is on', async () => {
    await metadata.dataSource.destroy();
    await open(true);
    await push('fresh/app', Buffer.from('x'));
    expect(await metadata.findGroup('fresh')).not.toBeNull();
  });

  it('assembles chunks in order, refuses an out-of-order chunk with 416, and survives a restart', async () => {
    const data = Buffer.from('0123456789abcdef');
    const upload = await registry.startUpload('team/app');
    await registry.appendChunk('team/app', upload.id, Readable.from([data.subarray(0, 6)]), { start: 0, end: 5 });
    expect(await errorCode(registry.appendChunk('team/app', upload.id, Readable.from([data.subarray(8)]), { start: 8, end: 15 }))).toBe('416 RANGE_INVALID');
    // A restart loses the in-memory running hash; the session and its bytes remain.
    await metadata.dataSource.destroy();
    await open();
    expect((await registry.uploadStatus('team/app', upload.id)).offset).toBe(6);
    await registry.appendChunk('team/app', upload.id, Readable.from([data.subarray(6)]), { start: 6, end: 15 });
    const blob = await registry.completeUpload('team/app', upload.id, digestOf(data));
    expect(blob).toEqual({ digest: digestOf(data), size: 16 });
    expect((await storage.readFile(storageLayout.blob('team/app', blob.digest))).equals(data)).toBe(true);
    expect(await errorCode(registry.uploadStatus('team/app', upload.id))).toBe('404 BLOB_UPLOAD_UNKNOWN');
  });

  it('stores nothing when the digest does not match', async () => {
    const upload = await registry.startUpload('team/app');
    await registry.appendChunk('team/app', upload.id, Readable.from([Buffer.from('real')]));
    expect(await errorCode(registry.completeUpload('team/app', upload.id, digestOf('fake')))).toBe('400 DIGEST_INVALID');
    expect(await storage.exists(storageLayout.blob('team/app', digestOf('fake')))).toBe(false);
    expect(await storage.exists(storageLayout.blob('team/app', digestOf('real')))).toBe(false);
    expect(await errorCode(registry.statBlob('team/app', digestOf('real')))).toBe('404 BLOB_UNKNOWN');
  });

  it('renames the verified upload buffer into local storage as the blob: written once, nothing staged', async () => {
    const data = Buffer.from('adopted, not copied');
    const upload = await registry.startUpload('team/app');
    await registry.appendChunk('team/app', upload.id, Readable.from([data.subarray(0, 7)]), { start: 0, end: 6 });
    await registry.appendChunk('team/app', upload.id, Readable.from([data.subarray(7)]), { start: 7, end: data.length - 1 });
    const buffer = registry.uploads.pathOf(upload.id);
    const inode = statSync(buffer).ino;
    const blob = await registry.completeUpload('team/app', upload.id, digestOf(data));
    const stored = join(dir, 'storage', ...storageLayout.blob('team/app', blob.digest).split('/'));
    expect(statSync(stored).ino).toBe(inode);
    expect(readFileSync(stored).equals(data)).toBe(true);
    expect(existsSync(buffer)).toBe(false);
    expect(existsSync(join(dir, 'storage', 'uploads'))).toBe(false);
  });

  it('ends a session whose local buffer is gone with 404 BLOB_UPLOAD_UNKNOWN, on PATCH and on PUT', async () => {
    for (const next of ['PATCH', 'PUT']) {
      const upload = await registry.startUpload('team/app');
      await registry.appendChunk('team/app', upload.id, Readable.from([Buffer.from('half')]));
      rmSync(registry.uploads.pathOf(upload.id));
      const attempt =
        next === 'PATCH'
          ? registry.appendChunk('team/app', upload.id, Readable.from([Buffer.from('more')]), { start: 4, end: 7 })
          : registry.completeUpload('team/app', upload.id, digestOf('half'));
      expect(await errorCode(attempt)).toBe('404 BLOB_UPLOAD_UNKNOWN');
      expect(await errorCode(registry.uploadStatus('team/app', upload.id))).toBe('404 BLOB_UPLOAD_UNKNOWN');
    }
  });

  it('with storage that cannot adopt local files (SFTP): streams an upload to storage while it arrives, and leaves no staged file behind', async () => {
    // The local driver minus adoptLocalFile behaves like the SFTP driver in synchronous mode.
    const sftpLike = Object.assign(Object.create(storage) as LocalStorageDriver, { adoptLocalFile: undefined }) as StorageDriver;
    registry = new RegistryService(sftpLike, metadata, { autoCreateGroups: false, maxManifestBytes: 4096, uploadsDir: join(dir, 'uploads') });
    const staged = () => readdirSync(join(dir, 'storage', 'uploads'));
    const data = Buffer.from('streamed while it arrives');
    const upload = await registry.startUpload('team/app');
    await registry.appendChunk('team/app', upload.id, Readable.from([data.subarray(0, 8)]), { start: 0, end: 7 });
    expect(staged()).toHaveLength(1);
    await registry.appendChunk('team/app', upload.id, Readable.from([data.subarray(8)]), { start: 8, end: data.length - 1 });
    const blob = await registry.completeUpload('team/app', upload.id, digestOf(data));
    expect((await storage.readFile(storageLayout.blob('team/app', blob.digest))).equals(data)).toBe(true);
    expect(staged()).toEqual([]);

    const bad = await registry.startUpload('team/app');
    await registry.appendChunk('team/app', bad.id, Readable.from([Buffer.from('real')]));
    expect(staged()).toHaveLength(1);
    expect(await errorCode(registry.completeUpload('team/app', bad.id, digestOf('fake')))).toBe('400 DIGEST_INVALID');
    expect(staged()).toEqual([]);

    const cancelled = await registry.startUpload('team/app');
    await registry.appendChunk('team/app', cancelled.id, Readable.from([Buffer.from('gone')]));
    await registry.cancelUpload('team/app', cancelled.id);
    expect(staged()).toEqual([]);
  });

  it('accepts a manifest only when its blobs exist, serves its exact bytes, and deletes by tag or digest', async () => {
    const config = await push('team/app', Buffer.from('{"architecture":"amd64","os":"linux"}'));
    const layer = await push('team/app', Buffer.from('layer-bytes'));
    // Odd spacing on purpose: the registry must keep the pushed bytes as they are.
    const body = Buffer.from(
      `{ "schemaVersion": 2, "mediaType": "${MEDIA_TYPES.ociManifest}", "config": {"mediaType": "${MEDIA_TYPES.ociConfig}", "digest": "${config.digest}", "size": ${config.size}},\n "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "${layer.digest}", "size": ${layer.size}}] }`,
    );
    const missing = Buffer.from(body.toString().replace(layer.digest, digestOf('absent')));
    expect(await errorCode(registry.putManifest('team/app', '1.0.0', missing, MEDIA_TYPES.ociManifest))).toBe('400 MANIFEST_BLOB_UNKNOWN');

    const stored = await registry.putManifest('team/app', '1.0.0', body, MEDIA_TYPES.ociManifest);
    await registry.putManifest('team/app', 'latest', body, MEDIA_TYPES.ociManifest);
    expect(stored.digest).toBe(digestOf(body));
    expect((await registry.readManifest('team/app', stored.digest)).equals(body)).toBe(true);
    expect((await storage.readFile(storageLayout.tag('team/app', '1.0.0'))).equals(body)).toBe(true);
    expect(await registry.tags('team/app', undefined, 10)).toEqual(['1.0.0', 'latest']);

    await registry.deleteManifest('team/app', 'latest');
    expect(await registry.tags('team/app', undefined, 10)).toEqual(['1.0.0']);
    expect((await registry.findManifest('team/app', stored.digest)).digest).toBe(stored.digest);
    expect(await storage.exists(storageLayout.tag('team/app', 'latest'))).toBe(false);

    await registry.deleteManifest('team/app', stored.digest);
    expect(await registry.tags('team/app', undefined, 10)).toEqual([]);
    expect(await errorCode(registry.findManifest('team/app', '1.0.0'))).toBe('404 MANIFEST_UNKNOWN');
    expect(readdirSync(join(dir, 'storage', 'registry', 'team', 'app', 'manifests'))).toEqual([]);
  });

  it('asynchronous mode: a manifest is queued with its tag in one commit, and a refused one leaves nothing queued', async () => {
    const queueDir = join(dir, 'queue');
    const queue = new WriteBehindStorage(storage, metadata, { queueDir, concurrency: 2 });
    const asyncRegistry = new RegistryService(queue, metadata, { autoCreateGroups: false, maxManifestBytes: 4096, uploadsDir: join(dir, 'uploads') });
    const image = await pushTestImage(asyncRegistry, 'team/app', '1.0.0', ['layer']);
    const queuedFiles = readdirSync(queueDir).length;
    const manifest = await asyncRegistry.readManifest('team/app', image.manifest);
    const missing = Buffer.from(manifest.toString().replace(image.blobs[1], digestOf('absent')));
    expect(await errorCode(asyncRegistry.putManifest('team/app', '2.0.0', missing, MEDIA_TYPES.ociManifest))).toBe('400 MANIFEST_BLOB_UNKNOWN');
    expect(readdirSync(queueDir)).toHaveLength(queuedFiles);
    expect(queue.jobs().map((job) => job.path)).not.toContain(storageLayout.tag('team/app', '2.0.0'));

    // Not uploaded yet (the queue is not started): served from the queue, listed by metadata.
    expect(await asyncRegistry.tags('team/app', undefined, 10)).toEqual(['1.0.0']);
    expect((await asyncRegistry.readManifest('team/app', '1.0.0')).equals(manifest)).toBe(true);
    await queue.start();
    expect(await queue.drain(10_000)).toBe(true);
    expect((await storage.readFile(storageLayout.tag('team/app', '1.0.0'))).equals(manifest)).toBe(true);
    expect((await storage.readFile(storageLayout.manifest('team/app', image.manifest))).equals(manifest)).toBe(true);
    await queue.close();
  });

  it('asynchronous mode: background uploads wait while a blob streams out to a client', async () => {
    const queue = new WriteBehindStorage(storage, metadata, { queueDir: join(dir, 'queue'), concurrency: 2 });
    const asyncRegistry = new RegistryService(queue, metadata, { autoCreateGroups: false, maxManifestBytes: 4096, uploadsDir: join(dir, 'uploads') });
    await queue.start();
    const first = await pushTestBlob(asyncRegistry, 'team/app', Buffer.from('first layer'));
    expect(await queue.drain(10_000)).toBe(true);

    const download = await asyncRegistry.openBlob('team/app', first.digest);
    const second = await pushTestBlob(asyncRegistry, 'team/app', Buffer.from('second layer'));
    // Longer than the pause after the upload body: only the open download holds the queue now.
    expect(await queue.drain(800)).toBe(false);
    expect(await storage.exists(storageLayout.blob('team/app', second.digest))).toBe(false);
    const chunks: Buffer[] = [];
    for await (const chunk of download) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('first layer');
    expect(await queue.drain(10_000)).toBe(true);
    expect((await storage.readFile(storageLayout.blob('team/app', second.digest))).toString()).toBe('second layer');
    await queue.close();
  });

  it('mounts a blob from another repository, and falls back when the source lacks it', async () => {
    const blob = await push('team/a', Buffer.from('shared layer'));
    expect(await registry.mountBlob('team/b', blob.digest, 'team/a')).toBe(true);
    expect((await registry.statBlob('team/b', blob.digest)).size).toBe(12);
    expect(await registry.mountBlob('team/c', digestOf('nope'), 'team/a')).toBe(false);
  });

  it('lists referrers of a subject, filtered by artifactType', async () => {
    const config = await push('team/app', Buffer.from('{}'));
    const manifest = (artifactType: string, subject?: string) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA_TYPES.ociManifest,
          artifactType,
          config: { mediaType: MEDIA_TYPES.ociEmpty, digest: config.digest, size: config.size },
          layers: [],
          ...(subject ? { subject: { mediaType: MEDIA_TYPES.ociManifest, digest: subject, size: 1 } } : {}),
        }),
      );
    const image = await registry.putManifest('team/app', 'v1', manifest('application/x-image'), MEDIA_TYPES.ociManifest);
    const sbom = await registry.putManifest('team/app', digestOf(manifest('application/spdx', image.digest)), manifest('application/spdx', image.digest), MEDIA_TYPES.ociManifest);
    expect(sbom.subjectDigest).toBe(image.digest);
    await registry.putManifest('team/app', digestOf(manifest('application/sig', image.digest)), manifest('application/sig', image.digest), MEDIA_TYPES.ociManifest);
    expect((await registry.referrers('team/app', image.digest)).map((d) => d.artifactType)).toEqual(['application/spdx', 'application/sig']);
    expect(await registry.referrers('team/app', image.digest, 'application/spdx')).toEqual([
      { mediaType: MEDIA_TYPES.ociManifest, digest: sbom.digest, size: sbom.size, artifactType: 'application/spdx' },
    ]);
  });

  it('lists a referrer without artifactType under its config media type (OCI 1.1)', async () => {
    const config = await push('team/app', Buffer.from('{"os":"linux"}'));
    const subject = digestOf('subject');
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociManifest,
        config: { mediaType: MEDIA_TYPES.ociConfig, digest: config.digest, size: config.size },
        layers: [],
        subject: { mediaType: MEDIA_TYPES.ociManifest, digest: subject, size: 1 },
      }),
    );
    const referrer = await registry.putManifest('team/app', digestOf(body), body, MEDIA_TYPES.ociManifest);
    const listed = [{ mediaType: MEDIA_TYPES.ociManifest, digest: referrer.digest, size: referrer.size, artifactType: MEDIA_TYPES.ociConfig }];
    expect(await registry.referrers('team/app', subject)).toEqual(listed);
    expect(await registry.referrers('team/app', subject, MEDIA_TYPES.ociConfig)).toEqual(listed);
    expect(await registry.referrers('team/app', subject, 'application/spdx')).toEqual([]);
  });

  it('reads an invalid tag as an unknown manifest (404) for /v2 pulls, while a push under it is refused (400)', async () => {
    const config = await push('team/app', Buffer.from('{}'));
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: { mediaType: MEDIA_TYPES.ociConfig, digest: config.digest, size: config.size }, layers: [] }));
    await registry.putManifest('team/app', 'v1', body, MEDIA_TYPES.ociManifest);
    expect(await errorCode(registry.negotiateManifest('team/app', '.INVALID_MANIFEST_NAME', undefined))).toBe('404 MANIFEST_UNKNOWN');
    expect(await errorCode(registry.findManifest('team/app', '.INVALID_MANIFEST_NAME'))).toBe('400 MANIFEST_INVALID');
    expect(await errorCode(registry.putManifest('team/app', '.INVALID_MANIFEST_NAME', body, MEDIA_TYPES.ociManifest))).toMatch(/^400 /);
  });
});
