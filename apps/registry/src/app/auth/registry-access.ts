import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  AccessPolicy,
  ANONYMOUS,
  LoginLimiter,
  RegistryCredentials,
  RegistryPrincipal,
  RegistryTokenError,
  RegistryTokenService,
  RepositoryAction,
  tokenActions,
  VerifiedRegistryToken,
} from '@refity/auth';
import { RefityConfig } from '@refity/config';
import { AccessStore } from '@refity/metadata';
import { OciError } from '@refity/registry-core';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { CONFIG } from '../tokens';
import { RegistryAudit } from './registry-audit';

/** Who is calling and what they hold: a verified bearer token, or (Basic) the account's policy. */
export interface AccessContext {
  principal: RegistryPrincipal;
  token?: VerifiedRegistryToken;
  policy?: AccessPolicy;
}

/** What a route needs: any valid token (`/v2/`), the catalog scope, or an action on a repository. */
export type AccessNeed = { kind: 'login' } | { kind: 'catalog' } | { kind: 'repository'; name: string; action: RepositoryAction };

/** pull for GET/HEAD, push for POST/PATCH/PUT (and an upload's GET/DELETE), delete for DELETE. */
export function accessNeeded(route: string, method: string, params: string[]): AccessNeed {
  const name = params[0];
  switch (route) {
    case 'catalog':
      return { kind: 'catalog' };
    case 'tags':
    case 'referrers':
      return { kind: 'repository', name, action: 'pull' };
    case 'uploads':
    case 'upload':
      return { kind: 'repository', name, action: 'push' };
    case 'manifests':
    case 'blobs':
      if (method === 'DELETE') return { kind: 'repository', name, action: 'delete' };
      return { kind: 'repository', name, action: method === 'GET' || method === 'HEAD' ? 'pull' : 'push' };
    default:
      return { kind: 'login' };
  }
}

/** The scope a client must ask for: push needs pull too (clients check blobs before uploading). */
function challengeScope(need: AccessNeed): string | undefined {
  if (need.kind === 'catalog') return 'registry:catalog:*';
  if (need.kind === 'login') return undefined;
  return `repository:${need.name}:${need.action === 'push' ? 'pull,push' : need.action}`;
}

interface Cached<T> {
  value: T;
  until: number;
}

/** Re-checks of an account behind a token (revocation), and its grants, are cached this long. */
const RECHECK_MS = 5_000;
/** A verified Basic credential (argon2 is slow on purpose) is remembered this long. */
const BASIC_CACHE_MS = 60_000;
/** Robot / personal token `lastUsedAt` is written at most this often. */
const TOUCH_EVERY_MS = 60_000;
const MAX_CACHED = 10_000;

function remember<K, T>(cache: Map<K, Cached<T>>, key: K, value: T, ttl: number): T {
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(key, { value, until: Date.now() + ttl });
  return value;
}

function recall<K, T>(cache: Map<K, Cached<T>>, key: K): T | undefined {
  const hit = cache.get(key);
  if (!hit) return undefined;
  if (hit.until > Date.now()) return hit.value;
  cache.delete(key);
  return undefined;
}

function principalKey(principal: RegistryPrincipal): string {
  return `${principal.kind}:${principal.id}:${principal.tokenVersion ?? ''}:${principal.personalTokenId ?? ''}`;
}

/**
 * Docker token authentication for /v2: checks the bearer token (signature, expiry, audience,
 * issuer), that its account still stands (cached 5 s), and that it grants the route's action.
 * Also accepts HTTP Basic credentials directly (cached 60 s after argon2). Answers 401
 * UNAUTHORIZED with the WWW-Authenticate challenge a client needs, 403 DENIED when the account
 * may not do it at all, and 429 TOOMANYREQUESTS after too many failed logins.
 */
@Injectable()
export class RegistryAccess {
  private readonly logger = new Logger('RegistryAuth');
  private readonly accounts = new Map<string, Cached<RegistryPrincipal | OciError>>();
  private readonly policies = new Map<string, Cached<AccessPolicy>>();
  private readonly basics = new Map<string, Cached<RegistryPrincipal>>();
  /** Verified bearer tokens until they expire: a push sends the same token with every chunk. */
  private readonly verified = new Map<string, VerifiedRegistryToken>();
  private readonly touched = new Map<string, number>();
  readonly enabled: boolean;

  constructor(
    @Inject(CONFIG) private readonly config: RefityConfig,
    private readonly tokens: RegistryTokenService,
    private readonly credentials: RegistryCredentials,
    private readonly limiter: LoginLimiter,
    private readonly access: AccessStore,
    private readonly audit: RegistryAudit,
  ) {
    this.enabled = config.registryAuth.enabled;
  }

  /** Authenticates and authorizes one /v2 request, or throws the OciError to answer. */
  async authorize(request: Request, response: Response, need: AccessNeed): Promise<AccessContext> {
    if (!this.enabled) return { principal: ANONYMOUS };
    const header = request.headers.authorization ?? '';
    const space = header.indexOf(' ');
    const scheme = space < 0 ? header : header.slice(0, space);
    const value = space < 0 ? '' : header.slice(space + 1).trim();
    let context: AccessContext;
    if (/^bearer$/i.test(scheme) && value) context = await this.fromBearer(request, response, need, value);
    else if (/^basic$/i.test(scheme) && value) context = await this.fromBasic(request, response, need, value);
    else throw this.challenge(request, response, need, 'authentication required');
    await this.check(request, response, need, context);
    return context;
  }

  /** Whether the caller may pull `name` (a cross-repository mount source). */
  async canPull(context: AccessContext, name: string): Promise<boolean> {
    if (!this.enabled) return true;
    if (context.token) {
      const granted = tokenActions(context.token.access, 'repository', name);
      if (granted.has('pull') || granted.has('*')) return true;
    }
    return (context.policy ?? (await this.policyFor(context.principal))).allows(name, 'pull');
  }

  /** `_catalog` lists only what the caller may pull. */
  async catalogFilter(context: AccessContext): Promise<(name: string) => boolean> {
    if (!this.enabled) return () => true;
    const policy = context.policy ?? (await this.policyFor(context.principal));
    return policy.admin ? () => true : (name) => policy.allows(name, 'pull');
  }

  /**
   * Checks a username and secret (token endpoint, Basic on /v2): the brute-force limit first,
   * then the credential (a verified one is cached). Failed guesses count against the account
   * and the client address and are audited. `fresh` (the token endpoint) always checks the secret
   * against its hash, so a revoked, disabled or rotated credential gets no new token at all; Basic
   * on /v2 reuses a verified credential for up to a minute (its account is still re-checked every 5 s).
   */
  async login(request: Request, username: string, secret: string, via: string, fresh = false): Promise<RegistryPrincipal> {
    const address = request.ip ?? '';
    const verdict = this.limiter.check(username, address);
    if (verdict.limited) {
      request.res?.setHeader('Retry-After', String(verdict.retryAfterSeconds));
      throw new OciError(
        429,
        'TOOMANYREQUESTS',
        `too many failed logins ${verdict.by === 'account' ? 'for this account' : 'from this address'}; retry in ${verdict.retryAfterSeconds} s`,
        { retryAfterSeconds: verdict.retryAfterSeconds },
      );
    }
    const key = createHash('sha256').update(username).update('\u0000').update(secret).digest('base64');
    const cached = fresh ? undefined : recall(this.basics, key);
    if (cached) return this.current(cached);
    const checked = await this.credentials.verify(username, secret);
    if (!checked.ok) {
      if (checked.guess) this.limiter.fail(username, address);
      this.audit.loginFailed(request, username, { via, problem: checked.problem });
      throw new OciError(401, 'UNAUTHORIZED', checked.message, { username });
    }
    this.touch(checked.principal);
    remember(this.accounts, principalKey(checked.principal), checked.principal, RECHECK_MS);
    return remember(this.basics, key, checked.principal, BASIC_CACHE_MS);
  }

  /** The account behind a token or cached credential as it is now (cached 5 s); throws 401 once revoked. */
  async current(principal: RegistryPrincipal): Promise<RegistryPrincipal> {
    if (principal.kind === 'anonymous') return principal;
    const key = principalKey(principal);
    let state = recall(this.accounts, key);
    if (state === undefined) {
      const checked = await this.credentials.revalidate(principal);
      state = remember(this.accounts, key, checked.ok ? checked.principal : new OciError(401, 'UNAUTHORIZED', checked.message), RECHECK_MS);
    }
    if (state instanceof OciError) throw state;
    return state;
  }

  /** Like current(), but read now (token endpoint: a revoked account gets no new token, not even for 5 s). */
  async currentNow(principal: RegistryPrincipal): Promise<RegistryPrincipal> {
    this.accounts.delete(principalKey(principal));
    return this.current(principal);
  }

  /** What the account may do (grants and public groups, cached 5 s). */
  async policyFor(principal: RegistryPrincipal): Promise<AccessPolicy> {
    const key = `${principal.kind}:${principal.id}:${principal.admin}`;
    return recall(this.policies, key) ?? remember(this.policies, key, await this.credentials.policyFor(principal), RECHECK_MS);
  }

  /** Fresh policy, refreshing the cache: the token endpoint hands out what the grants say now. */
  async freshPolicyFor(principal: RegistryPrincipal): Promise<AccessPolicy> {
    return remember(this.policies, `${principal.kind}:${principal.id}:${principal.admin}`, await this.credentials.policyFor(principal), RECHECK_MS);
  }

  /** `<REGISTRY_PUBLIC_URL>/v2/token`, or the URL the client used to reach us. */
  realm(request: Request): string {
    const base = this.config.registryAuth.publicUrl ?? `${request.protocol}://${request.get('host') ?? `localhost:${this.config.env.PORT}`}`;
    return `${base}/v2/token`;
  }

  /** A 401 with the Bearer challenge for what the request needs. */
  challenge(request: Request, response: Response, need: AccessNeed, message: string, error?: 'invalid_token' | 'insufficient_scope'): OciError {
    const scope = challengeScope(need);
    const parts = [`realm="${this.realm(request)}"`, `service="${this.config.registryAuth.service}"`];
    if (scope) parts.push(`scope="${scope}"`);
    if (error) parts.push(`error="${error}"`);
    response.setHeader('WWW-Authenticate', `Bearer ${parts.join(',')}`);
    const detail = need.kind === 'repository' ? [{ Type: 'repository', Name: need.name, Action: need.action }] : undefined;
    return new OciError(401, 'UNAUTHORIZED', message, detail);
  }

  private async fromBearer(request: Request, response: Response, need: AccessNeed, value: string): Promise<AccessContext> {
    let token = this.verified.get(value);
    if (token && token.expiresAt * 1000 <= Date.now()) {
      this.verified.delete(value);
      token = undefined;
    }
    try {
      if (!token) {
        token = this.tokens.verifyAccess(value);
        if (this.verified.size >= MAX_CACHED) this.verified.clear();
        this.verified.set(value, token);
      }
    } catch (error) {
      if (!(error instanceof RegistryTokenError)) throw error;
      throw this.challenge(request, response, need, error.reason === 'expired' ? 'token expired; log in again' : 'invalid token', 'invalid_token');
    }
    try {
      return { principal: await this.current(token.principal), token };
    } catch (error) {
      if (error instanceof OciError) throw this.challenge(request, response, need, error.message, 'invalid_token');
      throw error;
    }
  }

  private async fromBasic(request: Request, response: Response, need: AccessNeed, value: string): Promise<AccessContext> {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw this.challenge(request, response, need, 'malformed Basic credentials');
    let principal: RegistryPrincipal;
    try {
      principal = await this.login(request, decoded.slice(0, colon), decoded.slice(colon + 1), 'basic');
    } catch (error) {
      if (error instanceof OciError && error.status === 401) throw this.challenge(request, response, need, error.message);
      throw error;
    }
    return { principal, policy: await this.policyFor(principal) };
  }

  private async check(request: Request, response: Response, need: AccessNeed, context: AccessContext): Promise<void> {
    if (need.kind === 'login') return;
    if (context.token) {
      const granted = need.kind === 'catalog' ? tokenActions(context.token.access, 'registry', 'catalog') : tokenActions(context.token.access, 'repository', need.name);
      if (granted.has('*') || (need.kind === 'repository' && granted.has(need.action))) return;
    } else if (context.policy && (need.kind === 'catalog' || context.policy.allows(need.name, need.action))) {
      return;
    }
    // Not granted: could the account get it with another token, or is it not allowed at all?
    const policy = context.policy ?? (await this.policyFor(context.principal));
    if (need.kind === 'catalog' || policy.allows(need.name, need.action)) {
      throw this.challenge(request, response, need, 'the token does not grant this; ask the token endpoint for the scope in WWW-Authenticate', 'insufficient_scope');
    }
    if (context.principal.kind === 'anonymous') {
      throw this.challenge(request, response, need, `authentication required to ${need.action} ${need.name}`, 'insufficient_scope');
    }
    const allowed = policy.actions(need.name);
    const who = context.principal.name ?? 'this account';
    const reason = allowed.length === 0 ? `${who} has no access to ${need.name}` : `${who} may only ${allowed.join(', ')} ${need.name}`;
    throw new OciError(403, 'DENIED', `requested access to the resource is denied: ${reason}`, { name: need.name, action: need.action, allowed });
  }

  /** Records when a robot or personal token was last used (at most once a minute each). */
  private touch(principal: RegistryPrincipal): void {
    const target = principal.kind === 'robot' ? `robot:${principal.id}` : principal.personalTokenId !== undefined ? `pat:${principal.personalTokenId}` : null;
    if (!target) return;
    const now = Date.now();
    if ((this.touched.get(target) ?? 0) + TOUCH_EVERY_MS > now) return;
    if (this.touched.size >= MAX_CACHED) this.touched.clear();
    this.touched.set(target, now);
    const write = principal.kind === 'robot' ? this.access.touchRobot(principal.id as number) : this.access.touchPersonalToken(principal.personalTokenId as number);
    write.catch((error) => this.logger.warn(`could not record last use of ${target}: ${(error as Error).message}`));
  }
}
