import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { repositoryGlobProblem, ROBOT_PREFIX } from '@refity/auth';
import { AccessStore, GrantEntity, GrantSubject, GrantTarget, MetadataStore, UserStore } from '@refity/metadata';
import { isValidGroupName } from '@refity/registry-core';
import { AdminAudit } from '../core/admin-audit';
import { CreateGrantDto, GrantDto, GrantListQuery } from './permission.dto';

/** Checks a grant's pattern against its scope; a group must exist (catches typos). */
export async function validGrantTarget(metadata: MetadataStore, target: GrantTarget): Promise<GrantTarget> {
  if (target.scope === 'group') {
    if (!isValidGroupName(target.pattern)) throw new BadRequestException(`pattern "${target.pattern}" is not a group name (scope group takes the group, e.g. myteam)`);
    if (!(await metadata.findGroup(target.pattern))) throw new NotFoundException(`group ${target.pattern} does not exist; create it first`);
    return target;
  }
  const problem = repositoryGlobProblem(target.pattern);
  if (problem) throw new BadRequestException(`pattern ${problem}`);
  return target;
}

export function describeGrant(grant: Pick<GrantEntity, 'scope' | 'pattern' | 'action'>): string {
  return `${grant.action} on ${grant.scope} ${grant.pattern}`;
}

@Injectable()
export class PermissionsService {
  constructor(
    private readonly access: AccessStore,
    private readonly users: UserStore,
    private readonly metadata: MetadataStore,
    private readonly audit: AdminAudit,
  ) {}

  async list(query: GrantListQuery): Promise<GrantDto[]> {
    if (query.userId !== undefined && query.robotId !== undefined) throw new BadRequestException('give userId or robotId, not both');
    const subject: GrantSubject | undefined = query.userId !== undefined ? { userId: query.userId } : query.robotId !== undefined ? { robotId: query.robotId } : undefined;
    const grants = await this.access.listGrants(subject);
    const names = await this.subjectNames();
    return grants.map((grant) => GrantDto.of(grant, names(grant)));
  }

  /** Sets a subject's action on a group or glob (granting the same target again replaces the action). */
  async set(body: CreateGrantDto, actor: string): Promise<GrantDto> {
    const { userId, robotId, ...target } = body;
    if ((userId === undefined) === (robotId === undefined)) throw new BadRequestException('give exactly one of userId and robotId');
    let subjectName: string;
    let subject: GrantSubject;
    if (userId !== undefined) {
      const user = await this.users.findById(userId);
      if (!user) throw new NotFoundException(`user ${userId} does not exist`);
      subjectName = user.username;
      subject = { userId };
    } else {
      const robot = await this.access.findRobot(robotId as number);
      if (!robot) throw new NotFoundException(`robot ${robotId} does not exist`);
      subjectName = ROBOT_PREFIX + robot.name;
      subject = { robotId: robot.id };
    }
    const { grant, previous } = await this.access.setGrant(subject, await validGrantTarget(this.metadata, target), actor);
    this.audit.record({
      action: 'permission.grant',
      repository: grant.scope === 'repository' ? grant.pattern : null,
      detail: { grantId: grant.id, subject: subjectName, scope: grant.scope, pattern: grant.pattern, action: grant.action, previous },
    });
    return GrantDto.of(grant, subjectName);
  }

  async delete(id: number): Promise<void> {
    const grant = await this.access.deleteGrant(id);
    if (!grant) throw new NotFoundException(`grant ${id} does not exist`);
    const names = await this.subjectNames();
    this.audit.record({
      action: 'permission.revoke',
      repository: grant.scope === 'repository' ? grant.pattern : null,
      detail: { grantId: id, subject: names(grant), scope: grant.scope, pattern: grant.pattern, action: grant.action },
    });
  }

  /** Resolves a grant's subject to `alice` or `robot$ci`. */
  private async subjectNames(): Promise<(grant: GrantEntity) => string> {
    const [users, robots] = await Promise.all([this.users.list(), this.access.listRobots()]);
    const userNames = new Map(users.map((user) => [user.id, user.username]));
    const robotNames = new Map(robots.map((robot) => [robot.id, ROBOT_PREFIX + robot.name]));
    return (grant) => (grant.userId !== null ? (userNames.get(grant.userId) ?? `user ${grant.userId}`) : (robotNames.get(grant.robotId as number) ?? `robot ${grant.robotId}`));
  }
}
