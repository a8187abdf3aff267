import { DataSource } from 'typeorm';
import { testDatabases } from '../test/test-databases';
import { MIGRATIONS, openMetadataDatabase } from './data-source';
import { GroupEntity } from './entities/entities';
import { MetadataStore } from './metadata-store';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const databases = testDatabases();
afterAll(() => Promise.all(databases.map(([, database]) => database.cleanup())));

describe.each(databases)('MetadataStore on %s', (name, database) => {
  let dataSource: DataSource;
  let store: MetadataStore;

  beforeAll(async () => {
    dataSource = await openMetadataDatabase(await database.settings());
    store = new MetadataStore(dataSource);
  });

  afterAll(() => dataSource.destroy());

  it('runs every migration at open', async () => {
    expect(await dataSource.showMigrations()).toBe(false);
    if (name === 'SQLite') {
      expect(await dataSource.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await dataSource.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    }
  });

  it('commits an upload session\'s start and progress without waiting for the disk, and every other write durably', async () => {
    const group = await store.ensureGroup('durability');
    await store.ensureRepository('durability/app', group.id);
    const durableCommits = async () =>
      name === 'SQLite'
        ? ((await dataSource.query('PRAGMA synchronous')) as Array<{ synchronous: number }>)[0].synchronous === 2 // FULL; NORMAL is 1
        : ((await dataSource.query('SHOW synchronous_commit')) as Array<{ synchronous_commit: string }>)[0].synchronous_commit === 'on';
    const session = '2b6e5f0a-0000-4000-8000-000000000001';
    expect(await durableCommits()).toBe(true);
    await store.createUploadSession(session, 'durability/app');
    await store.setUploadOffset(session, 42);
    expect((await store.findUploadSession(session))?.offset).toBe(42);
    // SQLite: the connection's setting, switched only when it changes. PostgreSQL: SET LOCAL, one transaction only.
    expect(await durableCommits()).toBe(name !== 'SQLite');
    // The blob PUT's commit is acknowledged as stored: it syncs the log again (and with it the relaxed writes before it).
    await store.finishUpload(session, null);
    expect(await durableCommits()).toBe(true);
    expect(await store.findUploadSession(session)).toBeNull();
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

  it('lists and pages tags and repository names in byte order, whatever the database collation', async () => {
    // The order of CNCF distribution and the OCI conformance suite (Go's sort.Strings): an en-US
    // collation would put `a` before `B` and ignore the punctuation of `v1-0`, `v1.0` and `v10`.
    const tags = ['latest', 'Latest', 'v1.0', 'v1-0', 'v10', 'v1.0.0-rc.1', '_build', 'A', 'a', 'B', 'b'];
    const names = ['order/b-c', 'order/b.c', 'order/b_c', 'order/b', 'order/b/c', 'order/bc'];
    const byteOrder = (values: string[]) => [...values].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    const group = await store.ensureGroup('order');
    for (const name of names) await store.ensureRepository(name, group.id);
    const repo = await store.ensureRepository('order/app', group.id);
    await store.recordBlob(repo.id, digest(1), 10);
    const record = { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 100, artifactType: null, subjectDigest: null, configDigest: digest(1), annotations: null, references: [] };
    for (const tag of tags) await store.putManifest(repo.id, { ...record, digest: digest(2) }, tag);

    expect(await store.listTags(repo.id, undefined, 100)).toEqual(byteOrder(tags));
    const paged: string[] = [];
    for (let page = await store.listTags(repo.id, undefined, 3); page.length > 0; page = await store.listTags(repo.id, paged[paged.length - 1], 3)) paged.push(...page);
    expect(paged).toEqual(byteOrder(tags));
    const listed = (await store.listRepositoryNames('order/', 100)).filter((name) => name.startsWith('order/'));
    expect(listed).toEqual(byteOrder([...names, 'order/app']));
    expect(await store.listRepositoryNames('order/b-c', 2)).toEqual(byteOrder(names).slice(2, 4));
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

describe('MetadataStore on SQLite, shared with another process', () => {
  const [, sqlite] = databases[0];
  let store: MetadataStore;

  beforeAll(async () => {
    store = new MetadataStore(await openMetadataDatabase(await sqlite.settings()));
  });

  afterAll(() => store.dataSource.destroy());

  it('runs a write transaction again when another process committed after it read (SQLITE_BUSY)', async () => {
    // A second connection to the same file, as the admin API or CLI has.
    const other = new MetadataStore(await openMetadataDatabase(sqlite.sameDatabase()));
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
});

describe('MetadataStore on PostgreSQL, shared by replicas', () => {
  const [, postgres] = databases[1];

  it('migrates a new database once when several replicas open it at the same time', async () => {
    const settings = await postgres.settings();
    const replicas = await Promise.all(Array.from({ length: 3 }, () => openMetadataDatabase(settings)));
    try {
      for (const replica of replicas) expect(await replica.showMigrations()).toBe(false);
      const [{ count }] = await replicas[0].query('SELECT COUNT(*) AS count FROM migrations');
      expect(Number(count)).toBe(MIGRATIONS.length);
    } finally {
      await Promise.all(replicas.map((replica) => replica.destroy()));
    }
  });
});
