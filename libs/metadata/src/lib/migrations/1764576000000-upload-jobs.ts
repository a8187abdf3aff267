import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class UploadJobs1764576000000 implements MigrationInterface {
  name = 'UploadJobs1764576000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'upload_jobs',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'path', type: 'varchar', length: '1024' },
          { name: 'localFile', type: 'varchar', length: '1024' },
          { name: 'size', type: 'bigint' },
          { name: 'bytesDone', type: 'bigint', default: 0 },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'lastError', type: 'text', isNullable: true },
          { name: 'createdAt', type: 'timestamp', default: 'CURRENT_TIMESTAMP' },
          { name: 'updatedAt', type: 'timestamp', default: 'CURRENT_TIMESTAMP' },
        ],
        indices: [new TableIndex({ columnNames: ['path'] })],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('upload_jobs', true);
  }
}
