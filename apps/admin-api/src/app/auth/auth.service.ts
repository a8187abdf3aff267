import { BadRequestException, Inject, Injectable, Logger, OnApplicationBootstrap, UnauthorizedException } from '@nestjs/common';
import { AuthenticatedUser, hashPassword, passwordProblems, TokenService, verifyPassword } from '@refity/auth';
import { RefityConfig } from '@refity/config';
import { UserEntity, UserStore } from '@refity/metadata';
import { CONFIG } from '../core/tokens';
import { UserDto } from '../users/user.dto';
import { LoginResponseDto } from './auth.dto';

export const FIRST_ADMIN_USERNAME = 'admin';

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');
  /** Verified against when the username is unknown, so both failures take the same time. */
  private readonly decoyHash = hashPassword('refity-decoy-password');

  constructor(
    private readonly users: UserStore,
    private readonly tokens: TokenService,
    @Inject(CONFIG) private readonly config: RefityConfig,
  ) {}

  /** On first start, creates `admin` with ADMIN_PASSWORD (default `admin`, which must be changed). */
  async onApplicationBootstrap(): Promise<void> {
    const password = this.config.env.ADMIN_PASSWORD;
    const weak = passwordProblems(password, FIRST_ADMIN_USERNAME).length > 0;
    const created = await this.users.createFirstAdmin({ username: FIRST_ADMIN_USERNAME, passwordHash: await hashPassword(password), mustChangePassword: weak });
    if (created) {
      this.logger.warn(
        `created the first account "${FIRST_ADMIN_USERNAME}"` +
          (weak ? ' with a weak password (ADMIN_PASSWORD or the default "admin"): it must be changed at first login' : ' with ADMIN_PASSWORD'),
      );
    }
  }

  async login(username: string, password: string): Promise<LoginResponseDto> {
    const user = await this.users.findByUsername(username);
    const passwordMatches = await verifyPassword(user?.passwordHash ?? (await this.decoyHash), password);
    if (!user || !passwordMatches) throw new UnauthorizedException('wrong username or password');
    if (user.disabled) throw new UnauthorizedException('this account is disabled; ask an admin');
    await this.users.recordLogin(user.id);
    return this.session(user);
  }

  async logout(user: AuthenticatedUser): Promise<void> {
    await this.users.revokeTokens(user.id);
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
