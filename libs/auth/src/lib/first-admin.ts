import type { UserStore } from '@refity/metadata';
import { hashPassword } from './password-hasher';
import { passwordProblems } from './password-policy';

export const FIRST_ADMIN_USERNAME = 'admin';

/**
 * Creates the account `admin` with `password` (ADMIN_PASSWORD, default `admin`) when there is no
 * account at all; a weak password must be changed at first login. Both apps call it at start, so
 * whichever starts first seeds the database (the create is a no-op once any account exists).
 * Returns null when accounts existed already.
 */
export async function ensureFirstAdmin(users: UserStore, password: string): Promise<{ weak: boolean } | null> {
  if ((await users.count()) > 0) return null;
  const weak = passwordProblems(password, FIRST_ADMIN_USERNAME).length > 0;
  const passwordHash = await hashPassword(password);
  try {
    return (await users.createFirstAdmin({ username: FIRST_ADMIN_USERNAME, passwordHash, mustChangePassword: weak })) ? { weak } : null;
  } catch (error) {
    // The other app, started at the same moment, seeded it first (SQLite busy / unique name).
    if ((await users.count()) > 0) return null;
    throw error;
  }
}

export function firstAdminMessage(weak: boolean): string {
  return (
    `created the first account "${FIRST_ADMIN_USERNAME}"` +
    (weak ? ' with a weak password (ADMIN_PASSWORD or the default "admin"): it must be changed at first login' : ' with ADMIN_PASSWORD')
  );
}
