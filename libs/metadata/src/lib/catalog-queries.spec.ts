import { testDatabases } from '../test/test-databases';
import { CatalogQueries } from './catalog-queries';
import { openMetadataDatabase } from './data-source';
import { ManifestRecord, MetadataStore } from './metadata-store';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

/** An image manifest with a config and layers, or an index of `children` (manifest numbers). */
function manifest(n: number, blobs: Array<[number, number]>, children: number[] = []): ManifestRecord {
  return {
    digest: digest(n),
    mediaType: children.length ? 'application/vnd.oci.image.index.v1+json' : 'application/vnd.oci.image.manifest.v1+json',
    size: 500,
    artifactType: null,
    subjectDigest: null,
    configDigest: blobs.length ? digest(blobs[0][0]) : null,
    annotations: null,
    references: [
      ...blobs.map(([blob, size], index) => ({ kind: index === 0 ? ('config' as const) : ('layer' as const), digest: digest(blob), size, mediaType: null, platform: null })),
      ...children.map((child) => ({ kind: 'manifest' as const, digest: digest(child), size: 500, mediaType: null, platform: 'linux/amd64' })),
    ],
  };
}

const databases = testDatabases();
afterAll(() => Promise.all(databases.map(([, database]) => database.cleanup())));

// Its aggregates are hand-written SQL: the one place where SQLite and PostgreSQL could disagree.
describe.each(databases)('CatalogQueries on %s', (_name, database) => {
  let metadata: MetadataStore;
  let catalog: CatalogQueries;

  beforeAll(async () => {
    metadata = new MetadataStore(await openMetadataDatabase(await database.settings()));
    catalog = new CatalogQueries(metadata);
    const team = await metadata.ensureGroup('team');
    await metadata.ensureGroup('empty');
    const app = await metadata.ensureRepository('team/app', team.id);
    const tool = await metadata.ensureRepository('team/my_tool', team.id);
    // A layer shared by both repositories counts once for the group and the registry.
    for (const [repository, blob, size] of [
      [app.id, 1, 10],
      [app.id, 2, 1000],
      [app.id, 3, 2000],
      [tool.id, 2, 1000],
      [tool.id, 4, 30],
    ]) {
      await metadata.recordBlob(repository, digest(blob), size);
    }
    await metadata.putManifest(app.id, manifest(11, [[1, 10], [2, 1000]]), '1.0');
    await metadata.putManifest(app.id, manifest(12, [[1, 10], [3, 2000]]));
    await metadata.putManifest(app.id, manifest(13, [], [11, 12]), 'multi');
    await metadata.putManifest(tool.id, manifest(21, [[4, 30], [2, 1000]]), 'latest');
  });

  afterAll(() => metadata.dataSource.destroy());

  it('sums group sizes over distinct blobs and counts repositories and tags', async () => {
    const groups = await catalog.groupSummaries();
    expect(groups.map(({ name, repositoryCount, tagCount, size, isPublic }) => ({ name, repositoryCount, tagCount, size, isPublic }))).toEqual([
      { name: 'empty', repositoryCount: 0, tagCount: 0, size: 0, isPublic: false },
      { name: 'team', repositoryCount: 2, tagCount: 3, size: 10 + 1000 + 2000 + 30, isPublic: false },
    ]);
    expect(groups[1].createdAt).toBeInstanceOf(Date);
    expect(Math.abs(groups[1].createdAt.getTime() - Date.now())).toBeLessThan(60_000);
    expect((await catalog.groupSummaries('team')).map((group) => group.name)).toEqual(['team']);
  });

  it('pages, sorts and searches repositories, with LIKE wildcards taken literally', async () => {
    const bySize = await catalog.repositoryPage({ sort: 'size', order: 'desc', page: 1, pageSize: 1 });
    expect(bySize.total).toBe(2);
    expect(bySize.items.map(({ name, group, tagCount, size }) => ({ name, group, tagCount, size }))).toEqual([{ name: 'team/app', group: 'team', tagCount: 2, size: 3010 }]);
    expect(bySize.items[0].lastPushedAt).toBeInstanceOf(Date);
    const second = await catalog.repositoryPage({ sort: 'size', order: 'desc', page: 2, pageSize: 1 });
    expect(second.items.map((item) => item.name)).toEqual(['team/my_tool']);
    expect((await catalog.repositoryPage({ sort: 'tags', order: 'asc', page: 1, pageSize: 10 })).items.map((item) => item.name)).toEqual(['team/my_tool', 'team/app']);
    expect((await catalog.repositoryPage({ search: 'MY_', sort: 'name', order: 'asc', page: 1, pageSize: 10 })).items.map((item) => item.name)).toEqual(['team/my_tool']);
    // `_` matches itself only: "app" has no underscore.
    expect((await catalog.repositoryPage({ search: 'a_p', sort: 'name', order: 'asc', page: 1, pageSize: 10 })).total).toBe(0);
    expect((await catalog.repositorySummary('team/my_tool'))?.size).toBe(1030);
    expect(await catalog.repositorySummary('team/none')).toBeNull();
  });

  it('totals bytes with and without deduplication, and sizes recent pushes through an index', async () => {
    expect(await catalog.totals()).toEqual({ groups: 2, repositories: 2, tags: 3, manifests: 4, uniqueBlobBytes: 3040, repositoryBlobBytes: 4040 });
    const pushes = await catalog.recentPushes(10);
    const sizes = Object.fromEntries(pushes.map((push) => [`${push.repository}:${push.tag}`, push.size]));
    // The index: the config and layers of both its children.
    expect(sizes).toEqual({ 'team/app:1.0': 1010, 'team/app:multi': 1010 + 2010, 'team/my_tool:latest': 1030 });
    expect(pushes.every((push) => push.pushedAt instanceof Date && !Number.isNaN(push.pushedAt.getTime()))).toBe(true);
    const app = await metadata.findRepository('team/app');
    expect(await catalog.isIndexChild(app?.id ?? -1, digest(12))).toBe(true);
  });
});
