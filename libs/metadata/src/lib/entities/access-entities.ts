import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { UserEntity } from './entities';

/** What a grant allows on matching repositories; each level includes the ones before it. */
export type GrantAction = 'pull' | 'push' | 'delete';
export const GRANT_ACTIONS: readonly GrantAction[] = ['pull', 'push', 'delete'];

/** `group`: every repository of the group named by `pattern`; `repository`: names matching the glob `pattern`. */
export type GrantScope = 'group' | 'repository';

/** A CI/CD account: logs in to the registry as `robot$<name>` with a generated secret. */
@Entity('robots')
export class RobotEntity {
  @PrimaryGeneratedColumn()
  id: number;

  /** Without the `robot$` prefix. */
  @Column({ type: 'varchar', length: 64, unique: true })
  name: string;

  @Column({ type: 'varchar', length: 255, default: '' })
  description: string;

  /** argon2id of the secret, which is shown once. */
  @Column({ type: 'varchar', length: 255 })
  secretHash: string;

  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  @Column({ type: Date, nullable: true })
  expiresAt: Date | null;

  @Column({ type: Date, nullable: true })
  lastUsedAt: Date | null;

  /** Username of the admin who created it. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  createdBy: string | null;

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;
}

/** One permission of a user or a robot (exactly one of userId / robotId is set). */
@Entity('grants')
@Index(['userId'])
@Index(['robotId'])
export class GrantEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'integer', nullable: true })
  userId: number | null;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'userId' })
  user?: UserEntity;

  @Column({ type: 'integer', nullable: true })
  robotId: number | null;

  @ManyToOne(() => RobotEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'robotId' })
  robot?: RobotEntity;

  @Column({ type: 'varchar', length: 20 })
  scope: GrantScope;

  /** A group name, or a repository glob (`*` within one path component, `**` across them). */
  @Column({ type: 'varchar', length: 255 })
  pattern: string;

  @Column({ type: 'varchar', length: 10 })
  action: GrantAction;

  @Column({ type: 'varchar', length: 64, nullable: true })
  createdBy: string | null;

  @CreateDateColumn()
  createdAt: Date;
}

/** A user's registry password substitute: `rfy_pat_<publicId>_<secret>`, shown once. */
@Entity('personal_tokens')
@Index(['userId'])
export class PersonalTokenEntity {
  @PrimaryGeneratedColumn()
  id: number;

  /** 16 hex characters, part of the token: finds the row without trying every hash. */
  @Column({ type: 'varchar', length: 16, unique: true })
  publicId: string;

  @Column({ type: 'integer' })
  userId: number;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'userId' })
  user?: UserEntity;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** argon2id of the secret part. */
  @Column({ type: 'varchar', length: 255 })
  secretHash: string;

  @Column({ type: Date, nullable: true })
  expiresAt: Date | null;

  @Column({ type: Date, nullable: true })
  revokedAt: Date | null;

  @Column({ type: Date, nullable: true })
  lastUsedAt: Date | null;

  @CreateDateColumn()
  createdAt: Date;
}

export type AuditActorType = 'user' | 'robot' | 'anonymous' | 'system';

/** One audited event, written by the registry and the admin API into the same table. */
@Entity('audit_log')
@Index(['createdAt'])
@Index(['actor', 'createdAt'])
@Index(['action', 'createdAt'])
@Index(['repository', 'createdAt'])
export class AuditEntryEntity {
  @PrimaryGeneratedColumn()
  id: number;

  /** When it happened (set by the writer: entries are written in batches). */
  @Column({ type: Date })
  createdAt: Date;

  /** e.g. `login.ok`, `login.failed`, `token.issued`, `push`, `pull`, `delete`, `permission.grant`. */
  @Column({ type: 'varchar', length: 50 })
  action: string;

  @Column({ type: 'varchar', length: 20 })
  actorType: AuditActorType;

  /** Username, `robot$<name>`, the attempted name of a failed login, or null (anonymous). */
  @Column({ type: 'varchar', length: 100, nullable: true })
  actor: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  clientAddress: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  repository: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  tag: string | null;

  @Column({ type: 'varchar', length: 150, nullable: true })
  digest: string | null;

  /** JSON object with the rest (granted scopes, changed fields, reason of a failure). */
  @Column({ type: 'text', nullable: true })
  detail: string | null;
}

export const ACCESS_ENTITIES = [RobotEntity, GrantEntity, PersonalTokenEntity, AuditEntryEntity];
