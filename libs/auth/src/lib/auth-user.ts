import type { UserRole } from '@refity/metadata';

/** What a verified token stands for, attached to the request by the JWT strategy. */
export interface AuthenticatedUser {
  id: number;
  username: string;
  role: UserRole;
  mustChangePassword: boolean;
}

/** The claims of an admin API token. `ver` is the account's token version when it was issued. */
export interface AuthTokenClaims {
  sub: string;
  username: string;
  role: UserRole;
  ver: number;
}

export interface AuthSettings {
  jwtSecret: string;
  jwtExpiresInSeconds: number;
}

/** Injection token for AuthSettings. */
export const AUTH_SETTINGS = Symbol('AUTH_SETTINGS');

export const JWT_ISSUER = 'refity-admin';
