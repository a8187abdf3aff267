import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableForeignKey, TableIndex } from 'typeorm';

// Registry access control: robots, grants, personal access tokens and the audit log.
// Portable Table API like the earlier migrations: the same file runs on SQLite and PostgreSQL.
const id: TableColumnOptions = { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' };
const createdAt: TableColumnOptions = { name: 'createdAt', type: 'timestamp', default: 'CURRENT_TIMESTAMP' };
const when = (name: string): TableColumnOptions => ({ name, type: 'timestamp', isNullable: true });

function belongsTo(column: string, table: string): TableForeignKey {
  return new TableForeignKey({ columnNames: [column], referencedTableName: table, referencedColumnNames: ['id'], onDelete: 'CASCADE' });
}

export class AccessControl1764489600000 implements MigrationInterface {
  name = 'AccessControl1764489600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'robots',
        columns: [
          id,
          { name: 'name', type: 'varchar', length: '64', isUnique: true },
          { name: 'description', type: 'varchar', length: '255', default: "''" },
          { name: 'secretHash', type: 'varchar', length: '255' },
          { name: 'disabled', type: 'boolean', default: false },
          when('expiresAt'),
          when('lastUsedAt'),
          { name: 'createdBy', type: 'varchar', length: '64', isNullable: true },
          createdAt,
          { name: 'updatedAt', type: 'timestamp', default: 'CURRENT_TIMESTAMP' },
        ],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'grants',
        columns: [
          id,
          { name: 'userId', type: 'integer', isNullable: true },
          { name: 'robotId', type: 'integer', isNullable: true },
          { name: 'scope', type: 'varchar', length: '20' },
          { name: 'pattern', type: 'varchar', length: '255' },
          { name: 'action', type: 'varchar', length: '10' },
          { name: 'createdBy', type: 'varchar', length: '64', isNullable: true },
          createdAt,
        ],
        foreignKeys: [belongsTo('userId', 'users'), belongsTo('robotId', 'robots')],
        indices: [new TableIndex({ columnNames: ['userId'] }), new TableIndex({ columnNames: ['robotId'] })],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'personal_tokens',
        columns: [
          id,
          { name: 'publicId', type: 'varchar', length: '16', isUnique: true },
          { name: 'userId', type: 'integer' },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'secretHash', type: 'varchar', length: '255' },
          when('expiresAt'),
          when('revokedAt'),
          when('lastUsedAt'),
          createdAt,
        ],
        foreignKeys: [belongsTo('userId', 'users')],
        indices: [new TableIndex({ columnNames: ['userId'] })],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'audit_log',
        columns: [
          id,
          { name: 'createdAt', type: 'timestamp' },
          { name: 'action', type: 'varchar', length: '50' },
          { name: 'actorType', type: 'varchar', length: '20' },
          { name: 'actor', type: 'varchar', length: '100', isNullable: true },
          { name: 'clientAddress', type: 'varchar', length: '64', isNullable: true },
          { name: 'repository', type: 'varchar', length: '255', isNullable: true },
          { name: 'tag', type: 'varchar', length: '128', isNullable: true },
          { name: 'digest', type: 'varchar', length: '150', isNullable: true },
          { name: 'detail', type: 'text', isNullable: true },
        ],
        indices: [
          new TableIndex({ columnNames: ['createdAt'] }),
          new TableIndex({ columnNames: ['actor', 'createdAt'] }),
          new TableIndex({ columnNames: ['action', 'createdAt'] }),
          new TableIndex({ columnNames: ['repository', 'createdAt'] }),
        ],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['audit_log', 'personal_tokens', 'grants', 'robots']) await queryRunner.dropTable(table, true);
  }
}
