import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { UserEntity } from '@refity/metadata';
import { AUTH_SETTINGS, AuthSettings, AuthTokenClaims, JWT_ISSUER } from './auth-user';

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/** Signs admin API tokens (HS256). Verification and revocation live in the JWT strategy. */
@Injectable()
export class TokenService {
  private readonly jwt: JwtService;

  constructor(@Inject(AUTH_SETTINGS) private readonly settings: AuthSettings) {
    this.jwt = new JwtService({ secret: settings.jwtSecret, signOptions: { algorithm: 'HS256', issuer: JWT_ISSUER } });
  }

  issue(user: Pick<UserEntity, 'id' | 'username' | 'role' | 'tokenVersion'>): IssuedToken {
    const claims: AuthTokenClaims = { sub: String(user.id), username: user.username, role: user.role, ver: user.tokenVersion };
    const token = this.jwt.sign(claims, { expiresIn: this.settings.jwtExpiresInSeconds });
    return { token, expiresAt: new Date(Date.now() + this.settings.jwtExpiresInSeconds * 1000) };
  }
}
