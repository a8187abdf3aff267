/**
 * Docker token authentication of the built registry (auth on, the default), driven over HTTP:
 * challenges per route, the token endpoint (GET with Basic, anonymous, OAuth2 POST with refresh
 * tokens), scoped grants (group, glob, public group), a token for one repository used on another,
 * expired and forged tokens, Basic straight to /v2, the filtered catalog, revocation of issued
 * tokens, the brute-force limit, and the audit log (read through the built admin API).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdminApiHandle, startAdminApi } from './support/admin-api';
import { AuthorizedHttp, basic, fetchToken, jwtParts, parseChallenge, postToken, signHs256, TokenAnswer, unsigned } from './support/auth';
import { expectOciError, RegistryHttp } from './support/http';
import { MediaTypes, sha256 } from './support/oci-image';
import { RegistryHandle, startRegistry } from './support/registry';
import { removeDir, tempDir } from './support/tmp';

const SERVICE = 'refity-e2e';
const TOKEN_KEY = 'e2e-registry-token-key-0123456789abcdef';
const ADMIN_PASSWORD = 'granite-meadow-77';
const PASSWORD = 'copper-kettle-19';

/** Pushes a tiny OCI image (one layer) with whatever authorization `http` carries; returns the manifest digest. */
async function pushImage(http: RegistryHttp, repo: string, tag: string): Promise<string> {
  const layer = Buffer.from(`layer of ${repo}:${tag} ${Date.now()} ${Math.random()}`);
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
  const layerDigest = await http.pushBlob(repo, layer);
  const configDigest = await http.pushBlob(repo, config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    config: { mediaType: MediaTypes.ociConfig, digest: configDigest, size: config.length },
    layers: [{ mediaType: MediaTypes.ociLayerGzip, digest: layerDigest, size: layer.length }],
  });
  const response = await http.putManifest(repo, tag, manifest, MediaTypes.ociManifest);
  if (response.status !== 201) throw new Error(`PUT manifest ${repo}:${tag}: ${response.status} ${response.text()}`);
  return response.headers.get('docker-content-digest') as string;
}

function bearer(registry: RegistryHandle, answer: TokenAnswer): AuthorizedHttp {
  if (answer.status !== 200) throw new Error(`token endpoint answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return new AuthorizedHttp(registry.url, `Bearer ${answer.token}`);
}

describe('registry token authentication', () => {
  let registry: RegistryHandle;
  let admin: AdminApiHandle;
  let keyDir: string;
  const users: Record<string, number> = {};
  let robot: { id: number; secret: string };
  const token = (username: string | undefined, scopes: string[], password = PASSWORD) =>
    fetchToken(registry.url, { service: SERVICE, scopes, username, password: username === 'admin' ? ADMIN_PASSWORD : password });
  const anonymous = () => new RegistryHttp(registry.url);

  beforeAll(async () => {
    keyDir = await tempDir('token-key');
    await writeFile(join(keyDir, 'key'), TOKEN_KEY);
    registry = await startRegistry({
      REGISTRY_SERVICE: SERVICE,
      REGISTRY_TOKEN_KEY: join(keyDir, 'key'),
      ADMIN_PASSWORD,
      JWT_SECRET: 'e2e-jwt-secret-0123456789abcdef0123456789',
      LOGIN_LIMIT_PER_ADDRESS: '1000',
      AUDIT_PULLS: 'all',
    });
    admin = await startAdminApi(registry);
    for (const name of ['team-a', 'team-b', 'public', 'other']) await admin.ok('POST', '/api/groups', { name });
    await admin.ok('PATCH', '/api/groups/public', { isPublic: true });
    for (const username of ['alice', 'bob', 'carol']) {
      users[username] = (await admin.ok('POST', '/api/users', { username, password: PASSWORD, role: 'user', mustChangePassword: false })).id;
    }
    // alice: push on group team-a and on the glob team-b/*; bob: pull on team-a; carol: push on team-a/app only.
    await admin.ok('POST', '/api/permissions', { userId: users['alice'], scope: 'group', pattern: 'team-a', action: 'push' });
    await admin.ok('POST', '/api/permissions', { userId: users['alice'], scope: 'repository', pattern: 'team-b/*', action: 'delete' });
    await admin.ok('POST', '/api/permissions', { userId: users['bob'], scope: 'group', pattern: 'team-a', action: 'pull' });
    await admin.ok('POST', '/api/permissions', { userId: users['carol'], scope: 'repository', pattern: 'team-a/app', action: 'push' });
    const created = await admin.ok('POST', '/api/robots', { name: 'ci', permissions: [{ scope: 'group', pattern: 'team-a', action: 'push' }] });
    robot = { id: created.robot.id, secret: created.secret };
    // Content everyone's tests read.
    const root = bearer(registry, await token('admin', ['repository:team-a/app:pull,push', 'repository:team-b/app:push', 'repository:public/tool:push', 'repository:other/secret:push']));
    await pushImage(root, 'team-a/app', '1.0.0');
    await pushImage(root, 'team-b/app', '1.0.0');
    await pushImage(root, 'public/tool', '1.0.0');
    await pushImage(root, 'other/secret', '1.0.0');
  });

  afterAll(async () => {
    await admin?.stop();
    await registry?.stop();
    await removeDir(keyDir);
  });

  it('answers 401 with a Bearer challenge naming realm, service and the scope the route needs', async () => {
    const realm = `${registry.url}/v2/token`;
    const base = await anonymous().call('GET', '/v2/');
    expectOciError(base, 401, 'UNAUTHORIZED');
    expect(base.headers.get('www-authenticate')).toBe(`Bearer realm="${realm}",service="${SERVICE}"`);
    const cases: Array<[string, string, string]> = [
      ['GET', '/v2/team-a/app/manifests/1.0.0', 'repository:team-a/app:pull'],
      ['HEAD', '/v2/team-a/app/manifests/1.0.0', 'repository:team-a/app:pull'],
      ['GET', '/v2/team-a/app/tags/list', 'repository:team-a/app:pull'],
      ['GET', `/v2/team-a/app/blobs/sha256:${'0'.repeat(64)}`, 'repository:team-a/app:pull'],
      ['GET', `/v2/team-a/app/referrers/sha256:${'0'.repeat(64)}`, 'repository:team-a/app:pull'],
      ['PUT', '/v2/team-a/app/manifests/2.0.0', 'repository:team-a/app:pull,push'],
      ['POST', '/v2/team-a/app/blobs/uploads/', 'repository:team-a/app:pull,push'],
      ['PATCH', '/v2/team-a/app/blobs/uploads/some-id', 'repository:team-a/app:pull,push'],
      ['DELETE', '/v2/team-a/app/manifests/1.0.0', 'repository:team-a/app:delete'],
      ['DELETE', `/v2/team-a/sub/app/blobs/sha256:${'0'.repeat(64)}`, 'repository:team-a/sub/app:delete'],
      ['GET', '/v2/_catalog', 'registry:catalog:*'],
    ];
    for (const [method, path, scope] of cases) {
      const response = await anonymous().call(method, path);
      expect([method, path, response.status]).toEqual([method, path, 401]);
      if (method !== 'HEAD') expectOciError(response, 401, 'UNAUTHORIZED');
      expect(parseChallenge(response.headers.get('www-authenticate'))).toEqual({ scheme: 'Bearer', realm, service: SERVICE, scope });
    }
    // Nothing was changed by the refused requests.
    expect((await bearer(registry, await token('admin', ['repository:team-a/app:pull'])).getManifest('team-a/app', '1.0.0')).status).toBe(200);
  });

  it('issues tokens holding only the granted part of each requested scope', async () => {
    const answer = await token('alice', ['repository:team-a/app:pull,push,delete', 'repository:team-b/x:*', 'repository:other/secret:pull', 'registry:catalog:*']);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ token: answer.token, access_token: answer.token, expires_in: 300, issued_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    const { header, payload } = jwtParts(answer.token);
    expect(header.alg).toBe('HS256');
    expect(payload).toMatchObject({ iss: 'refity-registry', sub: 'alice', aud: SERVICE });
    expect(payload.exp - payload.iat).toBe(300);
    expect(payload.access).toEqual([
      { type: 'repository', name: 'team-a/app', actions: ['pull', 'push'] },
      { type: 'repository', name: 'team-b/x', actions: ['pull', 'push', 'delete'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);

    // Anonymous: public groups only.
    const anon = await fetchToken(registry.url, { service: SERVICE, scopes: ['repository:public/tool:pull,push', 'repository:team-a/app:pull'] });
    expect(anon.status).toBe(200);
    expect(jwtParts(anon.token).payload).toMatchObject({ sub: '', access: [{ type: 'repository', name: 'public/tool', actions: ['pull'] }] });
    // A docker login (no scope) gets a token with no access.
    expect(jwtParts((await token('bob', [])).token).payload.access).toEqual([]);

    const wrong = await token('alice', ['repository:team-a/app:pull'], 'not-her-password');
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors[0]).toMatchObject({ code: 'UNAUTHORIZED', message: 'incorrect username or password' });
    expect((await fetchToken(registry.url, { service: 'someone-else', scopes: [] })).status).toBe(400);
  });

  it('speaks the OAuth2 POST form: password grant with a refresh token, then the refresh grant', async () => {
    const first = await postToken(registry.url, {
      grant_type: 'password',
      username: 'alice',
      password: PASSWORD,
      service: SERVICE,
      client_id: 'containerd-client',
      access_type: 'offline',
      scope: 'repository:team-a/app:pull repository:other/secret:pull',
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ access_token: expect.any(String), expires_in: 300, refresh_token: expect.any(String) });
    expect(jwtParts(first.token).payload.access).toEqual([{ type: 'repository', name: 'team-a/app', actions: ['pull'] }]);

    const refreshed = await postToken(registry.url, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token, service: SERVICE, scope: 'repository:team-a/app:push' });
    expect(refreshed.status).toBe(200);
    expect(jwtParts(refreshed.token).payload).toMatchObject({ sub: 'alice', access: [{ type: 'repository', name: 'team-a/app', actions: ['push'] }] });
    expect(refreshed.body.refresh_token).toBeUndefined();

    // A refresh token is not a bearer token, and garbage is refused.
    expectOciError(await new AuthorizedHttp(registry.url, `Bearer ${first.body.refresh_token}`).call('GET', '/v2/'), 401, 'UNAUTHORIZED');
    expect((await postToken(registry.url, { grant_type: 'refresh_token', refresh_token: 'nonsense', service: SERVICE })).status).toBe(401);
    expect((await postToken(registry.url, { grant_type: 'password', username: 'alice', password: 'wrong', service: SERVICE })).status).toBe(401);
    expect((await postToken(registry.url, { grant_type: 'client_credentials', service: SERVICE })).status).toBe(400);
    const noOffline = await postToken(registry.url, { grant_type: 'password', username: 'bob', password: PASSWORD, service: SERVICE, scope: 'repository:team-a/app:pull' });
    expect(noOffline.body.refresh_token).toBeUndefined();
  });

  it('lets a token push and pull where granted; a pull-only account is denied push with a clear message', async () => {
    const alice = bearer(registry, await token('alice', ['repository:team-a/app:pull,push']));
    const digest = await pushImage(alice, 'team-a/app', '2.0.0');
    const got = await alice.getManifest('team-a/app', '2.0.0');
    expect(got.status).toBe(200);
    expect(got.headers.get('docker-content-digest')).toBe(digest);

    const bob = bearer(registry, await token('bob', ['repository:team-a/app:pull,push']));
    expect(jwtParts((await token('bob', ['repository:team-a/app:pull,push'])).token).payload.access).toEqual([{ type: 'repository', name: 'team-a/app', actions: ['pull'] }]);
    expect((await bob.getManifest('team-a/app', '2.0.0')).status).toBe(200);
    const denied = expectOciError(await bob.call('POST', '/v2/team-a/app/blobs/uploads/'), 403, 'DENIED');
    expect(denied.message).toBe('requested access to the resource is denied: bob may only pull team-a/app');
    expectOciError(await bob.putManifest('team-a/app', 'evil', '{}', MediaTypes.ociManifest), 403, 'DENIED');
    expectOciError(await bob.call('DELETE', `/v2/team-a/app/manifests/${digest}`), 403, 'DENIED');
  });

  it('does not let a token for repository A push to repository B', async () => {
    // alice may push to both, but this token only covers team-a/app: 401 asking for the other scope.
    const forA = bearer(registry, await token('alice', ['repository:team-a/app:pull,push']));
    const other = await forA.call('POST', '/v2/team-b/app/blobs/uploads/');
    expectOciError(other, 401, 'UNAUTHORIZED');
    expect(parseChallenge(other.headers.get('www-authenticate'))).toMatchObject({ scope: 'repository:team-b/app:pull,push', error: 'insufficient_scope' });
    expectOciError(await forA.getManifest('team-b/app', '1.0.0'), 401, 'UNAUTHORIZED');
    // carol may push to team-a/app only: the same move is denied outright.
    const carol = bearer(registry, await token('carol', ['repository:team-a/app:pull,push', 'repository:team-a/other:pull,push']));
    expect(jwtParts((await token('carol', ['repository:team-a/other:push'])).token).payload.access).toEqual([]);
    await pushImage(carol, 'team-a/app', 'carol');
    const elsewhere = expectOciError(await carol.call('POST', '/v2/team-a/other/blobs/uploads/'), 403, 'DENIED');
    expect(elsewhere.message).toContain('carol has no access to team-a/other');
  });

  it('refuses expired and forged tokens: wrong key, alg none, other audience or issuer, tampered access', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = (extra: Record<string, unknown> = {}) => ({
      iss: 'refity-registry',
      sub: 'alice',
      aud: SERVICE,
      iat: now,
      nbf: now - 1,
      exp: now + 300,
      jti: `forged-${Math.random()}`,
      access: [{ type: 'repository', name: 'team-a/app', actions: ['pull', 'push', 'delete'] }],
      rfy: { k: 'user', id: users['alice'], v: 0 },
      ...extra,
    });
    const tryToken = (jwt: string) => new AuthorizedHttp(registry.url, `Bearer ${jwt}`).getManifest('team-a/app', '1.0.0');
    // Control: a token made with the right key and claims is accepted (so the refusals below are about the one change).
    expect((await tryToken(signHs256(claims(), TOKEN_KEY))).status).toBe(200);

    const expired = await tryToken(signHs256(claims({ iat: now - 900, nbf: now - 900, exp: now - 600 }), TOKEN_KEY));
    expect(expectOciError(expired, 401, 'UNAUTHORIZED').message).toBe('token expired; log in again');
    expect(parseChallenge(expired.headers.get('www-authenticate'))).toMatchObject({ error: 'invalid_token', scope: 'repository:team-a/app:pull' });
    for (const [what, jwt] of [
      ['wrong key', signHs256(claims(), 'some-other-key-that-is-long-enough-0123')],
      ['alg none', unsigned(claims())],
      ['other audience', signHs256(claims({ aud: 'another-registry' }), TOKEN_KEY)],
      ['other issuer', signHs256(claims({ iss: 'mallory' }), TOKEN_KEY)],
      ['not yet valid', signHs256(claims({ nbf: now + 600 }), TOKEN_KEY)],
      ['garbage', 'not-a-jwt'],
    ] as const) {
      const response = await tryToken(jwt);
      expect([what, response.status]).toEqual([what, 401]);
    }
    const real = (await token('bob', ['repository:team-a/app:pull'])).token;
    const [head, , signature] = real.split('.');
    const raised = { ...jwtParts(real).payload, access: [{ type: 'repository', name: 'team-a/app', actions: ['pull', 'push'] }] };
    const tampered = new AuthorizedHttp(registry.url, `Bearer ${head}.${Buffer.from(JSON.stringify(raised)).toString('base64url')}.${signature}`);
    expectOciError(await tampered.call('POST', '/v2/team-a/app/blobs/uploads/'), 401, 'UNAUTHORIZED');
  });

  it('accepts Basic credentials straight on /v2 (checked like the token endpoint)', async () => {
    const alice = new AuthorizedHttp(registry.url, basic('alice', PASSWORD));
    expect((await alice.call('GET', '/v2/')).status).toBe(200);
    expect((await alice.call('GET', '/v2/team-a/app/tags/list')).json()).toMatchObject({ name: 'team-a/app' });
    await pushImage(alice, 'team-b/app', 'basic');
    expectOciError(await alice.call('GET', '/v2/other/secret/tags/list'), 403, 'DENIED');
    const wrong = await new AuthorizedHttp(registry.url, basic('alice', 'wrong')).call('GET', '/v2/team-a/app/tags/list');
    expect(expectOciError(wrong, 401, 'UNAUTHORIZED').message).toBe('incorrect username or password');
    expect(parseChallenge(wrong.headers.get('www-authenticate')).scheme).toBe('Bearer');
  });

  it('lists in _catalog only what the caller may pull', async () => {
    const catalog = async (answer: TokenAnswer) => (await bearer(registry, answer).call('GET', '/v2/_catalog')).json<{ repositories: string[] }>().repositories;
    const everything = await catalog(await token('admin', ['registry:catalog:*']));
    expect(everything).toEqual(expect.arrayContaining(['other/secret', 'public/tool', 'team-a/app', 'team-b/app']));
    expect(await catalog(await token('alice', ['registry:catalog:*']))).toEqual(everything.filter((name) => !name.startsWith('other/')));
    expect(await catalog(await token('bob', ['registry:catalog:*']))).toEqual(['public/tool', 'team-a/app']);
    expect(await catalog(await token('carol', ['registry:catalog:*']))).toEqual(['public/tool', 'team-a/app']);
    expect(await catalog(await fetchToken(registry.url, { service: SERVICE, scopes: ['registry:catalog:*'] }))).toEqual(['public/tool']);
    // Pagination walks the filtered list.
    const bob = bearer(registry, await token('bob', ['registry:catalog:*']));
    const first = await bob.call('GET', '/v2/_catalog?n=1');
    expect(first.json()).toEqual({ repositories: ['public/tool'] });
    expect(first.headers.get('link')).toContain('last=public%2Ftool');
    expect((await bob.call('GET', '/v2/_catalog?n=1&last=public%2Ftool')).json()).toEqual({ repositories: ['team-a/app'] });
    // A token without the catalog scope gets the challenge for it.
    const noScope = await bearer(registry, await token('bob', [])).call('GET', '/v2/_catalog');
    expect(parseChallenge(noScope.headers.get('www-authenticate')).scope).toBe('registry:catalog:*');
  });

  it('lets anyone pull from a public group without credentials, but not push', async () => {
    const anon = bearer(registry, await fetchToken(registry.url, { service: SERVICE, scopes: ['repository:public/tool:pull,push'] }));
    expect((await anon.getManifest('public/tool', '1.0.0')).status).toBe(200);
    const push = await anon.call('POST', '/v2/public/tool/blobs/uploads/');
    expect(expectOciError(push, 401, 'UNAUTHORIZED').message).toBe('authentication required to push public/tool');
    expectOciError(await anon.getManifest('team-a/app', '1.0.0'), 401, 'UNAUTHORIZED');
  });

  it('stops honouring tokens already issued to a robot within seconds of its revocation', async () => {
    const answer = await token('robot$ci', ['repository:team-a/app:pull,push'], robot.secret);
    const ci = bearer(registry, answer);
    await pushImage(ci, 'team-a/app', 'ci-1');
    expect((await admin.call('GET', `/api/robots/${robot.id}`)).body.lastUsedAt).not.toBeNull();
    await admin.ok('PATCH', `/api/robots/${robot.id}`, { disabled: true });
    await new Promise((done) => setTimeout(done, 5_500));
    const after = await ci.call('POST', '/v2/team-a/app/blobs/uploads/');
    expect(expectOciError(after, 401, 'UNAUTHORIZED').message).toBe('robot account robot$ci is disabled (revoked)');
    expect((await token('robot$ci', ['repository:team-a/app:pull,push'], robot.secret)).status).toBe(401);
  });

  it('writes logins, tokens, pushes, pulls and deletes to the audit log with actor and client address', async () => {
    const alice = bearer(registry, await token('alice', ['repository:team-b/audited:pull,push,delete']));
    const digest = await pushImage(alice, 'team-b/audited', 'v1');
    expect((await alice.getManifest('team-b/audited', 'v1')).status).toBe(200);
    expect((await alice.call('DELETE', `/v2/team-b/audited/manifests/${digest}`)).status).toBe(202);
    await token('mallory', [], 'guess');
    const entries = async (query: string) => {
      // The registry writes its entries in batches within a second.
      for (let attempt = 0; ; attempt++) {
        const page = await admin.ok('GET', `/api/audit?${query}`);
        if (page.total > 0 || attempt >= 20) return page.items;
        await new Promise((done) => setTimeout(done, 250));
      }
    };
    const forRepo = await entries('repository=team-b/audited&pageSize=50');
    await new Promise((done) => setTimeout(done, 600));
    const all = await admin.ok('GET', '/api/audit?repository=team-b/audited&pageSize=50');
    const byAction = (action: string) => all.items.filter((entry: { action: string }) => entry.action === action);
    expect(forRepo.length).toBeGreaterThan(0);
    expect(byAction('push')).toEqual([expect.objectContaining({ actor: 'alice', actorType: 'user', tag: 'v1', digest, clientAddress: expect.stringMatching(/127\.0\.0\.1/) })]);
    expect(byAction('pull')).toEqual([expect.objectContaining({ actor: 'alice', tag: 'v1', digest })]);
    expect(byAction('delete')).toEqual([expect.objectContaining({ actor: 'alice', digest, detail: { what: 'manifest' } })]);
    expect(byAction('token.issued')[0]).toMatchObject({ actor: 'alice', detail: { via: 'token', granted: ['repository:team-b/audited:pull,push,delete'] } });
    const failed = await entries('action=login.failed&actor=mallory');
    expect(failed[0]).toMatchObject({ actorType: 'user', clientAddress: expect.stringMatching(/127\.0\.0\.1/), detail: { via: 'token', problem: 'unknown' } });
    const robotPush = await entries('actor=robot$ci&action=push');
    expect(robotPush[0]).toMatchObject({ actorType: 'robot', repository: 'team-a/app', tag: 'ci-1' });
  });
});

describe('registry brute-force limit (LOGIN_LIMIT_*, shared with the admin login)', () => {
  let limited: RegistryHandle;

  afterEach(async () => {
    await limited?.stop();
  });

  const attempt = (username: string, forwardedFor?: string) =>
    fetchToken(limited.url, { username, password: 'guess', headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });

  it('answers 429 TOOMANYREQUESTS per account and per client address (X-Forwarded-For behind TRUST_PROXY)', async () => {
    limited = await startRegistry({ LOGIN_LIMIT_PER_ACCOUNT: '3', LOGIN_LIMIT_PER_ADDRESS: '5', TRUST_PROXY: 'true', ADMIN_PASSWORD });
    const perAccount: number[] = [];
    for (let n = 0; n < 4; n++) perAccount.push((await attempt('admin', `198.51.100.${n}`)).status);
    expect(perAccount).toEqual([401, 401, 401, 429]);
    const blocked = await fetchToken(limited.url, { username: 'admin', password: ADMIN_PASSWORD, headers: { 'x-forwarded-for': '198.51.100.99' } });
    expect(blocked.status).toBe(429);
    expect(blocked.body.errors[0]).toMatchObject({ code: 'TOOMANYREQUESTS', message: expect.stringContaining('for this account') });

    const perAddress: number[] = [];
    for (let n = 0; n < 6; n++) perAddress.push((await attempt(`user${n}`, '203.0.113.7')).status);
    expect(perAddress).toEqual([401, 401, 401, 401, 401, 429]);
    // Another (trusted) client address is not affected; anonymous tokens never count.
    expect((await attempt('user9', '203.0.113.8')).status).toBe(401);
    expect((await fetchToken(limited.url, { headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(200);
  });

  it('ignores X-Forwarded-For without TRUST_PROXY', async () => {
    limited = await startRegistry({ LOGIN_LIMIT_PER_ACCOUNT: '100', LOGIN_LIMIT_PER_ADDRESS: '3', ADMIN_PASSWORD });
    const statuses: number[] = [];
    for (let n = 0; n < 4; n++) statuses.push((await attempt(`user${n}`, `192.0.2.${n}`)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
    const retry = await attempt('fresh', '192.0.2.200');
    expect(retry.status).toBe(429);
    expect(Number(retry.body.errors[0].detail.retryAfterSeconds)).toBeGreaterThan(0);
  });
});
