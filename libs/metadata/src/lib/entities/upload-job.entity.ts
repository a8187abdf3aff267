import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { bigintAsNumber } from './entities';

/**
 * A file accepted from a client and durably kept on local disk, waiting to be copied to its
 * storage path (asynchronous upload mode). Rows are removed once the file is on storage.
 */
@Entity('upload_jobs')
@Index(['path'])
export class UploadJobEntity {
  @PrimaryGeneratedColumn()
  id: number;

  /** Target path on storage, e.g. `registry/team/app/blobs/sha256:...`. */
  @Column({ type: 'varchar', length: 1024 })
  path: string;

  /** Absolute path of the local copy. */
  @Column({ type: 'varchar', length: 1024 })
  localFile: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  size: number;

  @Column({ type: 'bigint', transformer: bigintAsNumber, default: 0 })
  bytesDone: number;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ type: 'text', nullable: true })
  lastError: string | null;

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;
}
