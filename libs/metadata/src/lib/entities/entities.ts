import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  ValueTransformer,
} from 'typeorm';

/** Byte counts are stored as bigint (PostgreSQL returns them as strings); expose numbers. */
export const bigintAsNumber: ValueTransformer = {
  to: (value?: number) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

@Entity('groups')
export class GroupEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 255, unique: true })
  name: string;

  /** Anonymous pull allowed (access control issue). */
  @Column({ type: 'boolean', default: false })
  isPublic: boolean;

  @CreateDateColumn()
  createdAt: Date;
}

@Entity('repositories')
export class RepositoryEntity {
  @PrimaryGeneratedColumn()
  id: number;

  /** The full OCI name, e.g. `team/app` or `team/sub/app`. */
  @Column({ type: 'varchar', length: 255, unique: true })
  name: string;

  @Column({ type: 'integer' })
  groupId: number;

  @ManyToOne(() => GroupEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'groupId' })
  group?: GroupEntity;

  @CreateDateColumn()
  createdAt: Date;
}

@Entity('repository_blobs')
@Index(['repositoryId', 'digest'], { unique: true })
@Index(['digest'])
export class RepositoryBlobEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'integer' })
  repositoryId: number;

  @ManyToOne(() => RepositoryEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'repositoryId' })
  repository?: RepositoryEntity;

  @Column({ type: 'varchar', length: 150 })
  digest: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  size: number;

  @CreateDateColumn()
  createdAt: Date;
}

@Entity('manifests')
@Index(['repositoryId', 'digest'], { unique: true })
@Index(['repositoryId', 'subjectDigest'])
export class ManifestEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'integer' })
  repositoryId: number;

  @ManyToOne(() => RepositoryEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'repositoryId' })
  repository?: RepositoryEntity;

  @Column({ type: 'varchar', length: 150 })
  digest: string;

  @Column({ type: 'varchar', length: 255 })
  mediaType: string;

  @Column({ type: 'integer' })
  size: number;

  @Column({ type: 'varchar', length: 255, nullable: true })
  artifactType: string | null;

  @Column({ type: 'varchar', length: 150, nullable: true })
  subjectDigest: string | null;

  @Column({ type: 'varchar', length: 150, nullable: true })
  configDigest: string | null;

  /** Raw `annotations` of the manifest as JSON text, served in referrers listings. */
  @Column({ type: 'text', nullable: true })
  annotations: string | null;

  @CreateDateColumn()
  createdAt: Date;
}

export type ManifestReferenceKind = 'config' | 'layer' | 'manifest' | 'subject';

/** A blob or child manifest a manifest points to: used to check pushes, compute sizes and GC. */
@Entity('manifest_references')
@Index(['manifestId'])
@Index(['digest'])
export class ManifestReferenceEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'integer' })
  manifestId: number;

  @ManyToOne(() => ManifestEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'manifestId' })
  manifest?: ManifestEntity;

  @Column({ type: 'varchar', length: 20 })
  kind: ManifestReferenceKind;

  @Column({ type: 'varchar', length: 150 })
  digest: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  size: number;

  @Column({ type: 'varchar', length: 255, nullable: true })
  mediaType: string | null;

  /** `os/architecture[/variant]` of an index child, when given. */
  @Column({ type: 'varchar', length: 100, nullable: true })
  platform: string | null;
}

@Entity('tags')
@Index(['repositoryId', 'name'], { unique: true })
@Index(['repositoryId', 'digest'])
export class TagEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'integer' })
  repositoryId: number;

  @ManyToOne(() => RepositoryEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'repositoryId' })
  repository?: RepositoryEntity;

  @Column({ type: 'varchar', length: 128 })
  name: string;

  @Column({ type: 'varchar', length: 150 })
  digest: string;

  @UpdateDateColumn()
  updatedAt: Date;
}

/** A blob upload in progress; bytes are buffered on local disk under its id. */
@Entity('upload_sessions')
export class UploadSessionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 255 })
  repositoryName: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber, default: 0 })
  offset: number;

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;
}

export type UserRole = 'admin' | 'user';

/** A console / admin API account. */
@Entity('users')
export class UserEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 64, unique: true })
  username: string;

  /** argon2id PHC string. */
  @Column({ type: 'varchar', length: 255 })
  passwordHash: string;

  @Column({ type: 'varchar', length: 20 })
  role: UserRole;

  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  /** Until set false by a password change, the account may only change its password. */
  @Column({ type: 'boolean', default: false })
  mustChangePassword: boolean;

  /** Tokens carry the version they were issued with; bumping it revokes every earlier token. */
  @Column({ type: 'integer', default: 0 })
  tokenVersion: number;

  @Column({ type: Date, nullable: true })
  lastLoginAt: Date | null;

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;
}

/**
 * Which tags garbage collection keeps in a group (`target` = `team`) or one repository
 * (`target` = `team/app`, which wins over its group's policy). A tag survives when it matches a
 * protected pattern, is among the `keepLast` most recently pushed, or was pushed within
 * `keepDays` days; every other tag is deleted by a retention run.
 */
@Entity('retention_policies')
export class RetentionPolicyEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 255, unique: true })
  target: string;

  @Column({ type: 'integer', nullable: true })
  keepLast: number | null;

  @Column({ type: 'integer', nullable: true })
  keepDays: number | null;

  /** Tag globs (`latest`, `v*`) as a JSON array of strings. */
  @Column({ type: 'text', default: '[]' })
  protectedTags: string;

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;
}

export const ENTITIES = [
  GroupEntity,
  RepositoryEntity,
  RepositoryBlobEntity,
  ManifestEntity,
  ManifestReferenceEntity,
  TagEntity,
  UploadSessionEntity,
  UserEntity,
  RetentionPolicyEntity,
];
