import { MigrationInterface, QueryRunner, Table } from 'typeorm';

// Portable Table API, like the initial schema: the same migration runs on SQLite and PostgreSQL.
export class RetentionPolicies1764403200000 implements MigrationInterface {
  name = 'RetentionPolicies1764403200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'retention_policies',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'target', type: 'varchar', length: '255', isUnique: true },
          { name: 'keepLast', type: 'integer', isNullable: true },
          { name: 'keepDays', type: 'integer', isNullable: true },
          { name: 'protectedTags', type: 'text', default: "'[]'" },
          { name: 'createdAt', type: 'timestamp', default: 'CURRENT_TIMESTAMP' },
          { name: 'updatedAt', type: 'timestamp', default: 'CURRENT_TIMESTAMP' },
        ],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('retention_policies', true);
  }
}
