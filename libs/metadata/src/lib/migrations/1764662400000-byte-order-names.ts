import { MigrationInterface, QueryRunner } from 'typeorm';

/** The names `/v2/_catalog` and `tags/list` order and page by (`ORDER BY name`, `name > last`). */
const LISTED_NAMES = [
  { table: 'groups', type: 'varchar(255)' },
  { table: 'repositories', type: 'varchar(255)' },
  { table: 'tags', type: 'varchar(128)' },
];

/**
 * Group, repository and tag names compare byte by byte, as in CNCF distribution and the OCI
 * conformance suite. SQLite's default collation (BINARY) already does; a PostgreSQL database
 * created with a language collation (en_US.UTF-8 is common) would sort `a` before `B` and skip
 * punctuation, so these columns get the "C" collation there. Their indexes are rebuilt with it.
 */
export class ByteOrderNames1764662400000 implements MigrationInterface {
  name = 'ByteOrderNames1764662400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    for (const { table, type } of LISTED_NAMES) {
      await queryRunner.query(`ALTER TABLE "${table}" ALTER COLUMN "name" TYPE ${type} COLLATE "C"`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    for (const { table, type } of LISTED_NAMES) {
      await queryRunner.query(`ALTER TABLE "${table}" ALTER COLUMN "name" TYPE ${type} COLLATE "default"`);
    }
  }
}
