import { DataSource, EntityManager, In, LessThan, MoreThan } from 'typeorm';
import { PreparedLookup } from './prepared-lookup';
import {
  GroupEntity,
  ManifestEntity,
  ManifestReferenceEntity,
  ManifestReferenceKind,
  RepositoryBlobEntity,
  RepositoryEntity,
  TagEntity,
  UploadSessionEntity,
} from './entities/entities';

export interface ManifestRecord {
  digest: string;
  mediaType: string;
  size: number;
  artifactType: string | null;
  subjectDigest: string | null;
  configDigest: string | null;
  annotations: Record<string, string> | null;
  references: Array<{ kind: ManifestReferenceKind; digest: string; size: number; mediaType: string | null; platform: string | null }>;
}

/** The handle of a write transaction, for work other modules add to one (one commit). */
export type WriteTransaction = EntityManager;

export interface UploadedBlob {
  repositoryId: number;
  digest: string;
  size: number;
}

/** Records the blob unless the repository has it already (the unique index decides, in one statement). */
async function insertBlob(manager: EntityManager, blob: UploadedBlob): Promise<void> {
  await manager.createQueryBuilder().insert().into(RepositoryBlobEntity).values(blob).orIgnore().updateEntity(false).execute();
}

/**
 * Inside a write transaction: the blob of a finished upload is recorded (when `blob` is given;
 * null when the repository had it already) and the upload session is gone, in one commit with
 * whatever else the transaction stores (the upload queue's job row in asynchronous mode).
 */
export async function recordFinishedUpload(manager: EntityManager, sessionId: string, blob: UploadedBlob | null): Promise<void> {
  if (blob) await insertBlob(manager, blob);
  await manager.createQueryBuilder().delete().from(UploadSessionEntity).where('id = :id', { id: sessionId }).execute();
}

/**
 * Inside a write transaction: stores a manifest (idempotent by digest) and points `tag` at it when
 * given. `required` blobs and manifests are checked inside the write, so garbage collection (which
 * deletes in the same queue) can never remove one between the check and the insert. Returns the
 * first missing digest instead of storing, or null when stored.
 */
export async function recordManifest(
  manager: EntityManager,
  repositoryId: number,
  record: ManifestRecord,
  tag: string | undefined,
  required: { blobs: string[]; manifests: string[] },
): Promise<string | null> {
  const blobs = required.blobs.length
    ? new Set((await manager.find(RepositoryBlobEntity, { where: { repositoryId, digest: In(required.blobs) }, select: { digest: true } })).map((row) => row.digest))
    : new Set<string>();
  const missingBlob = required.blobs.find((digest) => !blobs.has(digest));
  if (missingBlob) return missingBlob;
  const manifests = required.manifests.length
    ? new Set((await manager.find(ManifestEntity, { where: { repositoryId, digest: In(required.manifests) }, select: { digest: true } })).map((row) => row.digest))
    : new Set<string>();
  const missingManifest = required.manifests.find((digest) => !manifests.has(digest));
  if (missingManifest) return missingManifest;
  // insert and update rather than save: save reads every row back, twice the statements.
  const stored = await manager.findOne(ManifestEntity, { where: { repositoryId, digest: record.digest }, select: { id: true } });
  if (!stored) {
    const inserted = await manager.insert(ManifestEntity, {
      repositoryId,
      digest: record.digest,
      mediaType: record.mediaType,
      size: record.size,
      artifactType: record.artifactType,
      subjectDigest: record.subjectDigest,
      configDigest: record.configDigest,
      annotations: record.annotations ? JSON.stringify(record.annotations) : null,
    });
    const manifestId = inserted.identifiers[0]['id'] as number;
    if (record.references.length > 0) {
      await manager.createQueryBuilder().insert().into(ManifestReferenceEntity).values(record.references.map((reference) => ({ ...reference, manifestId }))).updateEntity(false).execute();
    }
  }
  if (tag !== undefined) {
    const moved = await manager.update(TagEntity, { repositoryId, name: tag }, { digest: record.digest });
    if (!moved.affected) await manager.createQueryBuilder().insert().into(TagEntity).values({ repositoryId, name: tag, digest: record.digest }).updateEntity(false).execute();
  }
  return null;
}

/** SQLite's `synchronous` setting per connection (a setting of the connection, not of a store): unknown until a write sets it. */
const durableCommits = new WeakMap<DataSource, boolean>();

function isBusy(error: unknown): boolean {
  const code = (error as { driverError?: { code?: string }; code?: string })?.driverError?.code ?? (error as { code?: string })?.code;
  return code === 'SQLITE_BUSY';
}

/**
 * Runs a write transaction again when SQLite answers SQLITE_BUSY. The busy timeout covers waiting
 * for another process's lock, but not this: a transaction that read first and then writes after
 * another process (registry, admin API, CLI share the file) committed meanwhile fails at once,
 * since its snapshot is stale. It rolled back, so running it again is safe.
 */
async function retryWhenBusy<T>(run: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts || !isBusy(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt));
    }
  }
}

/**
 * The registry's metadata queries. Writes go through one queue: SQLite has a single writer,
 * and serialising here avoids "transaction within a transaction" on its one connection.
 */
export class MetadataStore {
  private writeQueue: Promise<unknown> = Promise.resolve();
  private readonly groupByName: PreparedLookup<GroupEntity>;
  private readonly repositoryByName: PreparedLookup<RepositoryEntity>;
  private readonly blobByDigest: PreparedLookup<RepositoryBlobEntity>;
  private readonly manifestByDigest: PreparedLookup<ManifestEntity>;
  private readonly tagByName: PreparedLookup<TagEntity>;
  private readonly uploadSessionById: PreparedLookup<UploadSessionEntity>;

  constructor(readonly dataSource: DataSource) {
    this.groupByName = new PreparedLookup(dataSource, GroupEntity, ['name']);
    this.repositoryByName = new PreparedLookup(dataSource, RepositoryEntity, ['name']);
    this.blobByDigest = new PreparedLookup(dataSource, RepositoryBlobEntity, ['repositoryId', 'digest']);
    this.manifestByDigest = new PreparedLookup(dataSource, ManifestEntity, ['repositoryId', 'digest']);
    this.tagByName = new PreparedLookup(dataSource, TagEntity, ['repositoryId', 'name']);
    this.uploadSessionById = new PreparedLookup(dataSource, UploadSessionEntity, ['id']);
  }

  private write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      await this.commitDurably(true);
      return retryWhenBusy(() => this.dataSource.transaction(work));
    });
  }

  /** One statement on the write queue, without BEGIN/COMMIT around it (it is atomic on its own). */
  private writeStatement<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      await this.commitDurably(true);
      return work(this.dataSource.manager);
    });
  }

  /**
   * A statement whose loss in a power cut loses nothing a client was told is stored: an upload
   * session's start and progress (the buffered bytes are not fsynced before 202 either; only a
   * blob PUT's 201 promises durability). It commits without waiting for the disk; the next
   * durable commit writes it out too, since the log is written in order.
   */
  private writeRelaxedStatement<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.dataSource.options.type === 'postgres') {
      return this.enqueue(() =>
        this.dataSource.transaction(async (manager) => {
          await manager.query('SET LOCAL synchronous_commit TO OFF');
          return work(manager);
        }),
      );
    }
    return this.enqueue(async () => {
      await this.commitDurably(false);
      return work(this.dataSource.manager);
    });
  }

  /**
   * SQLite (WAL): FULL syncs the log at every commit, NORMAL leaves that to the next FULL commit
   * or checkpoint; switched only when it changes. Runs on the write queue, SQLite's one connection.
   */
  private async commitDurably(durable: boolean): Promise<void> {
    if (this.dataSource.options.type !== 'sqlite' || durableCommits.get(this.dataSource) === durable) return;
    await this.dataSource.query(`PRAGMA synchronous = ${durable ? 'FULL' : 'NORMAL'}`);
    durableCommits.set(this.dataSource, durable);
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writeQueue.then(work);
    this.writeQueue = run.catch(() => undefined);
    return run;
  }

  /** A write transaction on the same queue, for the other stores sharing this database (SQLite has one writer). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.write(work);
  }

  /** A single-statement write on the same queue (no transaction needed around it). */
  statement<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.writeStatement(work);
  }

  // Groups and repositories

  findGroup(name: string): Promise<GroupEntity | null> {
    return this.groupByName.find(name);
  }

  listGroups(): Promise<GroupEntity[]> {
    return this.dataSource.getRepository(GroupEntity).find({ order: { name: 'ASC' } });
  }

  /** Creates the group if missing; returns it either way. */
  ensureGroup(name: string): Promise<GroupEntity> {
    return this.write(async (manager) => {
      const existing = await manager.findOneBy(GroupEntity, { name });
      return existing ?? manager.save(manager.create(GroupEntity, { name, isPublic: false }));
    });
  }

  findRepository(name: string): Promise<RepositoryEntity | null> {
    return this.repositoryByName.find(name);
  }

  ensureRepository(name: string, groupId: number): Promise<RepositoryEntity> {
    return this.write(async (manager) => {
      const existing = await manager.findOneBy(RepositoryEntity, { name });
      return existing ?? manager.save(manager.create(RepositoryEntity, { name, groupId }));
    });
  }

  /** Repository names in lexical order after `last`, at most `limit` (+1 to detect a next page). */
  listRepositoryNames(last: string | undefined, limit: number): Promise<string[]> {
    return this.dataSource
      .getRepository(RepositoryEntity)
      .find({ where: last ? { name: MoreThan(last) } : {}, order: { name: 'ASC' }, take: limit, select: { name: true } })
      .then((rows) => rows.map((row) => row.name));
  }

  deleteRepository(id: number): Promise<void> {
    return this.write(async (manager) => {
      await manager.delete(RepositoryEntity, { id });
    });
  }

  // Blobs

  findBlob(repositoryId: number, digest: string): Promise<RepositoryBlobEntity | null> {
    return this.blobByDigest.find(repositoryId, digest);
  }

  /** Which of these digests the repository holds. */
  async presentBlobs(repositoryId: number, digests: string[]): Promise<Set<string>> {
    if (digests.length === 0) return new Set();
    const rows = await this.dataSource
      .getRepository(RepositoryBlobEntity)
      .find({ where: { repositoryId, digest: In(digests) }, select: { digest: true } });
    return new Set(rows.map((row) => row.digest));
  }

  recordBlob(repositoryId: number, digest: string, size: number): Promise<void> {
    return this.write((manager) => insertBlob(manager, { repositoryId, digest, size }));
  }

  /** The end of a blob upload in one transaction (one commit): see `recordFinishedUpload`. */
  finishUpload(sessionId: string, blob: UploadedBlob | null): Promise<void> {
    return this.write((manager) => recordFinishedUpload(manager, sessionId, blob));
  }


  deleteBlob(repositoryId: number, digest: string): Promise<boolean> {
    return this.write(async (manager) => {
      const result = await manager.delete(RepositoryBlobEntity, { repositoryId, digest });
      return (result.affected ?? 0) > 0;
    });
  }

  // Manifests and tags

  findManifest(repositoryId: number, digest: string): Promise<ManifestEntity | null> {
    return this.manifestByDigest.find(repositoryId, digest);
  }

  /** Which of these manifest digests the repository holds. */
  async presentManifests(repositoryId: number, digests: string[]): Promise<Set<string>> {
    if (digests.length === 0) return new Set();
    const rows = await this.dataSource
      .getRepository(ManifestEntity)
      .find({ where: { repositoryId, digest: In(digests) }, select: { digest: true } });
    return new Set(rows.map((row) => row.digest));
  }

  findTag(repositoryId: number, name: string): Promise<TagEntity | null> {
    return this.tagByName.find(repositoryId, name);
  }

  /**
   * Stores a manifest (idempotent by digest) and points `tag` at it when given, in one
   * transaction: see `recordManifest`. Returns the first missing digest instead of storing, or
   * null when stored.
   */
  putManifest(
    repositoryId: number,
    record: ManifestRecord,
    tag?: string,
    required: { blobs: string[]; manifests: string[] } = { blobs: [], manifests: [] },
  ): Promise<string | null> {
    return this.write((manager) => recordManifest(manager, repositoryId, record, tag, required));
  }

  /** Tag names in lexical order after `last`, at most `limit`. */
  async listTags(repositoryId: number, last: string | undefined, limit: number): Promise<string[]> {
    const rows = await this.dataSource.getRepository(TagEntity).find({
      where: last !== undefined ? { repositoryId, name: MoreThan(last) } : { repositoryId },
      order: { name: 'ASC' },
      take: limit,
      select: { name: true },
    });
    return rows.map((row) => row.name);
  }

  tagsOf(repositoryId: number, digest: string): Promise<TagEntity[]> {
    return this.dataSource.getRepository(TagEntity).find({ where: { repositoryId, digest }, order: { name: 'ASC' } });
  }

  /** Deletes a manifest and every tag pointing at it; returns the removed tag names, or null when absent. */
  deleteManifest(repositoryId: number, digest: string): Promise<string[] | null> {
    return this.write(async (manager) => {
      const manifest = await manager.findOneBy(ManifestEntity, { repositoryId, digest });
      if (!manifest) return null;
      const tags = await manager.find(TagEntity, { where: { repositoryId, digest } });
      await manager.delete(TagEntity, { repositoryId, digest });
      await manager.delete(ManifestReferenceEntity, { manifestId: manifest.id });
      await manager.delete(ManifestEntity, { id: manifest.id });
      return tags.map((tag) => tag.name);
    });
  }

  deleteTag(repositoryId: number, name: string): Promise<boolean> {
    return this.write(async (manager) => {
      const result = await manager.delete(TagEntity, { repositoryId, name });
      return (result.affected ?? 0) > 0;
    });
  }

  /**
   * Manifests whose `subject` is `digest`, optionally with one artifactType. Their `artifactType`
   * is the one the referrers API lists (OCI 1.1): the manifest's own, else its config's media type
   * (an image pushed with a subject is listed as `application/vnd.oci.image.config.v1+json`).
   */
  async referrers(repositoryId: number, digest: string, artifactType?: string): Promise<ManifestEntity[]> {
    const manifests = await this.dataSource.getRepository(ManifestEntity).find({
      where: { repositoryId, subjectDigest: digest },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    const untyped = manifests.filter((manifest) => manifest.artifactType === null && manifest.configDigest !== null).map((manifest) => manifest.id);
    const configs = untyped.length
      ? await this.dataSource.getRepository(ManifestReferenceEntity).find({ where: { manifestId: In(untyped), kind: 'config' }, select: { manifestId: true, mediaType: true } })
      : [];
    const configType = new Map(configs.map((reference) => [reference.manifestId, reference.mediaType]));
    const listed = manifests.map((manifest) => Object.assign(manifest, { artifactType: manifest.artifactType ?? configType.get(manifest.id) ?? null }));
    return artifactType ? listed.filter((manifest) => manifest.artifactType === artifactType) : listed;
  }

  // Garbage collection

  listRepositories(groupName?: string): Promise<RepositoryEntity[]> {
    return this.dataSource.getRepository(RepositoryEntity).find({
      where: groupName ? { group: { name: groupName } } : {},
      relations: { group: true },
      order: { name: 'ASC' },
    });
  }

  manifestsOf(repositoryId: number): Promise<ManifestEntity[]> {
    return this.dataSource.getRepository(ManifestEntity).find({ where: { repositoryId } });
  }

  referencesOf(manifestIds: number[]): Promise<ManifestReferenceEntity[]> {
    if (manifestIds.length === 0) return Promise.resolve([]);
    return this.dataSource.getRepository(ManifestReferenceEntity).find({ where: { manifestId: In(manifestIds) } });
  }

  tagsOfRepository(repositoryId: number): Promise<TagEntity[]> {
    return this.dataSource.getRepository(TagEntity).find({ where: { repositoryId } });
  }

  blobsOf(repositoryId: number): Promise<RepositoryBlobEntity[]> {
    return this.dataSource.getRepository(RepositoryBlobEntity).find({ where: { repositoryId } });
  }

  /**
   * Removes a blob record unless a manifest of the repository references it, checked inside the
   * write so a concurrent manifest PUT either sees the blob gone or keeps it referenced.
   */
  deleteBlobIfUnreferenced(repositoryId: number, digest: string): Promise<boolean> {
    return this.write(async (manager) => {
      const referenced = await manager
        .getRepository(ManifestReferenceEntity)
        .createQueryBuilder('reference')
        .innerJoin(ManifestEntity, 'manifest', 'manifest.id = reference.manifestId')
        .where('manifest.repositoryId = :repositoryId AND reference.digest = :digest', { repositoryId, digest })
        .andWhere("reference.kind IN ('config', 'layer')")
        .getCount();
      if (referenced > 0) return false;
      const result = await manager.delete(RepositoryBlobEntity, { repositoryId, digest });
      return (result.affected ?? 0) > 0;
    });
  }

  /** Deletes an untagged manifest unless a tag was pointed at it meanwhile. */
  deleteManifestIfUntagged(repositoryId: number, digest: string): Promise<boolean> {
    return this.write(async (manager) => {
      if ((await manager.count(TagEntity, { where: { repositoryId, digest } })) > 0) return false;
      const manifest = await manager.findOneBy(ManifestEntity, { repositoryId, digest });
      if (!manifest) return false;
      await manager.delete(ManifestReferenceEntity, { manifestId: manifest.id });
      await manager.delete(ManifestEntity, { id: manifest.id });
      return true;
    });
  }

  uploadSessionsStartedBefore(cutoff: Date): Promise<UploadSessionEntity[]> {
    return this.dataSource.getRepository(UploadSessionEntity).find({ where: { updatedAt: LessThan(cutoff) } });
  }

  // Upload sessions

  async createUploadSession(id: string, repositoryName: string): Promise<void> {
    await this.writeRelaxedStatement((manager) =>
      manager.createQueryBuilder().insert().into(UploadSessionEntity).values({ id, repositoryName, offset: 0 }).updateEntity(false).execute(),
    );
  }

  findUploadSession(id: string): Promise<UploadSessionEntity | null> {
    return this.uploadSessionById.find(id);
  }

  async setUploadOffset(id: string, offset: number): Promise<void> {
    await this.writeRelaxedStatement((manager) => manager.update(UploadSessionEntity, { id }, { offset }));
  }

  /** Uploads in progress: how many, bytes buffered so far, and when the oldest started. */
  async uploadQueueState(): Promise<{ sessions: number; bytes: number; oldestStartedAt: Date | null }> {
    const row = await this.dataSource
      .getRepository(UploadSessionEntity)
      .createQueryBuilder('upload')
      .select('COUNT(*)', 'sessions')
      .addSelect('COALESCE(SUM(upload.offset), 0)', 'bytes')
      .addSelect('MIN(upload.createdAt)', 'oldest')
      .getRawOne<{ sessions: string | number; bytes: string | number; oldest: string | Date | null }>();
    return {
      sessions: Number(row?.sessions ?? 0),
      bytes: Number(row?.bytes ?? 0),
      oldestStartedAt: row?.oldest ? new Date(row.oldest) : null,
    };
  }

  async deleteUploadSession(id: string): Promise<void> {
    await this.writeStatement((manager) => manager.delete(UploadSessionEntity, { id }));
  }
}
