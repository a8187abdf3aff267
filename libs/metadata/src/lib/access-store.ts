import { IsNull } from 'typeorm';
import { GrantAction, GrantEntity, GrantScope, PersonalTokenEntity, RobotEntity } from './entities/access-entities';
import { GroupEntity } from './entities/entities';
import { MetadataStore } from './metadata-store';

/** Whose grant: exactly one of the two. */
export type GrantSubject = { userId: number; robotId?: undefined } | { robotId: number; userId?: undefined };

export interface GrantTarget {
  scope: GrantScope;
  pattern: string;
  action: GrantAction;
}

export interface NewRobot {
  name: string;
  description: string;
  secretHash: string;
  expiresAt: Date | null;
  createdBy: string | null;
}

export type RobotChanges = Partial<Pick<RobotEntity, 'description' | 'expiresAt' | 'disabled' | 'secretHash'>>;

export interface NewPersonalToken {
  publicId: string;
  userId: number;
  name: string;
  secretHash: string;
  expiresAt: Date | null;
}

/**
 * Grants, robot accounts, personal access tokens and public groups: what registry access control
 * reads and the admin API manages. Writes share MetadataStore's queue (one SQLite writer).
 */
export class AccessStore {
  constructor(private readonly metadata: MetadataStore) {}

  private get data() {
    return this.metadata.dataSource;
  }

  // Grants

  /** Grants of one subject, or every grant (users' first, then robots', oldest first). */
  listGrants(subject?: GrantSubject): Promise<GrantEntity[]> {
    const where = subject === undefined ? {} : subject.userId !== undefined ? { userId: subject.userId } : { robotId: subject.robotId };
    return this.data.getRepository(GrantEntity).find({ where, order: { userId: 'ASC', robotId: 'ASC', id: 'ASC' } });
  }

  findGrant(id: number): Promise<GrantEntity | null> {
    return this.data.getRepository(GrantEntity).findOneBy({ id });
  }

  /**
   * Sets the subject's action on a target: one grant per subject, scope and pattern, so granting
   * again replaces the action. Returns the grant and the action it had before (null when new).
   */
  setGrant(subject: GrantSubject, target: GrantTarget, createdBy: string | null): Promise<{ grant: GrantEntity; previous: GrantAction | null }> {
    return this.metadata.transaction(async (manager) => {
      const owner = subject.userId !== undefined ? { userId: subject.userId, robotId: IsNull() } : { robotId: subject.robotId, userId: IsNull() };
      const existing = await manager.findOneBy(GrantEntity, { ...owner, scope: target.scope, pattern: target.pattern });
      if (existing) {
        const previous = existing.action;
        existing.action = target.action;
        return { grant: await manager.save(existing), previous };
      }
      const grant = manager.create(GrantEntity, {
        userId: subject.userId ?? null,
        robotId: subject.robotId ?? null,
        ...target,
        createdBy,
      });
      return { grant: await manager.save(grant), previous: null };
    });
  }

  /** Deletes a grant; returns what it was, or null when absent. */
  deleteGrant(id: number): Promise<GrantEntity | null> {
    return this.metadata.transaction(async (manager) => {
      const grant = await manager.findOneBy(GrantEntity, { id });
      if (grant) await manager.delete(GrantEntity, { id });
      return grant;
    });
  }

  // Public groups

  async publicGroupNames(): Promise<string[]> {
    const rows = await this.data.getRepository(GroupEntity).find({ where: { isPublic: true }, select: { name: true }, order: { name: 'ASC' } });
    return rows.map((row) => row.name);
  }

  /** Marks a group public (anonymous pull) or private; null when the group does not exist. */
  setGroupPublic(name: string, isPublic: boolean): Promise<GroupEntity | null> {
    return this.metadata.transaction(async (manager) => {
      const group = await manager.findOneBy(GroupEntity, { name });
      if (!group) return null;
      group.isPublic = isPublic;
      return manager.save(group);
    });
  }

  // Robots

  listRobots(): Promise<RobotEntity[]> {
    return this.data.getRepository(RobotEntity).find({ order: { name: 'ASC' } });
  }

  findRobot(id: number): Promise<RobotEntity | null> {
    return this.data.getRepository(RobotEntity).findOneBy({ id });
  }

  findRobotByName(name: string): Promise<RobotEntity | null> {
    return this.data.getRepository(RobotEntity).findOneBy({ name });
  }

  /** Creates the robot with its grants in one transaction; null when the name is taken. */
  createRobot(robot: NewRobot, grants: GrantTarget[]): Promise<{ robot: RobotEntity; grants: GrantEntity[] } | null> {
    return this.metadata.transaction(async (manager) => {
      if (await manager.findOneBy(RobotEntity, { name: robot.name })) return null;
      const created = await manager.save(manager.create(RobotEntity, { ...robot, disabled: false, lastUsedAt: null }));
      const rows: GrantEntity[] = [];
      for (const grant of grants) {
        rows.push(await manager.save(manager.create(GrantEntity, { ...grant, robotId: created.id, userId: null, createdBy: robot.createdBy })));
      }
      return { robot: created, grants: rows };
    });
  }

  updateRobot(id: number, changes: RobotChanges): Promise<RobotEntity | null> {
    return this.metadata.transaction(async (manager) => {
      const robot = await manager.findOneBy(RobotEntity, { id });
      if (!robot) return null;
      Object.assign(robot, changes);
      return manager.save(robot);
    });
  }

  /** Deletes the robot and its grants; returns it, or null when absent. */
  deleteRobot(id: number): Promise<RobotEntity | null> {
    return this.metadata.transaction(async (manager) => {
      const robot = await manager.findOneBy(RobotEntity, { id });
      if (!robot) return null;
      await manager.delete(GrantEntity, { robotId: id });
      await manager.delete(RobotEntity, { id });
      return robot;
    });
  }

  touchRobot(id: number, at = new Date()): Promise<void> {
    return this.metadata.transaction(async (manager) => {
      await manager.update(RobotEntity, { id }, { lastUsedAt: at });
    });
  }

  // Personal access tokens

  listPersonalTokens(userId?: number): Promise<PersonalTokenEntity[]> {
    return this.data.getRepository(PersonalTokenEntity).find({ where: userId === undefined ? {} : { userId }, order: { createdAt: 'DESC', id: 'DESC' } });
  }

  findPersonalToken(id: number): Promise<PersonalTokenEntity | null> {
    return this.data.getRepository(PersonalTokenEntity).findOneBy({ id });
  }

  findPersonalTokenByPublicId(publicId: string): Promise<PersonalTokenEntity | null> {
    return this.data.getRepository(PersonalTokenEntity).findOneBy({ publicId });
  }

  createPersonalToken(token: NewPersonalToken): Promise<PersonalTokenEntity> {
    return this.metadata.transaction((manager) => manager.save(manager.create(PersonalTokenEntity, { ...token, revokedAt: null, lastUsedAt: null })));
  }

  /** Revokes (keeps the row for the record); returns it, or null when absent. Revoking twice keeps the first time. */
  revokePersonalToken(id: number, at = new Date()): Promise<PersonalTokenEntity | null> {
    return this.metadata.transaction(async (manager) => {
      const token = await manager.findOneBy(PersonalTokenEntity, { id });
      if (!token) return null;
      if (!token.revokedAt) {
        token.revokedAt = at;
        await manager.save(token);
      }
      return token;
    });
  }

  touchPersonalToken(id: number, at = new Date()): Promise<void> {
    return this.metadata.transaction(async (manager) => {
      await manager.update(PersonalTokenEntity, { id }, { lastUsedAt: at });
    });
  }
}
