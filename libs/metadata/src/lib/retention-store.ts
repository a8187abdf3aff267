import { LessThan } from 'typeorm';
import { ManifestEntity, ManifestReferenceEntity, RetentionPolicyEntity, TagEntity } from './entities/entities';
import { MetadataStore } from './metadata-store';

/** A retention policy as the rest of the code sees it (patterns parsed). */
export interface RetentionPolicy {
  /** `team` (every repository of the group) or `team/app` (one repository; wins over its group's). */
  target: string;
  /** Keep the N most recently pushed tags. */
  keepLast: number | null;
  /** Keep tags pushed within this many days. */
  keepDays: number | null;
  /** Tag globs never deleted (`*` any run of characters, `?` one character). */
  protectedTags: string[];
  createdAt: Date;
  updatedAt: Date;
}

export type RetentionPolicyInput = Pick<RetentionPolicy, 'target' | 'keepLast' | 'keepDays' | 'protectedTags'>;

function toPolicy(row: RetentionPolicyEntity): RetentionPolicy {
  let protectedTags: string[] = [];
  try {
    const parsed: unknown = JSON.parse(row.protectedTags);
    if (Array.isArray(parsed)) protectedTags = parsed.filter((entry): entry is string => typeof entry === 'string');
  } catch {
    // A hand-edited row with bad JSON protects nothing rather than breaking every GC run.
  }
  return { target: row.target, keepLast: row.keepLast, keepDays: row.keepDays, protectedTags, createdAt: row.createdAt, updatedAt: row.updatedAt };
}

/**
 * Retention policies and the conditional deletes a retention run needs. Writes share
 * MetadataStore's queue, so they are serialised with pushes (manifest PUTs) of this process,
 * and re-check their condition inside the transaction like the garbage collector's deletes.
 */
export class RetentionStore {
  constructor(private readonly metadata: MetadataStore) {}

  private get policies() {
    return this.metadata.dataSource.getRepository(RetentionPolicyEntity);
  }

  async list(): Promise<RetentionPolicy[]> {
    return (await this.policies.find({ order: { target: 'ASC' } })).map(toPolicy);
  }

  async find(target: string): Promise<RetentionPolicy | null> {
    const row = await this.policies.findOneBy({ target });
    return row ? toPolicy(row) : null;
  }

  /** Creates or replaces the policy of `target`. */
  upsert(input: RetentionPolicyInput): Promise<RetentionPolicy> {
    return this.metadata.transaction(async (manager) => {
      const values = { keepLast: input.keepLast, keepDays: input.keepDays, protectedTags: JSON.stringify(input.protectedTags) };
      const existing = await manager.findOneBy(RetentionPolicyEntity, { target: input.target });
      const saved = existing
        ? await manager.save(Object.assign(existing, values))
        : await manager.save(manager.create(RetentionPolicyEntity, { target: input.target, ...values }));
      return toPolicy(saved);
    });
  }

  /** False when there was no such policy. */
  remove(target: string): Promise<boolean> {
    return this.metadata.transaction(async (manager) => {
      const result = await manager.delete(RetentionPolicyEntity, { target });
      return (result.affected ?? 0) > 0;
    });
  }

  /** The repository's tags, most recently pushed (or moved) first. */
  tagsNewestFirst(repositoryId: number): Promise<TagEntity[]> {
    return this.metadata.dataSource.getRepository(TagEntity).find({ where: { repositoryId }, order: { updatedAt: 'DESC', name: 'ASC' } });
  }

  /**
   * Deletes the tag only if it still points at `digest` and was not pushed since `notAfter`:
   * a push that moved or re-created it meanwhile wins over the retention run.
   */
  deleteTagIfUnchanged(repositoryId: number, name: string, digest: string, notAfter: Date): Promise<boolean> {
    return this.metadata.transaction(async (manager) => {
      const result = await manager.delete(TagEntity, { repositoryId, name, digest, updatedAt: LessThan(notAfter) });
      return (result.affected ?? 0) > 0;
    });
  }

  /**
   * Deletes a manifest that no tag points at and no index of the repository lists, checked inside
   * the write: a concurrent tag push or index PUT either sees it gone (and is refused) or keeps it.
   */
  deleteManifestIfUnreferenced(repositoryId: number, digest: string): Promise<boolean> {
    return this.metadata.transaction(async (manager) => {
      if ((await manager.count(TagEntity, { where: { repositoryId, digest } })) > 0) return false;
      const listedByIndex = await manager
        .getRepository(ManifestReferenceEntity)
        .createQueryBuilder('reference')
        .innerJoin(ManifestEntity, 'parent', 'parent.id = reference.manifestId')
        .where('parent.repositoryId = :repositoryId AND reference.digest = :digest', { repositoryId, digest })
        .andWhere("reference.kind = 'manifest'")
        .getCount();
      if (listedByIndex > 0) return false;
      const manifest = await manager.findOneBy(ManifestEntity, { repositoryId, digest });
      if (!manifest) return false;
      await manager.delete(ManifestReferenceEntity, { manifestId: manifest.id });
      await manager.delete(ManifestEntity, { id: manifest.id });
      return true;
    });
  }
}
