import { Brackets } from 'typeorm';
import { AuditActorType, AuditEntryEntity } from './entities/access-entities';
import { MetadataStore } from './metadata-store';

/** One event to audit; `at` defaults to now. */
export interface AuditRecord {
  action: string;
  actorType: AuditActorType;
  actor?: string | null;
  clientAddress?: string | null;
  repository?: string | null;
  tag?: string | null;
  digest?: string | null;
  detail?: Record<string, unknown> | null;
  at?: Date;
}

export interface AuditQuery {
  /** Exact actor name. */
  actor?: string;
  /** Exact action, or a prefix ending in `*` (`login.*`). */
  action?: string;
  /** Exact repository name, or a prefix ending in `*` (`myteam/*`). */
  repository?: string;
  /** Inclusive bounds on the event time. */
  from?: Date;
  to?: Date;
  offset?: number;
  limit?: number;
}

export interface AuditStoreOptions {
  /** How long a recorded entry may wait before its batch is written. */
  flushDelayMs?: number;
  /** A batch this large is written at once. */
  maxBatch?: number;
  /** Called when a batch cannot be written (the entries are lost; the request that caused them is not failed). */
  onError?: (error: unknown, lost: number) => void;
}

type Row = Omit<AuditEntryEntity, 'id'>;

const ROWS_PER_INSERT = 50;

function clip(value: string | null | undefined, length: number): string | null {
  if (value === undefined || value === null) return null;
  return value.length > length ? value.slice(0, length) : value;
}

function likePrefix(value: string): string | null {
  if (!value.endsWith('*')) return null;
  return value.slice(0, -1).replace(/[\\%_]/g, (character) => `\\${character}`) + '%';
}

/**
 * The audit log. Entries are buffered and written in batches (one transaction per batch, on
 * MetadataStore's write queue) so auditing a pull never waits for a disk sync; a crash can lose
 * the last `flushDelayMs` of entries. `flush()` writes what is pending (shutdown, before a query).
 */
export class AuditStore {
  private buffer: Row[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly flushDelayMs: number;
  private readonly maxBatch: number;

  constructor(
    private readonly metadata: MetadataStore,
    private readonly options: AuditStoreOptions = {},
  ) {
    this.flushDelayMs = options.flushDelayMs ?? 250;
    this.maxBatch = options.maxBatch ?? 500;
  }

  record(entry: AuditRecord): void {
    this.buffer.push({
      createdAt: entry.at ?? new Date(),
      action: clip(entry.action, 50) as string,
      actorType: entry.actorType,
      actor: clip(entry.actor, 100),
      clientAddress: clip(entry.clientAddress, 64),
      repository: clip(entry.repository, 255),
      tag: clip(entry.tag, 128),
      digest: clip(entry.digest, 150),
      detail: entry.detail ? JSON.stringify(entry.detail) : null,
    });
    if (this.buffer.length >= this.maxBatch) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushDelayMs);
      this.timer.unref();
    }
  }

  /** Writes every entry recorded so far; resolves when they are stored (or reported lost). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length > 0) {
      this.writing = this.writing.then(() =>
        this.metadata
          .transaction(async (manager) => {
            for (let start = 0; start < batch.length; start += ROWS_PER_INSERT) {
              await manager.insert(AuditEntryEntity, batch.slice(start, start + ROWS_PER_INSERT));
            }
          })
          .catch((error) => this.options.onError?.(error, batch.length)),
      );
    }
    return this.writing;
  }

  /** Matching entries, newest first, with the total count for pagination. Pending entries are written first. */
  async query(query: AuditQuery = {}): Promise<{ items: AuditEntryEntity[]; total: number }> {
    await this.flush();
    const builder = this.metadata.dataSource.getRepository(AuditEntryEntity).createQueryBuilder('a');
    const filter = (column: 'actor' | 'action' | 'repository', value: string | undefined) => {
      if (value === undefined || value === '') return;
      const prefix = likePrefix(value);
      if (prefix === null) builder.andWhere(`a.${column} = :${column}`, { [column]: value });
      else builder.andWhere(`a.${column} LIKE :${column} ESCAPE '\\'`, { [column]: prefix });
    };
    filter('actor', query.actor);
    filter('action', query.action);
    filter('repository', query.repository);
    if (query.from || query.to) {
      builder.andWhere(
        new Brackets((where) => {
          if (query.from) where.andWhere('a.createdAt >= :from', { from: this.timeParameter(query.from) });
          if (query.to) where.andWhere('a.createdAt <= :to', { to: this.timeParameter(query.to) });
        }),
      );
    }
    const [items, total] = await builder
      .orderBy('a.createdAt', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .skip(query.offset ?? 0)
      .take(query.limit ?? 50)
      .getManyAndCount();
    return { items, total };
  }

  /** Deletes entries older than `before`; returns how many went. */
  purgeBefore(before: Date): Promise<number> {
    return this.metadata.transaction(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .delete()
        .from(AuditEntryEntity)
        .where('createdAt < :before', { before: this.timeParameter(before) })
        .execute();
      return result.affected ?? 0;
    });
  }

  /** Flushes and stops the timer. */
  async close(): Promise<void> {
    await this.flush();
  }

  /** SQLite stores TypeORM dates as UTC `YYYY-MM-DD HH:MM:SS.SSS` text: compare with the same form. */
  private timeParameter(date: Date): Date | string {
    return this.metadata.dataSource.options.type === 'sqlite' ? date.toISOString().replace('T', ' ').replace('Z', '') : date;
  }
}
