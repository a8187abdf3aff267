import { BadRequestException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { AuthenticatedUser, generatePersonalToken } from '@refity/auth';
import { AccessStore, UserStore } from '@refity/metadata';
import { AdminAudit } from '../core/admin-audit';
import { CreatedPersonalTokenDto, CreatePersonalTokenDto, PersonalTokenDto } from './personal-token.dto';

@Injectable()
export class PersonalTokensService {
  constructor(
    private readonly access: AccessStore,
    private readonly users: UserStore,
    private readonly audit: AdminAudit,
  ) {}

  /** Your own tokens; an admin may list another user's. */
  async list(actor: AuthenticatedUser, userId?: number): Promise<PersonalTokenDto[]> {
    const owner = userId ?? actor.id;
    if (owner !== actor.id && actor.role !== 'admin') throw new ForbiddenException('only admins can see other users’ tokens');
    return (await this.access.listPersonalTokens(owner)).map((token) => PersonalTokenDto.of(token));
  }

  async create(actor: AuthenticatedUser, body: CreatePersonalTokenDto): Promise<CreatedPersonalTokenDto> {
    let expiresAt: Date | null = null;
    if (body.expiresAt !== undefined) {
      expiresAt = new Date(body.expiresAt);
      if (expiresAt.getTime() <= Date.now()) throw new BadRequestException('expiresAt must be in the future');
    }
    const user = await this.users.findById(actor.id);
    if (!user) throw new NotFoundException('account no longer exists');
    const { publicId, secret, secretHash } = await generatePersonalToken();
    const token = await this.access.createPersonalToken({ publicId, userId: user.id, name: body.name.trim(), secretHash, expiresAt });
    this.audit.record({ action: 'token.create', detail: { tokenId: token.id, name: token.name, expiresAt: expiresAt?.toISOString() ?? null } });
    return { token: PersonalTokenDto.of(token), username: user.username, secret };
  }

  /** Revokes one of your tokens (an admin: anyone's). */
  async revoke(actor: AuthenticatedUser, id: number): Promise<PersonalTokenDto> {
    const token = await this.access.findPersonalToken(id);
    if (!token || (token.userId !== actor.id && actor.role !== 'admin')) throw new NotFoundException(`personal token ${id} does not exist`);
    const revoked = await this.access.revokePersonalToken(id);
    if (!revoked) throw new NotFoundException(`personal token ${id} does not exist`);
    this.audit.record({ action: 'token.revoke', detail: { tokenId: id, name: token.name, userId: token.userId } });
    return PersonalTokenDto.of(revoked);
  }
}
