import { SetMetadata } from '@nestjs/common';
import type { UserRole } from '@refity/metadata';

export const IS_PUBLIC = 'refity:isPublic';
export const REQUIRED_ROLE = 'refity:requiredRole';
export const ALLOWED_WITH_PENDING_PASSWORD_CHANGE = 'refity:allowedWithPendingPasswordChange';
export const ALLOWS_QUERY_TOKEN = 'refity:allowsQueryToken';

/** No token needed (login, health). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Only accounts with this role; `admin` routes answer 403 to a `user`. */
export const RequireRole = (role: UserRole) => SetMetadata(REQUIRED_ROLE, role);

/** Reachable while the account must still change its password (me, password, logout). */
export const AllowedWithPendingPasswordChange = () => SetMetadata(ALLOWED_WITH_PENDING_PASSWORD_CHANGE, true);

/**
 * Also accepts the token as `?access_token=` (browsers' EventSource cannot send headers).
 * Only for streams: a token in a URL ends up in logs and history.
 */
export const AllowsQueryToken = () => SetMetadata(ALLOWS_QUERY_TOKEN, true);
