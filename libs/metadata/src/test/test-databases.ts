import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresServer, startPostgres } from '@refity/testing';
import { DatabaseSettings } from '../lib/data-source';

/**
 * The databases every metadata spec runs on, unchanged: SQLite (the default) in a temporary file,
 * and PostgreSQL (for several replicas) in a throwaway server. `settings()` gives a fresh, empty
 * database each call; `sameDatabase()` the last one again (a second connection, as another process has).
 */
export interface TestDatabase {
  name: 'SQLite' | 'PostgreSQL';
  settings(): Promise<DatabaseSettings>;
  sameDatabase(): DatabaseSettings;
  cleanup(): Promise<void>;
}

function sqlite(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'refity-metadata-'));
  let count = 0;
  return {
    name: 'SQLite',
    settings: async () => ({ type: 'sqlite', path: join(dir, `meta-${++count}.sqlite`) }),
    sameDatabase: () => ({ type: 'sqlite', path: join(dir, `meta-${count}.sqlite`) }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function postgres(): TestDatabase {
  let server: Promise<PostgresServer> | undefined;
  let last: DatabaseSettings | undefined;
  return {
    name: 'PostgreSQL',
    settings: async () => {
      server ??= startPostgres();
      last = { type: 'postgres', url: await (await server).createDatabase() };
      return last;
    },
    sameDatabase: () => {
      if (!last) throw new Error('no database opened yet');
      return last;
    },
    cleanup: async () => (await server)?.stop(),
  };
}

/** For `describe.each`: one entry per database, each started lazily by its first test. */
export function testDatabases(): Array<[string, TestDatabase]> {
  return [sqlite(), postgres()].map((database) => [database.name, database]);
}
