import { AccessStore, PersonalTokenEntity, RobotEntity, UserEntity, UserStore } from '@refity/metadata';
import { randomBytes } from 'node:crypto';
import { hashPassword, verifyPassword } from '../password-hasher';
import { AccessPolicy } from './access-policy';
import { ANONYMOUS, RegistryPrincipal } from './registry-token';

/** Robots log in as `robot$<name>`; `$` cannot occur in usernames, so the two never collide. */
export const ROBOT_PREFIX = 'robot$';
export const ROBOT_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{1,63}$/;

/** `rfy_pat_<16 hex public id>_<43 base64url secret>`: the id finds the row, the secret is checked against its hash. */
export const PERSONAL_TOKEN_PATTERN = /^rfy_pat_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const ROBOT_SECRET_PREFIX = 'rfy_robot_';

export interface GeneratedSecret {
  /** Shown once to the caller. */
  secret: string;
  /** argon2id of what must be presented again. */
  secretHash: string;
}

export async function generateRobotSecret(): Promise<GeneratedSecret> {
  const secret = ROBOT_SECRET_PREFIX + randomBytes(32).toString('base64url');
  return { secret, secretHash: await hashPassword(secret) };
}

export async function generatePersonalToken(): Promise<GeneratedSecret & { publicId: string }> {
  const publicId = randomBytes(8).toString('hex');
  const secretPart = randomBytes(32).toString('base64url');
  return { publicId, secret: `rfy_pat_${publicId}_${secretPart}`, secretHash: await hashPassword(secretPart) };
}

export type CredentialProblem = 'unknown' | 'wrong-secret' | 'disabled' | 'expired' | 'revoked' | 'password-change-required';

export type CredentialCheck =
  | { ok: true; principal: RegistryPrincipal }
  | {
      ok: false;
      problem: CredentialProblem;
      /** For the client: never says whether the account exists. */
      message: string;
      /** True when the secret was not proven (counts against the brute-force limit). */
      guess: boolean;
    };

const WRONG = 'incorrect username or password';

function refuse(problem: CredentialProblem, message = WRONG): CredentialCheck {
  return { ok: false, problem, message, guess: problem === 'unknown' || problem === 'wrong-secret' };
}

function expired(expiresAt: Date | null, now: Date): boolean {
  return expiresAt !== null && expiresAt.getTime() <= now.getTime();
}

function userPrincipal(user: UserEntity, token?: PersonalTokenEntity): RegistryPrincipal {
  return {
    kind: 'user',
    id: user.id,
    name: user.username,
    admin: user.role === 'admin',
    tokenVersion: user.tokenVersion,
    ...(token ? { personalTokenId: token.id } : {}),
  };
}

function robotPrincipal(robot: RobotEntity): RegistryPrincipal {
  return { kind: 'robot', id: robot.id, name: ROBOT_PREFIX + robot.name, admin: false };
}

/**
 * Checks registry credentials (HTTP Basic of the token endpoint or of /v2 itself): a user's
 * password or personal access token, or a robot's secret; re-checks the account behind a token;
 * and loads what an account may do.
 */
export class RegistryCredentials {
  /** Verified when the account is unknown, so both failures take the same time. */
  private readonly decoyHash = hashPassword('refity-registry-decoy');

  constructor(
    private readonly users: UserStore,
    private readonly access: AccessStore,
  ) {}

  async verify(username: string, secret: string, now = new Date()): Promise<CredentialCheck> {
    if (username.startsWith(ROBOT_PREFIX)) return this.verifyRobot(username.slice(ROBOT_PREFIX.length), secret, now);
    const user = await this.users.findByUsername(username.trim().toLowerCase());
    const personal = PERSONAL_TOKEN_PATTERN.exec(secret);
    if (personal) {
      const token = user ? await this.access.findPersonalTokenByPublicId(personal[1]) : null;
      const matches = await verifyPassword(token?.secretHash ?? (await this.decoyHash), personal[2]);
      if (!user || !token || token.userId !== user.id) return refuse('unknown');
      if (!matches) return refuse('wrong-secret');
      if (token.revokedAt) return refuse('revoked', 'this personal access token was revoked');
      if (expired(token.expiresAt, now)) return refuse('expired', 'this personal access token has expired');
      return this.userState(user) ?? { ok: true, principal: userPrincipal(user, token) };
    }
    const matches = await verifyPassword(user?.passwordHash ?? (await this.decoyHash), secret);
    if (!user) return refuse('unknown');
    if (!matches) return refuse('wrong-secret');
    return this.userState(user) ?? { ok: true, principal: userPrincipal(user) };
  }

  /**
   * The account behind a token or a cached credential, as it is now: refused once the user is
   * gone, disabled, changed password / role / logged out (token version), or its personal token
   * or the robot was revoked, disabled or expired.
   */
  async revalidate(principal: RegistryPrincipal, now = new Date()): Promise<CredentialCheck> {
    if (principal.kind === 'anonymous') return { ok: true, principal: ANONYMOUS };
    if (principal.id === null) return refuse('unknown');
    if (principal.kind === 'robot') {
      const robot = await this.access.findRobot(principal.id);
      if (!robot) return refuse('unknown', 'this robot account no longer exists');
      return this.robotState(robot, now) ?? { ok: true, principal: robotPrincipal(robot) };
    }
    const user = await this.users.findById(principal.id);
    if (!user) return refuse('unknown', 'this account no longer exists');
    if (user.tokenVersion !== principal.tokenVersion) return refuse('revoked', 'credentials revoked (logout, password or role change); log in again');
    const state = this.userState(user);
    if (state) return state;
    if (principal.personalTokenId === undefined) return { ok: true, principal: userPrincipal(user) };
    const token = await this.access.findPersonalToken(principal.personalTokenId);
    if (!token || token.userId !== user.id || token.revokedAt) return refuse('revoked', 'this personal access token was revoked');
    if (expired(token.expiresAt, now)) return refuse('expired', 'this personal access token has expired');
    return { ok: true, principal: userPrincipal(user, token) };
  }

  /** What the account may do now (grants and public groups read fresh). */
  async policyFor(principal: RegistryPrincipal): Promise<AccessPolicy> {
    const publicGroups = await this.access.publicGroupNames();
    if (principal.kind === 'anonymous' || principal.id === null) return AccessPolicy.anonymous(publicGroups);
    if (principal.kind === 'user' && principal.admin) return new AccessPolicy(true, [], publicGroups);
    const grants = await this.access.listGrants(principal.kind === 'user' ? { userId: principal.id } : { robotId: principal.id });
    return new AccessPolicy(false, grants, publicGroups);
  }

  private async verifyRobot(name: string, secret: string, now: Date): Promise<CredentialCheck> {
    const robot = ROBOT_NAME_PATTERN.test(name) ? await this.access.findRobotByName(name) : null;
    const matches = await verifyPassword(robot?.secretHash ?? (await this.decoyHash), secret);
    if (!robot) return refuse('unknown');
    if (!matches) return refuse('wrong-secret');
    return this.robotState(robot, now) ?? { ok: true, principal: robotPrincipal(robot) };
  }

  private robotState(robot: RobotEntity, now: Date): CredentialCheck | null {
    if (robot.disabled) return refuse('disabled', `robot account ${ROBOT_PREFIX}${robot.name} is disabled (revoked)`);
    if (expired(robot.expiresAt, now)) return refuse('expired', `robot account ${ROBOT_PREFIX}${robot.name} has expired`);
    return null;
  }

  private userState(user: UserEntity): CredentialCheck | null {
    if (user.disabled) return refuse('disabled', 'this account is disabled; ask an admin');
    if (user.mustChangePassword) {
      return refuse('password-change-required', 'this account must change its password first: log in to the console (or PUT /api/auth/password)');
    }
    return null;
  }
}
