import { BadRequestException, Inject, Injectable, Logger, OnApplicationBootstrap, UnauthorizedException } from '@nestjs/common';
import { AuthenticatedUser, ensureFirstAdmin, firstAdminMessage, hashPassword, passwordProblems, TokenService, verifyPassword } from '@refity/auth';
import { RefityConfig } from '@refity/config';
import { UserEntity, UserStore } from '@refity/metadata';
import { AdminAudit } from '../core/admin-audit';
import { CONFIG } from '../core/tokens';
import { UserDto } from '../users/user.dto';
import { LoginResponseDto } from './auth.dto';

export { FIRST_ADMIN_USERNAME } from '@refity/auth';

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');
  /** Verified against when the username is unknown, so both failures take the same time. */
  private readonly decoyHash = hashPassword('refity-decoy-password');

  constructor(
    private readonly users: UserStore,
    private readonly tokens: TokenService,
    @Inject(CONFIG) private readonly config: RefityConfig,
    private readonly audit: AdminAudit,
  ) {}

  /** On first start, creates `admin` with ADMIN_PASSWORD (default `admin`, which must be changed). */
  async onApplicationBootstrap(): Promise<void> {
    const seeded = await ensureFirstAdmin(this.users, this.config.env.ADMIN_PASSWORD);
    if (seeded) this.logger.warn(firstAdminMessage(seeded.weak));
  }

  async login(username: string, password: string): Promise<LoginResponseDto> {
    const user = await this.users.findByUsername(username);
    const passwordMatches = await verifyPassword(user?.passwordHash ?? (await this.decoyHash), password);
    if (!user || !passwordMatches || user.disabled) {
      this.audit.record({ action: 'login.failed', actor: username, detail: { via: 'admin-api', problem: !user ? 'unknown' : !passwordMatches ? 'wrong-secret' : 'disabled' } });
      throw new UnauthorizedException(user && passwordMatches ? 'this account is disabled; ask an admin' : 'wrong username or password');
    }
    await this.users.recordLogin(user.id);
    this.audit.record({ action: 'login.ok', actor: user.username, detail: { via: 'admin-api' } });
    return this.session(user);
  }

  async logout(user: AuthenticatedUser): Promise<void> {
    await this.users.revokeTokens(user.id);
    this.audit.record({ action: 'logout' });
  }

  async me(user: AuthenticatedUser): Promise<UserDto> {
    return UserDto.of(await this.account(user.id));
  }

  /** Changes the password, revokes every earlier token and answers with a fresh one. */
  async changePassword(user: AuthenticatedUser, currentPassword: string, newPassword: string): Promise<LoginResponseDto> {
    const account = await this.account(user.id);
    if (!(await verifyPassword(account.passwordHash, currentPassword))) throw new BadRequestException('currentPassword is wrong');
    if (newPassword === currentPassword) throw new BadRequestException('newPassword must differ from the current password');
    const problems = passwordProblems(newPassword, account.username);
    if (problems.length > 0) throw new BadRequestException(problems.map((problem) => `newPassword ${problem}`));
    const updated = await this.users.update(account.id, { passwordHash: await hashPassword(newPassword), mustChangePassword: false });
    this.audit.record({ action: 'user.password-change', detail: { userId: account.id, username: account.username } });
    return this.session(updated ?? account);
  }

  private session(user: UserEntity): LoginResponseDto {
    const issued = this.tokens.issue(user);
    return { token: issued.token, expiresAt: issued.expiresAt.toISOString(), user: UserDto.of(user) };
  }

  private async account(id: number): Promise<UserEntity> {
    const user = await this.users.findById(id);
    if (!user) throw new UnauthorizedException('account no longer exists');
    return user;
  }
}
