import { MigrationInterface, QueryRunner, Table } from 'typeorm';

// Portable Table API, like the initial schema: the same migration runs on SQLite and PostgreSQL.
export class Users1764144000000 implements MigrationInterface {
  name = 'Users1764144000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'username', type: 'varchar', length: '64', isUnique: true },
          { name: 'passwordHash', type: 'varchar', length: '255' },
          { name: 'role', type: 'varchar', length: '20' },
          { name: 'disabled', type: 'boolean', default: false },
          { name: 'mustChangePassword', type: 'boolean', default: false },
          { name: 'tokenVersion', type: 'integer', default: 0 },
          { name: 'lastLoginAt', type: 'timestamp', isNullable: true },
          { name: 'createdAt', type: 'timestamp', default: 'CURRENT_TIMESTAMP' },
          { name: 'updatedAt', type: 'timestamp', default: 'CURRENT_TIMESTAMP' },
        ],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('users', true);
  }
}
