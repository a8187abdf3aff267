import { JwtService } from '@nestjs/jwt';
import type { RefityConfig } from '@refity/config';
import { createPrivateKey, createPublicKey, createSecretKey, hkdfSync, KeyObject, randomUUID } from 'node:crypto';
import type { ResourceScope } from './scope';

export const REGISTRY_TOKEN_ISSUER = 'refity-registry';

export type RegistryTokenAlgorithm = 'HS256' | 'RS256' | 'ES256';

export interface RegistryTokenKeys {
  algorithm: RegistryTokenAlgorithm;
  signingKey: KeyObject;
  verifyKey: KeyObject;
  /** Where the key came from, for the start-up log. */
  source: 'REGISTRY_TOKEN_KEY' | 'JWT_SECRET' | 'random';
}

/**
 * The registry's token key: REGISTRY_TOKEN_KEY (a PEM private key → RS256/ES256, or a secret →
 * HS256), else HS256 with a key derived from JWT_SECRET by HKDF, so an admin API token (signed
 * with JWT_SECRET itself) can never pass as a registry token, nor the other way round.
 */
export function registryTokenKeys(config: Pick<RefityConfig, 'registryAuth' | 'admin'>): RegistryTokenKeys {
  const file = config.registryAuth.tokenKey;
  if (file) {
    const text = file.contents.toString('utf8').trim();
    if (text.startsWith('-----BEGIN')) {
      const signingKey = createPrivateKey(text);
      return {
        algorithm: signingKey.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256',
        signingKey,
        verifyKey: createPublicKey(signingKey),
        source: 'REGISTRY_TOKEN_KEY',
      };
    }
    const secret = createSecretKey(Buffer.from(text, 'utf8'));
    return { algorithm: 'HS256', signingKey: secret, verifyKey: secret, source: 'REGISTRY_TOKEN_KEY' };
  }
  const derived = createSecretKey(Buffer.from(hkdfSync('sha256', config.admin.jwtSecret, 'refity', 'registry token signing key', 32)));
  return { algorithm: 'HS256', signingKey: derived, verifyKey: derived, source: config.admin.jwtSecretGenerated ? 'random' : 'JWT_SECRET' };
}

export type PrincipalKind = 'user' | 'robot' | 'anonymous';

/** Who a token or credential stands for. */
export interface RegistryPrincipal {
  kind: PrincipalKind;
  /** User or robot id; null for anonymous. */
  id: number | null;
  /** Username, `robot$<name>`, or null for anonymous. */
  name: string | null;
  admin: boolean;
  /** A user's token version when authenticated (bumped by logout, password, role or disable changes). */
  tokenVersion?: number;
  /** Set when a user authenticated with a personal access token rather than the password. */
  personalTokenId?: number;
}

export const ANONYMOUS: RegistryPrincipal = { kind: 'anonymous', id: null, name: null, admin: false };

/** One entry of a token's `access` claim. */
export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

/** Refity's private claim: enough to re-check the account without trusting the token for it. */
interface PrincipalClaim {
  k: PrincipalKind;
  id?: number;
  v?: number;
  pat?: number;
  adm?: boolean;
}

interface RegistryTokenPayload {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: AccessEntry[];
  rfy: PrincipalClaim;
  /** Present on refresh tokens only, which carry no access and are refused as bearer tokens. */
  typ?: 'refresh';
}

export interface IssuedRegistryToken {
  token: string;
  expiresIn: number;
  issuedAt: Date;
}

export interface VerifiedRegistryToken {
  principal: RegistryPrincipal;
  access: AccessEntry[];
  expiresAt: number;
  jti: string;
}

/** Why a token was refused: `expired`, or `invalid` (signature, algorithm, audience, issuer, shape). */
export class RegistryTokenError extends Error {
  constructor(
    readonly reason: 'expired' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'RegistryTokenError';
  }
}

export interface RegistryTokenSettings {
  service: string;
  tokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

function principalClaim(principal: RegistryPrincipal): PrincipalClaim {
  const claim: PrincipalClaim = { k: principal.kind };
  if (principal.id !== null) claim.id = principal.id;
  if (principal.tokenVersion !== undefined) claim.v = principal.tokenVersion;
  if (principal.personalTokenId !== undefined) claim.pat = principal.personalTokenId;
  if (principal.admin) claim.adm = true;
  return claim;
}

function principalOf(payload: RegistryTokenPayload): RegistryPrincipal {
  const claim = payload.rfy;
  if (!claim || typeof claim !== 'object' || !['user', 'robot', 'anonymous'].includes(claim.k)) {
    throw new RegistryTokenError('invalid', 'token has no valid principal claim');
  }
  if (claim.k === 'anonymous') return ANONYMOUS;
  if (!Number.isSafeInteger(claim.id)) throw new RegistryTokenError('invalid', 'token principal has no id');
  return {
    kind: claim.k,
    id: claim.id as number,
    name: typeof payload.sub === 'string' ? payload.sub : null,
    admin: claim.adm === true,
    ...(claim.v !== undefined ? { tokenVersion: claim.v } : {}),
    ...(claim.pat !== undefined ? { personalTokenId: claim.pat } : {}),
  };
}

function isAccessList(value: unknown): value is AccessEntry[] {
  return (
    Array.isArray(value) &&
    value.every(
      (entry) =>
        entry && typeof entry === 'object' && typeof entry.type === 'string' && typeof entry.name === 'string' && Array.isArray(entry.actions) && entry.actions.every((action: unknown) => typeof action === 'string'),
    )
  );
}

/**
 * Signs and verifies the registry's bearer tokens (Docker token authentication): `iss`
 * refity-registry, `aud` the service, `sub` the account, `access` the granted scopes. Verification
 * pins the algorithm (no `alg: none`, no HS/RS confusion) and checks signature, expiry, not-before,
 * audience and issuer.
 */
export class RegistryTokenService {
  private readonly jwt = new JwtService({});

  constructor(
    private readonly keys: RegistryTokenKeys,
    private readonly settings: RegistryTokenSettings,
  ) {}

  get algorithm(): RegistryTokenAlgorithm {
    return this.keys.algorithm;
  }

  issueAccess(principal: RegistryPrincipal, access: AccessEntry[], now = new Date()): IssuedRegistryToken {
    return this.sign(principal, access, this.settings.tokenTtlSeconds, now);
  }

  /** A long-lived token that only buys new access tokens (OAuth2 `refresh_token` grant). */
  issueRefresh(principal: RegistryPrincipal, now = new Date()): IssuedRegistryToken {
    return this.sign(principal, [], this.settings.refreshTokenTtlSeconds, now, 'refresh');
  }

  verifyAccess(token: string): VerifiedRegistryToken {
    return this.verify(token, false);
  }

  verifyRefresh(token: string): VerifiedRegistryToken {
    return this.verify(token, true);
  }

  private sign(principal: RegistryPrincipal, access: AccessEntry[], ttl: number, now: Date, typ?: 'refresh'): IssuedRegistryToken {
    const iat = Math.floor(now.getTime() / 1000);
    const payload: RegistryTokenPayload = {
      iss: REGISTRY_TOKEN_ISSUER,
      sub: principal.name ?? '',
      aud: this.settings.service,
      exp: iat + ttl,
      nbf: iat - 1,
      iat,
      jti: randomUUID(),
      access,
      rfy: principalClaim(principal),
      ...(typ ? { typ } : {}),
    };
    const token = this.jwt.sign(payload, { algorithm: this.keys.algorithm, privateKey: this.keys.signingKey });
    return { token, expiresIn: ttl, issuedAt: new Date(iat * 1000) };
  }

  private verify(token: string, refresh: boolean): VerifiedRegistryToken {
    let payload: RegistryTokenPayload;
    try {
      payload = this.jwt.verify<RegistryTokenPayload>(token, {
        algorithms: [this.keys.algorithm],
        publicKey: this.keys.verifyKey as unknown as Buffer,
        audience: this.settings.service,
        issuer: REGISTRY_TOKEN_ISSUER,
        clockTolerance: 5,
      });
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TokenExpiredError') throw new RegistryTokenError('expired', 'token expired');
      throw new RegistryTokenError('invalid', `invalid token: ${(error as Error).message}`);
    }
    if ((payload.typ === 'refresh') !== refresh) {
      throw new RegistryTokenError('invalid', refresh ? 'not a refresh token' : 'a refresh token is not a bearer token; exchange it at the token endpoint');
    }
    if (!isAccessList(payload.access)) throw new RegistryTokenError('invalid', 'token has no valid access claim');
    if (typeof payload.jti !== 'string' || typeof payload.exp !== 'number') throw new RegistryTokenError('invalid', 'token lacks jti or exp');
    return { principal: principalOf(payload), access: payload.access, expiresAt: payload.exp, jti: payload.jti };
  }
}

/** The actions a verified token grants on one resource (`*` means all). */
export function tokenActions(access: readonly AccessEntry[], type: string, name: string): Set<string> {
  const actions = new Set<string>();
  for (const entry of access) if (entry.type === type && entry.name === name) for (const action of entry.actions) actions.add(action);
  return actions;
}

export function accessEntry(scope: ResourceScope, actions: string[]): AccessEntry {
  return { type: scope.type, name: scope.name, actions };
}
