import { loadConfig } from '@refity/config';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANONYMOUS, REGISTRY_TOKEN_ISSUER, RegistryPrincipal, RegistryTokenError, RegistryTokenService, registryTokenKeys, tokenActions } from './registry-token';

const settings = { service: 'refity-test', tokenTtlSeconds: 300, refreshTokenTtlSeconds: 3600 };
const alice: RegistryPrincipal = { kind: 'user', id: 7, name: 'alice', admin: false, tokenVersion: 3, personalTokenId: 11 };
const base64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function keysFor(env: NodeJS.ProcessEnv) {
  return registryTokenKeys(loadConfig(env));
}

function refusal(run: () => unknown): RegistryTokenError {
  try {
    run();
  } catch (error) {
    if (error instanceof RegistryTokenError) return error;
    throw error;
  }
  throw new Error('the token was accepted');
}

describe('registry tokens', () => {
  const secret = 'a'.repeat(20) + 'b'.repeat(20);
  const tokens = new RegistryTokenService(keysFor({ JWT_SECRET: secret }), settings);

  it('carry the docker claims and round-trip the principal and access', () => {
    const issued = tokens.issueAccess(alice, [{ type: 'repository', name: 'myteam/app', actions: ['pull', 'push'] }], new Date('2030-01-01T00:00:00Z'));
    expect(issued.expiresIn).toBe(300);
    const [header, payload] = issued.token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toMatchObject({ iss: REGISTRY_TOKEN_ISSUER, sub: 'alice', aud: 'refity-test', iat: 1893456000, exp: 1893456300, access: [{ type: 'repository', name: 'myteam/app', actions: ['pull', 'push'] }] });
    expect(typeof payload.jti).toBe('string');

    const fresh = tokens.issueAccess(alice, [{ type: 'repository', name: 'myteam/app', actions: ['pull'] }]);
    const verified = tokens.verifyAccess(fresh.token);
    expect(verified.principal).toEqual(alice);
    expect(tokenActions(verified.access, 'repository', 'myteam/app')).toEqual(new Set(['pull']));
    expect(tokenActions(verified.access, 'repository', 'myteam/other')).toEqual(new Set());
    expect(tokens.verifyAccess(tokens.issueAccess(ANONYMOUS, []).token).principal).toEqual(ANONYMOUS);
  });

  it('refuses an expired token', () => {
    const old = tokens.issueAccess(alice, [], new Date(Date.now() - 3600_000));
    expect(refusal(() => tokens.verifyAccess(old.token)).reason).toBe('expired');
  });

  it('refuses a token signed with another key, for another service, or by another issuer', () => {
    const other = new RegistryTokenService(keysFor({ JWT_SECRET: 'c'.repeat(40) }), settings);
    expect(refusal(() => tokens.verifyAccess(other.issueAccess(alice, []).token)).reason).toBe('invalid');
    const otherService = new RegistryTokenService(keysFor({ JWT_SECRET: secret }), { ...settings, service: 'elsewhere' });
    expect(refusal(() => tokens.verifyAccess(otherService.issueAccess(alice, []).token)).message).toContain('audience');

    // Same key, but an issuer other than refity-registry (e.g. hand-made).
    const key = keysFor({ JWT_SECRET: secret }).signingKey.export();
    const header = base64url({ alg: 'HS256', typ: 'JWT' });
    const now = Math.floor(Date.now() / 1000);
    const body = base64url({ iss: 'someone', sub: 'alice', aud: 'refity-test', exp: now + 60, iat: now, jti: 'x', access: [], rfy: { k: 'anonymous' } });
    const signature = createHmac('sha256', key).update(`${header}.${body}`).digest('base64url');
    expect(refusal(() => tokens.verifyAccess(`${header}.${body}.${signature}`)).message).toContain('issuer');
  });

  it('refuses alg none, a tampered payload, and an admin API token', () => {
    const good = tokens.issueAccess(alice, [{ type: 'repository', name: 'team/a', actions: ['pull'] }]).token;
    const [, payload, signature] = good.split('.');
    const none = `${base64url({ alg: 'none', typ: 'JWT' })}.${payload}.`;
    expect(refusal(() => tokens.verifyAccess(none)).reason).toBe('invalid');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.access[0].actions = ['pull', 'push', 'delete'];
    expect(refusal(() => tokens.verifyAccess(`${good.split('.')[0]}.${base64url(claims)}.${signature}`)).reason).toBe('invalid');
    // The admin API signs with JWT_SECRET itself; the registry key is derived from it, so that token fails the signature.
    const header = base64url({ alg: 'HS256', typ: 'JWT' });
    const now = Math.floor(Date.now() / 1000);
    const body = base64url({ iss: REGISTRY_TOKEN_ISSUER, sub: 'alice', aud: 'refity-test', exp: now + 60, iat: now, jti: 'x', access: [], rfy: { k: 'user', id: 7 } });
    const adminSigned = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
    expect(refusal(() => tokens.verifyAccess(`${header}.${body}.${adminSigned}`)).reason).toBe('invalid');
    expect(refusal(() => tokens.verifyAccess('not.a.token')).reason).toBe('invalid');
  });

  it('keeps refresh tokens and bearer tokens apart', () => {
    const refresh = tokens.issueRefresh(alice);
    expect(refresh.expiresIn).toBe(3600);
    expect(tokens.verifyRefresh(refresh.token).principal).toEqual(alice);
    expect(refusal(() => tokens.verifyAccess(refresh.token)).message).toContain('refresh token is not a bearer token');
    expect(refusal(() => tokens.verifyRefresh(tokens.issueAccess(alice, []).token)).message).toContain('not a refresh token');
  });

  it('signs with ES256 or RS256 from a PEM REGISTRY_TOKEN_KEY, and HS256 from a secret file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'refity-token-key-'));
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const ec = write('ec.pem', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    const rsa = write('rsa.pem', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    const hs = write('secret', 'z'.repeat(48));
    for (const [path, algorithm] of [
      [ec, 'ES256'],
      [rsa, 'RS256'],
      [hs, 'HS256'],
    ]) {
      const keys = keysFor({ REGISTRY_TOKEN_KEY: path });
      expect(keys).toMatchObject({ algorithm, source: 'REGISTRY_TOKEN_KEY' });
      const service = new RegistryTokenService(keys, settings);
      const token = service.issueAccess(alice, []).token;
      expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).alg).toBe(algorithm);
      expect(service.verifyAccess(token).principal.name).toBe('alice');
      // Not accepted by the JWT_SECRET-derived key, nor the other way round.
      expect(refusal(() => tokens.verifyAccess(token)).reason).toBe('invalid');
      expect(refusal(() => service.verifyAccess(tokens.issueAccess(alice, []).token)).reason).toBe('invalid');
    }
    // An HS256 token made with the RSA public key as secret (algorithm confusion) is refused.
    const rsaKeys = keysFor({ REGISTRY_TOKEN_KEY: rsa });
    const publicPem = rsaKeys.verifyKey.export({ type: 'spki', format: 'pem' });
    const header = base64url({ alg: 'HS256', typ: 'JWT' });
    const now = Math.floor(Date.now() / 1000);
    const body = base64url({ iss: REGISTRY_TOKEN_ISSUER, sub: 'x', aud: 'refity-test', exp: now + 60, iat: now, jti: 'x', access: [], rfy: { k: 'anonymous' } });
    const confused = `${header}.${body}.${createHmac('sha256', publicPem).update(`${header}.${body}`).digest('base64url')}`;
    expect(refusal(() => new RegistryTokenService(rsaKeys, settings).verifyAccess(confused)).reason).toBe('invalid');
  });

  it('derives the key from JWT_SECRET (stable across processes), or a random one without it', () => {
    expect(keysFor({ JWT_SECRET: secret }).signingKey.export().equals(keysFor({ JWT_SECRET: secret }).signingKey.export())).toBe(true);
    expect(keysFor({ JWT_SECRET: secret }).signingKey.export().equals(Buffer.from(secret))).toBe(false);
    expect(keysFor({}).source).toBe('random');
    expect(keysFor({ JWT_SECRET: secret }).source).toBe('JWT_SECRET');
  });
});
