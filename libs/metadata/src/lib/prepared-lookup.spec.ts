import { DataSource } from 'typeorm';
import { openMetadataDatabase } from './data-source';
import { GroupEntity, ManifestEntity, RepositoryBlobEntity, RepositoryEntity, TagEntity, UploadSessionEntity } from './entities/entities';
import { PreparedLookup } from './prepared-lookup';
import { testDatabases } from '../test/test-databases';

const databases = testDatabases();
afterAll(() => Promise.all(databases.map(([, database]) => database.cleanup())));

describe.each(databases)('PreparedLookup on %s', (_name, database) => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await openMetadataDatabase(await database.settings());
    const group = await dataSource.getRepository(GroupEntity).save({ name: 'team', isPublic: true });
    const repository = await dataSource.getRepository(RepositoryEntity).save({ name: 'team/app', groupId: group.id });
    await dataSource.getRepository(RepositoryBlobEntity).insert({ repositoryId: repository.id, digest: 'sha256:aa', size: 5_000_000_000 });
    await dataSource.getRepository(ManifestEntity).insert({
      repositoryId: repository.id,
      digest: 'sha256:bb',
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 123,
      artifactType: null,
      subjectDigest: 'sha256:cc',
      configDigest: null,
      annotations: '{"a":"b"}',
    });
    await dataSource.getRepository(TagEntity).insert({ repositoryId: repository.id, name: '1.0.0-rc.1', digest: 'sha256:bb' });
    await dataSource.getRepository(UploadSessionEntity).insert({ id: 'f3b1c1d2-0000-4000-8000-000000000001', repositoryName: 'team/app', offset: 42 });
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it('returns the same entity as findOneBy, types and transformers included', async () => {
    const repository = await dataSource.getRepository(RepositoryEntity).findOneByOrFail({ name: 'team/app' });
    const same = async <E extends object>(lookup: PreparedLookup<E>, values: unknown[], expected: E | null) => {
      expect(expected).not.toBeNull();
      const found = await lookup.find(...values);
      expect(found).toEqual(expected);
      expect(found?.constructor).toBe(expected?.constructor);
    };
    await same(new PreparedLookup(dataSource, GroupEntity, ['name']), ['team'], await dataSource.getRepository(GroupEntity).findOneBy({ name: 'team' }));
    await same(new PreparedLookup(dataSource, RepositoryEntity, ['name']), ['team/app'], repository);
    await same(
      new PreparedLookup(dataSource, RepositoryBlobEntity, ['repositoryId', 'digest']),
      [repository.id, 'sha256:aa'],
      await dataSource.getRepository(RepositoryBlobEntity).findOneBy({ repositoryId: repository.id, digest: 'sha256:aa' }),
    );
    await same(
      new PreparedLookup(dataSource, ManifestEntity, ['repositoryId', 'digest']),
      [repository.id, 'sha256:bb'],
      await dataSource.getRepository(ManifestEntity).findOneBy({ repositoryId: repository.id, digest: 'sha256:bb' }),
    );
    await same(
      new PreparedLookup(dataSource, TagEntity, ['repositoryId', 'name']),
      [repository.id, '1.0.0-rc.1'],
      await dataSource.getRepository(TagEntity).findOneBy({ repositoryId: repository.id, name: '1.0.0-rc.1' }),
    );
    await same(
      new PreparedLookup(dataSource, UploadSessionEntity, ['id']),
      ['f3b1c1d2-0000-4000-8000-000000000001'],
      await dataSource.getRepository(UploadSessionEntity).findOneBy({ id: 'f3b1c1d2-0000-4000-8000-000000000001' }),
    );
    const blob = await new PreparedLookup(dataSource, RepositoryBlobEntity, ['repositoryId', 'digest']).find(repository.id, 'sha256:aa');
    expect(blob?.size).toBe(5_000_000_000);
    expect(repository.createdAt).toBeInstanceOf(Date);
  });

  it('returns null when no row matches, and binds values in key order', async () => {
    const repository = await dataSource.getRepository(RepositoryEntity).findOneByOrFail({ name: 'team/app' });
    const tags = new PreparedLookup(dataSource, TagEntity, ['repositoryId', 'name']);
    expect(await tags.find(repository.id, 'missing')).toBeNull();
    expect(await tags.find(repository.id + 1, '1.0.0-rc.1')).toBeNull();
    expect(await new PreparedLookup(dataSource, RepositoryEntity, ['name']).find("team/app' OR 1=1 --")).toBeNull();
  });
});
