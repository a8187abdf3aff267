import * as pg from 'pg';
import * as sqlite3 from 'sqlite3';
import { DataSource } from 'typeorm';
import { ACCESS_ENTITIES } from './entities/access-entities';
import { ENTITIES } from './entities/entities';
import { UploadJobEntity } from './entities/upload-job.entity';
import { UploadJobs1764576000000 } from './migrations/1764576000000-upload-jobs';
import { InitialSchema1764057600000 } from './migrations/1764057600000-initial-schema';
import { Users1764144000000 } from './migrations/1764144000000-users';
import { RetentionPolicies1764403200000 } from './migrations/1764403200000-retention-policies';
import { AccessControl1764489600000 } from './migrations/1764489600000-access-control';
import { ByteOrderNames1764662400000 } from './migrations/1764662400000-byte-order-names';

export const MIGRATIONS = [InitialSchema1764057600000, Users1764144000000, RetentionPolicies1764403200000, AccessControl1764489600000, UploadJobs1764576000000, ByteOrderNames1764662400000];

const ALL_ENTITIES = [...ENTITIES, ...ACCESS_ENTITIES, UploadJobEntity];

export type DatabaseSettings = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string };

/** SQLite by default (WAL, foreign keys, busy timeout); PostgreSQL when DATABASE_URL says so. */
export function databaseSettingsFor(sqlitePath: string, databaseUrl?: string): DatabaseSettings {
  if (databaseUrl?.startsWith('postgres')) return { type: 'postgres', url: databaseUrl };
  if (databaseUrl?.startsWith('sqlite:')) return { type: 'sqlite', path: databaseUrl.slice('sqlite:'.length) };
  return { type: 'sqlite', path: sqlitePath };
}

/**
 * sqlite3 as TypeORM's driver, minus the `verbose()` TypeORM calls on it: verbose mode wraps
 * every query to capture a stack trace and util.inspect its arguments, a measurable share of
 * the CPU of a small push. Query errors still carry SQLite's message.
 */
const sqliteDriver = { ...sqlite3, verbose: () => sqlite3 };

// pg is passed explicitly (TypeORM would require() it by name): the bundles' generated
// package.json then lists it, so a deployed app can use DATABASE_URL=postgres://…

/** Any fixed number: the PostgreSQL advisory lock that lets one process at a time migrate. */
const MIGRATION_LOCK = 7_266_283_001;

/** Opens the metadata database and applies pending migrations; never `synchronize`. */
export async function openMetadataDatabase(settings: DatabaseSettings): Promise<DataSource> {
  const common = { entities: ALL_ENTITIES, migrations: MIGRATIONS, synchronize: false, logging: false } as const;
  if (settings.type === 'sqlite') {
    const dataSource = new DataSource({ ...common, migrationsRun: true, type: 'sqlite', driver: sqliteDriver, database: settings.path, enableWAL: true, busyTimeout: 10_000 });
    return dataSource.initialize();
  }
  const dataSource = await new DataSource({ ...common, type: 'postgres', driver: pg, url: settings.url }).initialize();
  // Replicas starting together would each find the same migrations pending and run them at once.
  const lock = dataSource.createQueryRunner();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.runMigrations({ transaction: 'all' });
  } catch (error) {
    await dataSource.destroy(); // closing its connection releases the lock too
    throw error;
  }
  await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  await lock.release();
  return dataSource;
}
