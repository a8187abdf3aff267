import { EntityManager } from 'typeorm';
import { UserEntity, UserRole } from './entities/entities';
import { MetadataStore } from './metadata-store';

/** Raised when a change would leave no enabled admin account. */
export class LastAdminError extends Error {
  constructor() {
    super('this is the last enabled admin account; make another user admin first');
    this.name = 'LastAdminError';
  }
}

export interface NewUser {
  username: string;
  passwordHash: string;
  role: UserRole;
  mustChangePassword: boolean;
}

export type UserChanges = Partial<Pick<UserEntity, 'passwordHash' | 'role' | 'disabled' | 'mustChangePassword'>>;

async function enabledAdminsOtherThan(manager: EntityManager, id: number): Promise<number> {
  return manager
    .getRepository(UserEntity)
    .createQueryBuilder('user')
    .where('user.role = :role AND user.disabled = :disabled AND user.id != :id', { role: 'admin', disabled: false, id })
    .getCount();
}

function keepsAdminRights(user: UserEntity, changes: UserChanges): boolean {
  return (changes.role ?? user.role) === 'admin' && !(changes.disabled ?? user.disabled);
}

/** Accounts of the admin API. Writes share MetadataStore's queue (one SQLite writer). */
export class UserStore {
  constructor(private readonly metadata: MetadataStore) {}

  private get users() {
    return this.metadata.dataSource.getRepository(UserEntity);
  }

  count(): Promise<number> {
    return this.users.count();
  }

  list(): Promise<UserEntity[]> {
    return this.users.find({ order: { username: 'ASC' } });
  }

  findById(id: number): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ username });
  }

  /** Creates the account, or returns null when the username is taken. */
  create(user: NewUser): Promise<UserEntity | null> {
    return this.metadata.transaction(async (manager) => {
      if (await manager.findOneBy(UserEntity, { username: user.username })) return null;
      return manager.save(manager.create(UserEntity, { ...user, disabled: false, tokenVersion: 0, lastLoginAt: null }));
    });
  }

  /** Creates the first admin when there is no account at all; returns it, or null when accounts exist. */
  createFirstAdmin(user: Omit<NewUser, 'role'>): Promise<UserEntity | null> {
    return this.metadata.transaction(async (manager) => {
      if ((await manager.count(UserEntity)) > 0) return null;
      return manager.save(manager.create(UserEntity, { ...user, role: 'admin', disabled: false, tokenVersion: 0, lastLoginAt: null }));
    });
  }

  /**
   * Applies the changes; a password change, a role change or disabling also revokes the account's
   * tokens. Throws LastAdminError instead of leaving no enabled admin. Null when the user is absent.
   */
  update(id: number, changes: UserChanges): Promise<UserEntity | null> {
    return this.metadata.transaction(async (manager) => {
      const user = await manager.findOneBy(UserEntity, { id });
      if (!user) return null;
      if (user.role === 'admin' && !user.disabled && !keepsAdminRights(user, changes) && (await enabledAdminsOtherThan(manager, id)) === 0) {
        throw new LastAdminError();
      }
      const revokes =
        changes.passwordHash !== undefined || (changes.role !== undefined && changes.role !== user.role) || changes.disabled === true;
      Object.assign(user, changes);
      if (revokes) user.tokenVersion += 1;
      return manager.save(user);
    });
  }

  /** Revokes every token issued to the account so far (logout). */
  revokeTokens(id: number): Promise<void> {
    return this.metadata.transaction(async (manager) => {
      await manager.increment(UserEntity, { id }, 'tokenVersion', 1);
    });
  }

  recordLogin(id: number): Promise<void> {
    return this.metadata.transaction(async (manager) => {
      await manager.update(UserEntity, { id }, { lastLoginAt: new Date() });
    });
  }

  /** Deletes the account; throws LastAdminError for the last enabled admin. False when absent. */
  delete(id: number): Promise<boolean> {
    return this.metadata.transaction(async (manager) => {
      const user = await manager.findOneBy(UserEntity, { id });
      if (!user) return false;
      if (user.role === 'admin' && !user.disabled && (await enabledAdminsOtherThan(manager, id)) === 0) throw new LastAdminError();
      await manager.delete(UserEntity, { id });
      return true;
    });
  }
}
