import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableForeignKey, TableIndex } from 'typeorm';

// Written with the portable Table API (not generated SQL) so the same migration runs on SQLite and PostgreSQL.
const id: TableColumnOptions = { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' };
const createdAt: TableColumnOptions = { name: 'createdAt', type: 'timestamp', default: 'CURRENT_TIMESTAMP' };
const updatedAt: TableColumnOptions = { name: 'updatedAt', type: 'timestamp', default: 'CURRENT_TIMESTAMP' };
const digest: TableColumnOptions = { name: 'digest', type: 'varchar', length: '150' };
const size: TableColumnOptions = { name: 'size', type: 'bigint' };

function belongsTo(column: string, table: string): TableForeignKey {
  return new TableForeignKey({ columnNames: [column], referencedTableName: table, referencedColumnNames: ['id'], onDelete: 'CASCADE' });
}

export class InitialSchema1764057600000 implements MigrationInterface {
  name = 'InitialSchema1764057600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const tables = [
      new Table({
        name: 'groups',
        columns: [id, { name: 'name', type: 'varchar', length: '255', isUnique: true }, { name: 'isPublic', type: 'boolean', default: false }, createdAt],
      }),
      new Table({
        name: 'repositories',
        columns: [id, { name: 'name', type: 'varchar', length: '255', isUnique: true }, { name: 'groupId', type: 'integer' }, createdAt],
        foreignKeys: [belongsTo('groupId', 'groups')],
        indices: [new TableIndex({ columnNames: ['groupId'] })],
      }),
      new Table({
        name: 'repository_blobs',
        columns: [id, { name: 'repositoryId', type: 'integer' }, digest, size, createdAt],
        foreignKeys: [belongsTo('repositoryId', 'repositories')],
        indices: [new TableIndex({ columnNames: ['repositoryId', 'digest'], isUnique: true }), new TableIndex({ columnNames: ['digest'] })],
      }),
      new Table({
        name: 'manifests',
        columns: [
          id,
          { name: 'repositoryId', type: 'integer' },
          digest,
          { name: 'mediaType', type: 'varchar', length: '255' },
          { name: 'size', type: 'integer' },
          { name: 'artifactType', type: 'varchar', length: '255', isNullable: true },
          { name: 'subjectDigest', type: 'varchar', length: '150', isNullable: true },
          { name: 'configDigest', type: 'varchar', length: '150', isNullable: true },
          { name: 'annotations', type: 'text', isNullable: true },
          createdAt,
        ],
        foreignKeys: [belongsTo('repositoryId', 'repositories')],
        indices: [
          new TableIndex({ columnNames: ['repositoryId', 'digest'], isUnique: true }),
          new TableIndex({ columnNames: ['repositoryId', 'subjectDigest'] }),
        ],
      }),
      new Table({
        name: 'manifest_references',
        columns: [
          id,
          { name: 'manifestId', type: 'integer' },
          { name: 'kind', type: 'varchar', length: '20' },
          digest,
          size,
          { name: 'mediaType', type: 'varchar', length: '255', isNullable: true },
          { name: 'platform', type: 'varchar', length: '100', isNullable: true },
        ],
        foreignKeys: [belongsTo('manifestId', 'manifests')],
        indices: [new TableIndex({ columnNames: ['manifestId'] }), new TableIndex({ columnNames: ['digest'] })],
      }),
      new Table({
        name: 'tags',
        columns: [id, { name: 'repositoryId', type: 'integer' }, { name: 'name', type: 'varchar', length: '128' }, digest, updatedAt],
        foreignKeys: [belongsTo('repositoryId', 'repositories')],
        indices: [
          new TableIndex({ columnNames: ['repositoryId', 'name'], isUnique: true }),
          new TableIndex({ columnNames: ['repositoryId', 'digest'] }),
        ],
      }),
      new Table({
        name: 'upload_sessions',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'repositoryName', type: 'varchar', length: '255' },
          { name: 'offset', type: 'bigint', default: 0 },
          createdAt,
          updatedAt,
        ],
      }),
    ];
    for (const table of tables) await queryRunner.createTable(table, true, true, true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const name of ['upload_sessions', 'tags', 'manifest_references', 'manifests', 'repository_blobs', 'repositories', 'groups']) {
      await queryRunner.dropTable(name, true);
    }
  }
}
