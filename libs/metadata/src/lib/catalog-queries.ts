import { In } from 'typeorm';
import {
  GroupEntity,
  ManifestEntity,
  ManifestReferenceEntity,
  RepositoryEntity,
  TagEntity,
  UploadSessionEntity,
} from './entities/entities';
import { MetadataStore } from './metadata-store';

/** SQLite hands raw timestamps back as `YYYY-MM-DD HH:MM:SS` in UTC; PostgreSQL as Dates. */
export function timestampOf(value: string | Date | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  const iso = value.includes('T') ? value : value.replace(' ', 'T');
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
}

export interface GroupSummary {
  id: number;
  name: string;
  createdAt: Date;
  repositoryCount: number;
  tagCount: number;
  /** Bytes of the distinct blobs of the group's repositories. */
  size: number;
  /** Anonymous pull allowed. */
  isPublic: boolean;
}

export interface RepositorySummary {
  id: number;
  name: string;
  group: string;
  createdAt: Date;
  tagCount: number;
  /** Bytes of the blobs stored for this repository. */
  size: number;
  lastPushedAt: Date | null;
  /** The last push, or the creation when nothing was pushed yet. */
  updatedAt: Date;
}

export type RepositorySort = 'name' | 'size' | 'tags' | 'updated';

export interface RepositoryQuery {
  group?: string;
  /** Substring of the repository name, case-insensitive. */
  search?: string;
  sort: RepositorySort;
  order: 'asc' | 'desc';
  /** 1-based. */
  page: number;
  pageSize: number;
}

export interface TagRecord {
  name: string;
  digest: string;
  pushedAt: Date;
  manifest: ManifestEntity | null;
}

export interface CatalogTotals {
  groups: number;
  repositories: number;
  tags: number;
  manifests: number;
  /** Bytes of distinct blobs across the registry (a layer shared by repositories counts once). */
  uniqueBlobBytes: number;
  /** Bytes of blobs summed per repository (what a store without deduplication holds). */
  repositoryBlobBytes: number;
}

export interface RecentPush {
  repository: string;
  tag: string;
  digest: string;
  /** Compressed bytes: config + layers, summed over the platforms of an index. */
  size: number;
  pushedAt: Date;
}

// Compressed size of the manifest a tag `t` of repository `r` points to: its own config and layers
// plus, for an index, those of its stored children.
const TAGGED_IMAGE_SIZE =
  '(SELECT COALESCE(SUM("ref"."size"), 0) FROM "manifest_references" "ref" JOIN "manifests" "m" ON "m"."id" = "ref"."manifestId" ' +
  'WHERE "m"."repositoryId" = "r"."id" AND "m"."digest" = "t"."digest" AND "ref"."kind" IN (\'config\', \'layer\'))' +
  ' + (SELECT COALESCE(SUM("cr"."size"), 0) FROM "manifest_references" "ir" JOIN "manifests" "m" ON "m"."id" = "ir"."manifestId" ' +
  'JOIN "manifests" "c" ON "c"."repositoryId" = "m"."repositoryId" AND "c"."digest" = "ir"."digest" ' +
  'JOIN "manifest_references" "cr" ON "cr"."manifestId" = "c"."id" ' +
  'WHERE "m"."repositoryId" = "r"."id" AND "m"."digest" = "t"."digest" AND "ir"."kind" = \'manifest\' AND "cr"."kind" IN (\'config\', \'layer\'))';

const SORT_COLUMNS: Record<RepositorySort, string> = {
  name: 'r.name',
  size: 'size_bytes',
  tags: 'tag_count',
  updated: 'updated_at',
};

/** Escapes LIKE wildcards so a search for `a_b` matches the underscore literally. */
function likePattern(search: string): string {
  return `%${search.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

type RawRepositoryRow = {
  id: number | string;
  name: string;
  group_name: string;
  created_at: string | Date;
  tag_count: number | string;
  size_bytes: number | string | null;
  last_pushed_at: string | Date | null;
  updated_at: string | Date;
};

/**
 * Read-only aggregate queries for the admin API: summaries with counts and sizes, paging and
 * sorting. Identifiers are double-quoted and aliases snake_case so the SQL runs on SQLite and PostgreSQL.
 */
export class CatalogQueries {
  constructor(private readonly metadata: MetadataStore) {}

  private get dataSource() {
    return this.metadata.dataSource;
  }

  async groupSummaries(name?: string): Promise<GroupSummary[]> {
    const query = this.dataSource
      .getRepository(GroupEntity)
      .createQueryBuilder('g')
      .select('g.id', 'id')
      .addSelect('g.name', 'name')
      .addSelect('g.createdAt', 'created_at')
      .addSelect('g.isPublic', 'is_public')
      .addSelect('(SELECT COUNT(*) FROM "repositories" "r" WHERE "r"."groupId" = "g"."id")', 'repository_count')
      .addSelect('(SELECT COUNT(*) FROM "tags" "t" JOIN "repositories" "r" ON "r"."id" = "t"."repositoryId" WHERE "r"."groupId" = "g"."id")', 'tag_count')
      .orderBy('g.name', 'ASC');
    if (name !== undefined) query.where('g.name = :name', { name });
    const rows = await query.getRawMany<{ id: number; name: string; created_at: string | Date; is_public: boolean | number; repository_count: string | number; tag_count: string | number }>();
    const sizes = await this.groupSizes();
    return rows.map((row) => ({
      id: Number(row.id),
      name: row.name,
      createdAt: timestampOf(row.created_at) as Date,
      repositoryCount: Number(row.repository_count),
      tagCount: Number(row.tag_count),
      size: sizes.get(Number(row.id)) ?? 0,
      isPublic: Boolean(row.is_public),
    }));
  }

  /** Deduplicated blob bytes per group id. */
  private async groupSizes(): Promise<Map<number, number>> {
    const rows: Array<{ group_id: number | string; size_bytes: number | string }> = await this.dataSource.query(
      'SELECT "d"."groupId" AS "group_id", SUM("d"."size") AS "size_bytes" FROM (' +
        'SELECT "r"."groupId" AS "groupId", "b"."digest" AS "digest", MAX("b"."size") AS "size" ' +
        'FROM "repository_blobs" "b" JOIN "repositories" "r" ON "r"."id" = "b"."repositoryId" GROUP BY "r"."groupId", "b"."digest"' +
        ') "d" GROUP BY "d"."groupId"',
    );
    return new Map(rows.map((row) => [Number(row.group_id), Number(row.size_bytes)]));
  }

  private repositoryQuery() {
    return this.dataSource
      .getRepository(RepositoryEntity)
      .createQueryBuilder('r')
      .innerJoin(GroupEntity, 'g', 'g.id = r.groupId');
  }

  async repositoryPage(query: RepositoryQuery): Promise<{ items: RepositorySummary[]; total: number }> {
    const filtered = this.repositoryQuery();
    if (query.group !== undefined) filtered.andWhere('g.name = :group', { group: query.group });
    if (query.search) filtered.andWhere("LOWER(r.name) LIKE :pattern ESCAPE '\\'", { pattern: likePattern(query.search) });
    const total = await filtered.clone().getCount();
    const direction = query.order === 'desc' ? 'DESC' : 'ASC';
    const rows = await this.withSummaryColumns(filtered)
      .orderBy(SORT_COLUMNS[query.sort], direction)
      .addOrderBy('r.name', 'ASC')
      .offset((query.page - 1) * query.pageSize)
      .limit(query.pageSize)
      .getRawMany<RawRepositoryRow>();
    return { items: rows.map(toRepositorySummary), total };
  }

  async repositorySummary(name: string): Promise<RepositorySummary | null> {
    const row = await this.withSummaryColumns(this.repositoryQuery().where('r.name = :name', { name })).getRawOne<RawRepositoryRow>();
    return row ? toRepositorySummary(row) : null;
  }

  private withSummaryColumns(query: ReturnType<CatalogQueries['repositoryQuery']>) {
    return query
      .select('r.id', 'id')
      .addSelect('r.name', 'name')
      .addSelect('g.name', 'group_name')
      .addSelect('r.createdAt', 'created_at')
      .addSelect('(SELECT COUNT(*) FROM "tags" "t" WHERE "t"."repositoryId" = "r"."id")', 'tag_count')
      .addSelect('(SELECT COALESCE(SUM("b"."size"), 0) FROM "repository_blobs" "b" WHERE "b"."repositoryId" = "r"."id")', 'size_bytes')
      .addSelect('(SELECT MAX("t"."updatedAt") FROM "tags" "t" WHERE "t"."repositoryId" = "r"."id")', 'last_pushed_at')
      .addSelect('COALESCE((SELECT MAX("t"."updatedAt") FROM "tags" "t" WHERE "t"."repositoryId" = "r"."id"), "r"."createdAt")', 'updated_at');
  }

  /** The repositories of a group, for a forced group delete. */
  repositoriesOfGroup(groupId: number): Promise<RepositoryEntity[]> {
    return this.dataSource.getRepository(RepositoryEntity).find({ where: { groupId }, order: { name: 'ASC' } });
  }

  /** Every tag of a repository with the manifest it points to. */
  async tags(repositoryId: number): Promise<TagRecord[]> {
    const tags = await this.dataSource.getRepository(TagEntity).find({ where: { repositoryId }, order: { name: 'ASC' } });
    const manifests = await this.manifests(repositoryId, [...new Set(tags.map((tag) => tag.digest))]);
    return tags.map((tag) => ({ name: tag.name, digest: tag.digest, pushedAt: tag.updatedAt, manifest: manifests.get(tag.digest) ?? null }));
  }

  async manifests(repositoryId: number, digests: string[]): Promise<Map<string, ManifestEntity>> {
    if (digests.length === 0) return new Map();
    const rows = await this.dataSource.getRepository(ManifestEntity).find({ where: { repositoryId, digest: In(digests) } });
    return new Map(rows.map((row) => [row.digest, row]));
  }

  /** What the given manifests point to, grouped by manifest id. */
  async references(manifestIds: number[]): Promise<Map<number, ManifestReferenceEntity[]>> {
    const grouped = new Map<number, ManifestReferenceEntity[]>();
    if (manifestIds.length === 0) return grouped;
    const rows = await this.dataSource
      .getRepository(ManifestReferenceEntity)
      .find({ where: { manifestId: In(manifestIds) }, order: { id: 'ASC' } });
    for (const row of rows) grouped.set(row.manifestId, [...(grouped.get(row.manifestId) ?? []), row]);
    return grouped;
  }

  /** Whether an index of the repository lists `digest` as a child (then the manifest must stay). */
  async isIndexChild(repositoryId: number, digest: string): Promise<boolean> {
    const count = await this.dataSource
      .getRepository(ManifestReferenceEntity)
      .createQueryBuilder('ref')
      .innerJoin(ManifestEntity, 'm', 'm.id = ref.manifestId')
      .where('m.repositoryId = :repositoryId AND ref.kind = :kind AND ref.digest = :digest', { repositoryId, kind: 'manifest', digest })
      .getCount();
    return count > 0;
  }

  tagsPointingAt(repositoryId: number, digest: string): Promise<TagEntity[]> {
    return this.dataSource.getRepository(TagEntity).find({ where: { repositoryId, digest }, order: { name: 'ASC' } });
  }

  async totals(): Promise<CatalogTotals> {
    const [groups, repositories, tags, manifests] = await Promise.all([
      this.dataSource.getRepository(GroupEntity).count(),
      this.dataSource.getRepository(RepositoryEntity).count(),
      this.dataSource.getRepository(TagEntity).count(),
      this.dataSource.getRepository(ManifestEntity).count(),
    ]);
    const [unique]: Array<{ size_bytes: number | string | null }> = await this.dataSource.query(
      'SELECT COALESCE(SUM("d"."size"), 0) AS "size_bytes" FROM (SELECT MAX("size") AS "size" FROM "repository_blobs" GROUP BY "digest") "d"',
    );
    const [perRepository]: Array<{ size_bytes: number | string | null }> = await this.dataSource.query(
      'SELECT COALESCE(SUM("size"), 0) AS "size_bytes" FROM "repository_blobs"',
    );
    return {
      groups,
      repositories,
      tags,
      manifests,
      uniqueBlobBytes: Number(unique?.size_bytes ?? 0),
      repositoryBlobBytes: Number(perRepository?.size_bytes ?? 0),
    };
  }

  async recentPushes(limit: number): Promise<RecentPush[]> {
    const rows = await this.dataSource
      .getRepository(TagEntity)
      .createQueryBuilder('t')
      .innerJoin(RepositoryEntity, 'r', 'r.id = t.repositoryId')
      .select('r.name', 'repository')
      .addSelect('t.name', 'tag')
      .addSelect('t.digest', 'digest')
      .addSelect('t.updatedAt', 'pushed_at')
      .addSelect(TAGGED_IMAGE_SIZE, 'size_bytes')
      .orderBy('t.updatedAt', 'DESC')
      .addOrderBy('t.id', 'DESC')
      .limit(limit)
      .getRawMany<{ repository: string; tag: string; digest: string; pushed_at: string | Date; size_bytes: string | number }>();
    return rows.map((row) => ({
      repository: row.repository,
      tag: row.tag,
      digest: row.digest,
      size: Number(row.size_bytes),
      pushedAt: timestampOf(row.pushed_at) as Date,
    }));
  }

  uploadSessions(): Promise<UploadSessionEntity[]> {
    return this.dataSource.getRepository(UploadSessionEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  findUploadSession(id: string): Promise<UploadSessionEntity | null> {
    return this.dataSource.getRepository(UploadSessionEntity).findOneBy({ id });
  }
}

function toRepositorySummary(row: RawRepositoryRow): RepositorySummary {
  return {
    id: Number(row.id),
    name: row.name,
    group: row.group_name,
    createdAt: timestampOf(row.created_at) as Date,
    tagCount: Number(row.tag_count),
    size: Number(row.size_bytes ?? 0),
    lastPushedAt: timestampOf(row.last_pushed_at),
    updatedAt: timestampOf(row.updated_at) as Date,
  };
}
