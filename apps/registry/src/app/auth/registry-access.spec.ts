import { hashPassword, LoginLimiter, RegistryCredentials, RegistryTokenService, registryTokenKeys } from '@refity/auth';
import { loadConfig } from '@refity/config';
import { AccessStore, AuditStore, MetadataStore, openMetadataDatabase, UserStore } from '@refity/metadata';
import { OciError } from '@refity/registry-core';
import type { Request, Response } from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessNeeded, RegistryAccess } from './registry-access';
import { RegistryAudit } from './registry-audit';

describe('accessNeeded', () => {
  it('maps routes and methods to pull, push or delete', () => {
    const need = (route: string, method: string) => accessNeeded(route, method, ['team/app', 'x']);
    expect(need('base', 'GET')).toEqual({ kind: 'login' });
    expect(need('catalog', 'GET')).toEqual({ kind: 'catalog' });
    for (const [route, method, action] of [
      ['tags', 'GET', 'pull'],
      ['referrers', 'GET', 'pull'],
      ['manifests', 'GET', 'pull'],
      ['manifests', 'HEAD', 'pull'],
      ['blobs', 'HEAD', 'pull'],
      ['manifests', 'PUT', 'push'],
      ['uploads', 'POST', 'push'],
      ['upload', 'PATCH', 'push'],
      ['upload', 'PUT', 'push'],
      ['upload', 'GET', 'push'],
      ['upload', 'DELETE', 'push'],
      ['manifests', 'DELETE', 'delete'],
      ['blobs', 'DELETE', 'delete'],
    ]) {
      expect([route, method, need(route, method)]).toEqual([route, method, { kind: 'repository', name: 'team/app', action }]);
    }
  });
});

describe('RegistryAccess (real SQLite, real tokens)', () => {
  let dir: string;
  let metadata: MetadataStore;
  let access: RegistryAccess;
  let tokens: RegistryTokenService;
  let users: UserStore;
  const headers: Record<string, string> = {};
  const response = { setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value) } as unknown as Response;
  const request = (authorization?: string) =>
    ({ headers: authorization ? { authorization } : {}, ip: '127.0.0.1', protocol: 'http', get: () => 'registry.test', socket: {} }) as unknown as Request;
  const refusal = async (promise: Promise<unknown>): Promise<OciError> => {
    try {
      await promise;
    } catch (error) {
      if (error instanceof OciError) return error;
      throw error;
    }
    throw new Error('authorized');
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'refity-registry-access-'));
    const config = loadConfig({ DATA_DIR: dir, JWT_SECRET: 'k'.repeat(40), REGISTRY_SERVICE: 'unit' });
    metadata = new MetadataStore(await openMetadataDatabase({ type: 'sqlite', path: join(dir, 'meta.sqlite') }));
    users = new UserStore(metadata);
    const store = new AccessStore(metadata);
    const alice = await users.create({ username: 'alice', passwordHash: await hashPassword('copper-kettle-19'), role: 'user', mustChangePassword: false });
    await store.setGrant({ userId: alice?.id as number }, { scope: 'group', pattern: 'team', action: 'pull' }, null);
    tokens = new RegistryTokenService(registryTokenKeys(config), { service: 'unit', tokenTtlSeconds: 300, refreshTokenTtlSeconds: 600 });
    const audit = new RegistryAudit(new AuditStore(metadata), config);
    access = new RegistryAccess(config, tokens, new RegistryCredentials(users, store), new LoginLimiter(config.loginLimits), store, audit);
  });

  afterAll(async () => {
    await metadata.dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const aliceToken = async (actions: string[]) => {
    const user = await users.findByUsername('alice');
    return tokens.issueAccess({ kind: 'user', id: user?.id as number, name: 'alice', admin: false, tokenVersion: user?.tokenVersion }, [{ type: 'repository', name: 'team/app', actions }]).token;
  };

  it('challenges a request without credentials with the needed scope', async () => {
    const error = await refusal(access.authorize(request(), response, { kind: 'repository', name: 'team/app', action: 'push' }));
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(headers['www-authenticate']).toBe('Bearer realm="http://registry.test/v2/token",service="unit",scope="repository:team/app:pull,push"');
  });

  it('authorizes what the token grants, and tells insufficient scope from denied', async () => {
    const token = await aliceToken(['pull']);
    const context = await access.authorize(request(`Bearer ${token}`), response, { kind: 'repository', name: 'team/app', action: 'pull' });
    expect(context.principal).toMatchObject({ kind: 'user', name: 'alice' });
    // team/other: alice could pull it with another token -> 401 insufficient_scope.
    const other = await refusal(access.authorize(request(`Bearer ${token}`), response, { kind: 'repository', name: 'team/other', action: 'pull' }));
    expect(other.status).toBe(401);
    expect(headers['www-authenticate']).toContain('error="insufficient_scope"');
    // push: alice may never push -> 403 DENIED.
    const denied = await refusal(access.authorize(request(`Bearer ${token}`), response, { kind: 'repository', name: 'team/app', action: 'push' }));
    expect(denied).toMatchObject({ status: 403, code: 'DENIED', message: 'requested access to the resource is denied: alice may only pull team/app' });
  });

  it('keeps refusing a revoked account after its token was verified and cached', async () => {
    const token = await aliceToken(['pull']);
    const need = { kind: 'repository', name: 'team/app', action: 'pull' } as const;
    await access.authorize(request(`Bearer ${token}`), response, need);
    const alice = await users.findByUsername('alice');
    await users.revokeTokens(alice?.id as number);
    // The account check is cached for 5 s: read it now, as the token endpoint does.
    await refusal(access.currentNow({ kind: 'user', id: alice?.id as number, name: 'alice', admin: false, tokenVersion: alice?.tokenVersion }));
    const error = await refusal(access.authorize(request(`Bearer ${token}`), response, need));
    expect(error).toMatchObject({ status: 401, message: 'credentials revoked (logout, password or role change); log in again' });
  });

  it('accepts Basic credentials and counts failures toward the limit', async () => {
    const basic = (password: string) => `Basic ${Buffer.from(`alice:${password}`).toString('base64')}`;
    const context = await access.authorize(request(basic('copper-kettle-19')), response, { kind: 'repository', name: 'team/app', action: 'pull' });
    expect(context.policy?.actions('team/app')).toEqual(['pull']);
    expect((await refusal(access.authorize(request(basic('wrong')), response, { kind: 'login' }))).status).toBe(401);
  });
});
