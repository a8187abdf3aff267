import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { UserStore } from '@refity/metadata';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AUTH_SETTINGS, AuthenticatedUser, AuthSettings, AuthTokenClaims, JWT_ISSUER } from './auth-user';

/**
 * Verifies the bearer token's signature and expiry (passport-jwt), then checks it against the
 * account: a token is revoked once the account's token version moved on (logout, password
 * change, role change, disable) or the account is gone or disabled.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(AUTH_SETTINGS) settings: AuthSettings,
    private readonly users: UserStore,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: settings.jwtSecret,
      algorithms: ['HS256'],
      issuer: JWT_ISSUER,
      ignoreExpiration: false,
    });
  }

  async validate(claims: AuthTokenClaims): Promise<AuthenticatedUser> {
    const user = await this.users.findById(Number(claims.sub));
    if (!user || user.disabled || user.tokenVersion !== claims.ver) {
      throw new UnauthorizedException('token revoked or account disabled; log in again');
    }
    return { id: user.id, username: user.username, role: user.role, mustChangePassword: user.mustChangePassword };
  }
}
