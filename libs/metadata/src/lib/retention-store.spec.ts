import { openMetadataDatabase } from './data-source';
import { TagEntity } from './entities/entities';
import { ManifestRecord, MetadataStore } from './metadata-store';
import { RetentionStore } from './retention-store';
import { testDatabases } from '../test/test-databases';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

const manifest = (n: number, children: number[] = []): ManifestRecord => ({
  digest: digest(n),
  mediaType: children.length ? 'application/vnd.oci.image.index.v1+json' : 'application/vnd.oci.image.manifest.v1+json',
  size: 100,
  artifactType: null,
  subjectDigest: null,
  configDigest: null,
  annotations: null,
  references: children.map((child) => ({ kind: 'manifest' as const, digest: digest(child), size: 100, mediaType: null, platform: null })),
});

const databases = testDatabases();
afterAll(() => Promise.all(databases.map(([, database]) => database.cleanup())));

describe.each(databases)('RetentionStore on %s', (_name, database) => {
  let metadata: MetadataStore;
  let retention: RetentionStore;
  let repositoryId: number;

  beforeEach(async () => {
    metadata = new MetadataStore(await openMetadataDatabase(await database.settings()));
    retention = new RetentionStore(metadata);
    const group = await metadata.ensureGroup('team');
    repositoryId = (await metadata.ensureRepository('team/app', group.id)).id;
  });

  afterEach(async () => {
    await metadata.dataSource.destroy();
  });

  it('creates, replaces, lists and removes policies with their protected patterns', async () => {
    await retention.upsert({ target: 'team/app', keepLast: 5, keepDays: null, protectedTags: ['latest', 'v*'] });
    await retention.upsert({ target: 'team', keepLast: null, keepDays: 30, protectedTags: [] });
    await retention.upsert({ target: 'team/app', keepLast: 3, keepDays: 7, protectedTags: ['stable'] });
    const policies = await retention.list();
    expect(policies.map(({ target, keepLast, keepDays, protectedTags }) => ({ target, keepLast, keepDays, protectedTags }))).toEqual([
      { target: 'team', keepLast: null, keepDays: 30, protectedTags: [] },
      { target: 'team/app', keepLast: 3, keepDays: 7, protectedTags: ['stable'] },
    ]);
    expect(await retention.remove('team')).toBe(true);
    expect(await retention.remove('team')).toBe(false);
    expect(await retention.find('team')).toBeNull();
    expect((await retention.find('team/app'))?.keepLast).toBe(3);
  });

  it('orders tags newest first and deletes one only while it is unchanged and older than the cut-off', async () => {
    await metadata.putManifest(repositoryId, manifest(1), 'old');
    await metadata.putManifest(repositoryId, manifest(2), 'new');
    await metadata.dataSource.getRepository(TagEntity).update({ repositoryId, name: 'old' }, { updatedAt: new Date(Date.now() - 10 * 86_400_000) });
    expect((await retention.tagsNewestFirst(repositoryId)).map((tag) => tag.name)).toEqual(['new', 'old']);

    const cutoff = new Date(Date.now() - 86_400_000);
    // moved to another manifest meanwhile: kept
    expect(await retention.deleteTagIfUnchanged(repositoryId, 'old', digest(2), cutoff)).toBe(false);
    // pushed after the cut-off: kept
    expect(await retention.deleteTagIfUnchanged(repositoryId, 'new', digest(2), cutoff)).toBe(false);
    expect(await retention.deleteTagIfUnchanged(repositoryId, 'old', digest(1), cutoff)).toBe(true);
    expect(await metadata.findTag(repositoryId, 'old')).toBeNull();
    expect(await metadata.findTag(repositoryId, 'new')).not.toBeNull();
  });

  it('deletes a manifest only when no tag points at it and no index lists it', async () => {
    await metadata.putManifest(repositoryId, manifest(1), 'tagged');
    await metadata.putManifest(repositoryId, manifest(2));
    await metadata.putManifest(repositoryId, manifest(3));
    await metadata.putManifest(repositoryId, manifest(4, [3]), 'index');
    expect(await retention.deleteManifestIfUnreferenced(repositoryId, digest(1))).toBe(false);
    expect(await retention.deleteManifestIfUnreferenced(repositoryId, digest(3))).toBe(false);
    expect(await retention.deleteManifestIfUnreferenced(repositoryId, digest(2))).toBe(true);
    expect(await retention.deleteManifestIfUnreferenced(repositoryId, digest(2))).toBe(false);
    expect(await metadata.findManifest(repositoryId, digest(2))).toBeNull();
    expect(await metadata.findManifest(repositoryId, digest(3))).not.toBeNull();
  });
});
