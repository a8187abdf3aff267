import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { openMetadataDatabase } from './data-source';
import { GroupEntity } from './entities/entities';
import { MetadataStore } from './metadata-store';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

describe('MetadataStore on SQLite', () => {
  let dir: string;
  let dataSource: DataSource;
  let store: MetadataStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'refity-metadata-'));
    dataSource = await openMetadataDatabase({ type: 'sqlite', path: join(dir, 'meta.sqlite') });
    store = new MetadataStore(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs migrations with WAL and foreign keys on', async () => {
    expect(await dataSource.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    expect(await dataSource.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    expect(await dataSource.showMigrations()).toBe(false);
  });

  it('commits an upload session\'s start and progress without a log sync, and every other write with one', async () => {
    const synchronous = async () => ((await dataSource.query('PRAGMA synchronous')) as Array<{ synchronous: number }>)[0].synchronous;
    const FULL = 2;
    const NORMAL = 1;
    const group = await store.ensureGroup('durability');
    await store.ensureRepository('durability/app', group.id);
    expect(await synchronous()).toBe(FULL);
    await store.createUploadSession('2b6e5f0a-0000-4000-8000-000000000001', 'durability/app');
    expect(await synchronous()).toBe(NORMAL);
    await store.setUploadOffset('2b6e5f0a-0000-4000-8000-000000000001', 42);
    expect(await synchronous()).toBe(NORMAL);
    // The blob PUT's commit is acknowledged as stored: it syncs the log again (and with it the relaxed writes before it).
    await store.finishUpload('2b6e5f0a-0000-4000-8000-000000000001', null);
    expect(await synchronous()).toBe(FULL);
    expect(await store.findUploadSession('2b6e5f0a-0000-4000-8000-000000000001')).toBeNull();
  });

  it('runs a write transaction again when another process committed after it read (SQLITE_BUSY)', async () => {
    // A second connection to the same file, as the admin API or CLI has.
    const other = new MetadataStore(await openMetadataDatabase({ type: 'sqlite', path: join(dir, 'meta.sqlite') }));
    let runs = 0;
    try {
      const group = await store.transaction(async (manager) => {
        runs++;
        await manager.query('SELECT count(*) FROM groups');
        if (runs === 1) await other.ensureGroup('interloper');
        return manager.save(manager.create(GroupEntity, { name: 'busy-retry' }));
      });
      expect(runs).toBe(2);
      expect(group).toMatchObject({ name: 'busy-retry' });
      expect(await store.findGroup('interloper')).not.toBeNull();
    } finally {
      await other.dataSource.destroy();
    }
  });

  it('stores manifests, moves tags and deletes a manifest with its tags', async () => {
    const group = await store.ensureGroup('team');
    const repo = await store.ensureRepository('team/app', group.id);
    await store.recordBlob(repo.id, digest(1), 10);
    const record = {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 100,
      artifactType: null,
      subjectDigest: null,
      configDigest: digest(1),
      annotations: null,
      references: [{ kind: 'config' as const, digest: digest(1), size: 10, mediaType: null, platform: null }],
    };
    await store.putManifest(repo.id, { ...record, digest: digest(2) }, '1.0.0');
    await store.putManifest(repo.id, { ...record, digest: digest(2) }, 'latest');
    await store.putManifest(repo.id, { ...record, digest: digest(3) }, 'latest');
    expect(await store.listTags(repo.id, undefined, 10)).toEqual(['1.0.0', 'latest']);
    expect((await store.findTag(repo.id, 'latest'))?.digest).toBe(digest(3));
    expect(await store.listTags(repo.id, '1.0.0', 10)).toEqual(['latest']);
    expect(await store.deleteManifest(repo.id, digest(2))).toEqual(['1.0.0']);
    expect(await store.listTags(repo.id, undefined, 10)).toEqual(['latest']);
    expect(await store.deleteManifest(repo.id, digest(2))).toBeNull();
  });

  it('serialises concurrent writes without losing any', async () => {
    const group = await store.ensureGroup('busy');
    const repo = await store.ensureRepository('busy/app', group.id);
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.recordBlob(repo.id, digest(100 + i), i)));
    expect((await store.presentBlobs(repo.id, Array.from({ length: 50 }, (_, i) => digest(100 + i)))).size).toBe(50);
  });

  it('cascades a repository delete to its tags, manifests and blobs', async () => {
    const group = await store.ensureGroup('gone');
    const repo = await store.ensureRepository('gone/app', group.id);
    await store.recordBlob(repo.id, digest(7), 1);
    await store.deleteRepository(repo.id);
    expect(await store.findBlob(repo.id, digest(7))).toBeNull();
  });
});
