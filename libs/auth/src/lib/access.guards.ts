import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { UserRole } from '@refity/metadata';
import { ALLOWED_WITH_PENDING_PASSWORD_CHANGE, ALLOWS_QUERY_TOKEN, IS_PUBLIC, REQUIRED_ROLE } from './access.decorators';
import type { AuthenticatedUser } from './auth-user';

function flag(reflector: Reflector, key: string, context: ExecutionContext): boolean {
  return reflector.getAllAndOverride<boolean>(key, [context.getHandler(), context.getClass()]) === true;
}

function requestUser(context: ExecutionContext): AuthenticatedUser | undefined {
  return context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user;
}

/** Every route needs a valid bearer token unless marked @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    if (flag(this.reflector, IS_PUBLIC, context)) return true;
    if (flag(this.reflector, ALLOWS_QUERY_TOKEN, context)) {
      const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; query?: Record<string, unknown> }>();
      const token = request.query?.['access_token'];
      if (!request.headers['authorization'] && typeof token === 'string') request.headers['authorization'] = `Bearer ${token}`;
    }
    return super.canActivate(context);
  }

  override handleRequest<TUser>(error: unknown, user: TUser | false, info: unknown): TUser {
    if (error) throw error;
    if (!user) {
      const reason = info instanceof Error && info.name === 'TokenExpiredError' ? 'token expired; log in again' : 'missing or invalid bearer token; log in at POST /api/auth/login';
      throw new UnauthorizedException(reason);
    }
    return user;
  }
}

/** While an account must change its password, only me / password / logout answer. */
@Injectable()
export class PendingPasswordChangeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const user = requestUser(context);
    if (!user?.mustChangePassword || flag(this.reflector, ALLOWED_WITH_PENDING_PASSWORD_CHANGE, context)) return true;
    throw new ForbiddenException('password change required: PUT /api/auth/password with currentPassword and newPassword first');
  }
}

/** Enforces @RequireRole(). */
@Injectable()
export class RoleGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const role = this.reflector.getAllAndOverride<UserRole | undefined>(REQUIRED_ROLE, [context.getHandler(), context.getClass()]);
    const user = requestUser(context);
    if (!role || !user || user.role === role) return true;
    throw new ForbiddenException(`this needs the ${role} role; you are ${user.username} (${user.role})`);
  }
}
