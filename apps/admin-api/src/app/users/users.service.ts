import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { AuthenticatedUser, hashPassword, passwordProblems } from '@refity/auth';
import { UserChanges, UserEntity, UserStore } from '@refity/metadata';
import { AdminAudit } from '../core/admin-audit';
import { CreateUserDto, ResetPasswordDto, UpdateUserDto, UserDto } from './user.dto';

function refuseWeak(password: string, username: string, field: string): void {
  const problems = passwordProblems(password, username);
  if (problems.length > 0) throw new BadRequestException(problems.map((problem) => `${field} ${problem}`));
}

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UserStore,
    private readonly audit: AdminAudit,
  ) {}

  async list(): Promise<UserDto[]> {
    return (await this.users.list()).map(UserDto.of);
  }

  async create(body: CreateUserDto): Promise<UserDto> {
    refuseWeak(body.password, body.username, 'password');
    const created = await this.users.create({
      username: body.username,
      passwordHash: await hashPassword(body.password),
      role: body.role,
      mustChangePassword: body.mustChangePassword ?? true,
    });
    if (!created) throw new ConflictException(`user ${body.username} already exists`);
    this.audit.record({ action: 'user.create', detail: { userId: created.id, username: created.username, role: created.role } });
    return UserDto.of(created);
  }

  async update(actor: AuthenticatedUser, id: number, body: UpdateUserDto): Promise<UserDto> {
    if (id === actor.id && (body.disabled === true || body.role === 'user')) {
      throw new ConflictException('you cannot disable or demote your own account; ask another admin');
    }
    const changes: UserChanges = {};
    if (body.role !== undefined) changes.role = body.role;
    if (body.disabled !== undefined) changes.disabled = body.disabled;
    const updated = await this.apply(id, changes);
    this.audit.record({ action: 'user.update', detail: { userId: id, username: updated.username, ...changes } });
    return UserDto.of(updated);
  }

  async resetPassword(id: number, body: ResetPasswordDto): Promise<void> {
    const user = await this.find(id);
    refuseWeak(body.password, user.username, 'password');
    await this.apply(id, { passwordHash: await hashPassword(body.password), mustChangePassword: body.mustChangePassword ?? true });
    this.audit.record({ action: 'user.password-reset', detail: { userId: id, username: user.username } });
  }

  async delete(actor: AuthenticatedUser, id: number): Promise<void> {
    if (id === actor.id) throw new ConflictException('you cannot delete your own account; ask another admin');
    const user = await this.find(id);
    if (!(await this.users.delete(id))) throw new NotFoundException(`user ${id} does not exist`);
    this.audit.record({ action: 'user.delete', detail: { userId: id, username: user.username } });
  }

  private async find(id: number): Promise<UserEntity> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundException(`user ${id} does not exist`);
    return user;
  }

  private async apply(id: number, changes: UserChanges): Promise<UserEntity> {
    const updated = await this.users.update(id, changes);
    if (!updated) throw new NotFoundException(`user ${id} does not exist`);
    return updated;
  }
}
