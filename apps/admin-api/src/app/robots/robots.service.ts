import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { generateRobotSecret, ROBOT_PREFIX } from '@refity/auth';
import { AccessStore, GrantTarget, MetadataStore, RobotChanges, RobotEntity } from '@refity/metadata';
import { AdminAudit } from '../core/admin-audit';
import { GrantDto } from '../permissions/permission.dto';
import { validGrantTarget } from '../permissions/permissions.service';
import { CreateRobotDto, RobotDto, RobotSecretDto, UpdateRobotDto } from './robot.dto';

function futureDate(value: string | undefined | null, field: string): Date | null {
  if (value === undefined || value === null) return null;
  const date = new Date(value);
  if (date.getTime() <= Date.now()) throw new BadRequestException(`${field} must be in the future`);
  return date;
}

@Injectable()
export class RobotsService {
  constructor(
    private readonly access: AccessStore,
    private readonly metadata: MetadataStore,
    private readonly audit: AdminAudit,
  ) {}

  async list(): Promise<RobotDto[]> {
    const [robots, grants] = await Promise.all([this.access.listRobots(), this.access.listGrants()]);
    return robots.map((robot) =>
      RobotDto.of(
        robot,
        grants.filter((grant) => grant.robotId === robot.id).map((grant) => GrantDto.of(grant, ROBOT_PREFIX + robot.name)),
      ),
    );
  }

  async get(id: number): Promise<RobotDto> {
    return this.dto(await this.find(id));
  }

  /** Creates the robot with its grants; the secret is answered once. */
  async create(body: CreateRobotDto, actor: string): Promise<RobotSecretDto> {
    const targets: GrantTarget[] = [];
    for (const target of body.permissions) targets.push(await validGrantTarget(this.metadata, { scope: target.scope, pattern: target.pattern, action: target.action }));
    const expiresAt = futureDate(body.expiresAt, 'expiresAt');
    const { secret, secretHash } = await generateRobotSecret();
    const created = await this.access.createRobot({ name: body.name, description: body.description ?? '', secretHash, expiresAt, createdBy: actor }, targets);
    if (!created) throw new ConflictException(`robot ${ROBOT_PREFIX}${body.name} already exists`);
    this.audit.record({
      action: 'robot.create',
      detail: { robotId: created.robot.id, robot: ROBOT_PREFIX + body.name, expiresAt: expiresAt?.toISOString() ?? null, permissions: targets },
    });
    return { robot: await this.dto(created.robot), secret };
  }

  async update(id: number, body: UpdateRobotDto): Promise<RobotDto> {
    await this.find(id);
    const changes: RobotChanges = {};
    if (body.description !== undefined) changes.description = body.description;
    if (body.expiresAt !== undefined) changes.expiresAt = futureDate(body.expiresAt, 'expiresAt');
    if (body.disabled !== undefined) changes.disabled = body.disabled;
    const robot = await this.access.updateRobot(id, changes);
    if (!robot) throw new NotFoundException(`robot ${id} does not exist`);
    this.audit.record({
      action: body.disabled === true ? 'robot.revoke' : 'robot.update',
      detail: { robotId: id, robot: ROBOT_PREFIX + robot.name, ...body },
    });
    return this.dto(robot);
  }

  /** A new secret; the old one stops working at once (cached logins within a minute). */
  async rotateSecret(id: number): Promise<RobotSecretDto> {
    await this.find(id);
    const { secret, secretHash } = await generateRobotSecret();
    const robot = await this.access.updateRobot(id, { secretHash });
    if (!robot) throw new NotFoundException(`robot ${id} does not exist`);
    this.audit.record({ action: 'robot.secret', detail: { robotId: id, robot: ROBOT_PREFIX + robot.name } });
    return { robot: await this.dto(robot), secret };
  }

  async delete(id: number): Promise<void> {
    const robot = await this.access.deleteRobot(id);
    if (!robot) throw new NotFoundException(`robot ${id} does not exist`);
    this.audit.record({ action: 'robot.delete', detail: { robotId: id, robot: ROBOT_PREFIX + robot.name } });
  }

  private async find(id: number): Promise<RobotEntity> {
    const robot = await this.access.findRobot(id);
    if (!robot) throw new NotFoundException(`robot ${id} does not exist`);
    return robot;
  }

  private async dto(robot: RobotEntity): Promise<RobotDto> {
    const grants = await this.access.listGrants({ robotId: robot.id });
    return RobotDto.of(robot, grants.map((grant) => GrantDto.of(grant, ROBOT_PREFIX + robot.name)));
  }
}
