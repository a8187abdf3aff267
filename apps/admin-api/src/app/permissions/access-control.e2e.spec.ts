import { RegistryCredentials } from '@refity/auth';
import { AdminApi, adminToken, startAdminApi } from '../../test/admin-api.harness';

describe('registry access control through the admin API (real app over HTTP)', () => {
  let api: AdminApi;
  let admin: string;
  let aliceId: number;
  let alice: string;

  beforeAll(async () => {
    api = await startAdminApi();
    admin = await adminToken(api);
    for (const name of ['myteam', 'public']) await api.call('POST', '/api/groups', { token: admin, body: { name } });
    const created = await api.call('POST', '/api/users', { token: admin, body: { username: 'alice', password: 'copper-kettle-19', role: 'user', mustChangePassword: false } });
    aliceId = created.body.id;
    alice = await api.login('alice', 'copper-kettle-19');
  });

  afterAll(async () => {
    await api.close();
  });

  const credentials = () => api.app.get(RegistryCredentials);

  it('marks a group public (anonymous pull) and shows it on the group', async () => {
    expect((await api.call('GET', '/api/groups/public', { token: admin })).body.isPublic).toBe(false);
    const updated = await api.call('PATCH', '/api/groups/public', { token: admin, body: { isPublic: true } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'public', isPublic: true });
    expect((await api.call('PATCH', '/api/groups/nowhere', { token: admin, body: { isPublic: true } })).status).toBe(404);
    expect((await api.call('PATCH', '/api/groups/public', { token: admin, body: { isPublic: 'yes' } })).status).toBe(400);
    expect((await api.call('PATCH', '/api/groups/public', { token: alice, body: { isPublic: false } })).status).toBe(403);
    const anonymous = await credentials().policyFor({ kind: 'anonymous', id: null, name: null, admin: false });
    expect(anonymous.actions('public/tool')).toEqual(['pull']);
  });

  it('sets, replaces, lists and removes grants, validating subject and pattern', async () => {
    const pull = await api.call('POST', '/api/permissions', { token: admin, body: { userId: aliceId, scope: 'group', pattern: 'myteam', action: 'pull' } });
    expect(pull.status).toBe(201);
    expect(pull.body).toMatchObject({ subjectType: 'user', userId: aliceId, robotId: null, subject: 'alice', scope: 'group', pattern: 'myteam', action: 'pull', createdBy: 'admin' });
    const push = await api.call('POST', '/api/permissions', { token: admin, body: { userId: aliceId, scope: 'group', pattern: 'myteam', action: 'push' } });
    expect(push.body).toMatchObject({ id: pull.body.id, action: 'push' });
    const glob = await api.call('POST', '/api/permissions', { token: admin, body: { userId: aliceId, scope: 'repository', pattern: '*/base-*', action: 'pull' } });
    expect(glob.status).toBe(201);

    const listed = await api.call('GET', `/api/permissions?userId=${aliceId}`, { token: admin });
    expect(listed.body.map((grant: { pattern: string; action: string }) => `${grant.pattern}:${grant.action}`)).toEqual(['myteam:push', '*/base-*:pull']);
    const policy = await credentials().policyFor({ kind: 'user', id: aliceId, name: 'alice', admin: false });
    expect(policy.actions('myteam/app')).toEqual(['pull', 'push']);
    expect(policy.actions('other/base-node')).toEqual(['pull']);

    const problems = async (body: Record<string, unknown>) => {
      const response = await api.call('POST', '/api/permissions', { token: admin, body });
      return [response.status, response.body.message];
    };
    expect(await problems({ scope: 'group', pattern: 'myteam', action: 'pull' })).toEqual([400, 'give exactly one of userId and robotId']);
    expect(await problems({ userId: aliceId, robotId: 1, scope: 'group', pattern: 'myteam', action: 'pull' })).toEqual([400, 'give exactly one of userId and robotId']);
    expect(await problems({ userId: 999, scope: 'group', pattern: 'myteam', action: 'pull' })).toEqual([404, 'user 999 does not exist']);
    expect(await problems({ userId: aliceId, scope: 'group', pattern: 'nosuchgroup', action: 'pull' })).toEqual([404, 'group nosuchgroup does not exist; create it first']);
    expect((await problems({ userId: aliceId, scope: 'group', pattern: 'my/team', action: 'pull' }))[0]).toBe(400);
    expect((await problems({ userId: aliceId, scope: 'repository', pattern: 'Team/(x)', action: 'pull' }))[0]).toBe(400);
    expect(await problems({ userId: aliceId, scope: 'repository', pattern: 'x/*', action: 'admin' })).toEqual([400, 'action must be pull, push or delete']);
    expect(await problems({ userId: aliceId, scope: 'everything', pattern: 'x/*', action: 'pull' })).toEqual([400, 'scope must be group or repository']);

    expect((await api.call('GET', '/api/permissions', { token: alice })).status).toBe(403);
    expect((await api.call('DELETE', `/api/permissions/${glob.body.id}`, { token: admin })).status).toBe(204);
    expect((await api.call('DELETE', `/api/permissions/${glob.body.id}`, { token: admin })).status).toBe(404);
  });

  it('creates a robot whose secret is shown once, works, rotates, is revoked and deleted', async () => {
    const created = await api.call('POST', '/api/robots', {
      token: admin,
      body: { name: 'CI-Builder', description: 'GitLab CI', expiresAt: new Date(Date.now() + 86_400_000).toISOString(), permissions: [{ scope: 'group', pattern: 'myteam', action: 'push' }] },
    });
    expect(created.status).toBe(201);
    expect(created.body.robot).toMatchObject({ name: 'ci-builder', username: 'robot$ci-builder', description: 'GitLab CI', disabled: false, lastUsedAt: null, createdBy: 'admin' });
    expect(created.body.robot.permissions).toMatchObject([{ subjectType: 'robot', subject: 'robot$ci-builder', pattern: 'myteam', action: 'push' }]);
    const secret: string = created.body.secret;
    expect(secret).toMatch(/^rfy_robot_[A-Za-z0-9_-]{43}$/);
    const id = created.body.robot.id;
    // Never shown again, nor its hash.
    const fetched = await api.call('GET', `/api/robots/${id}`, { token: admin });
    expect(JSON.stringify(fetched.body)).not.toContain(secret);
    expect(fetched.body).not.toHaveProperty('secretHash');
    expect((await api.call('GET', '/api/robots', { token: admin })).body).toHaveLength(1);

    expect(await credentials().verify('robot$ci-builder', secret)).toMatchObject({ ok: true, principal: { kind: 'robot', id } });
    expect((await api.call('POST', '/api/robots', { token: admin, body: { name: 'ci-builder', permissions: [] } })).status).toBe(409);
    expect((await api.call('POST', '/api/robots', { token: admin, body: { name: 'x', permissions: [] } })).status).toBe(400);
    expect((await api.call('POST', '/api/robots', { token: admin, body: { name: 'past', expiresAt: '2001-01-01T00:00:00Z', permissions: [] } })).body.message).toBe('expiresAt must be in the future');
    expect((await api.call('POST', '/api/robots', { token: admin, body: { name: 'bad', permissions: [{ scope: 'group', pattern: 'ghost', action: 'pull' }] } })).status).toBe(404);
    expect((await api.call('POST', '/api/robots', { token: alice, body: { name: 'mine', permissions: [] } })).status).toBe(403);

    const rotated = await api.call('POST', `/api/robots/${id}/secret`, { token: admin });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(secret);
    expect(await credentials().verify('robot$ci-builder', secret)).toMatchObject({ ok: false, problem: 'wrong-secret' });
    expect(await credentials().verify('robot$ci-builder', rotated.body.secret)).toMatchObject({ ok: true });

    const revoked = await api.call('PATCH', `/api/robots/${id}`, { token: admin, body: { disabled: true } });
    expect(revoked.body.disabled).toBe(true);
    expect(await credentials().verify('robot$ci-builder', rotated.body.secret)).toMatchObject({ ok: false, problem: 'disabled' });
    const forever = await api.call('PATCH', `/api/robots/${id}`, { token: admin, body: { disabled: false, expiresAt: null } });
    expect(forever.body).toMatchObject({ disabled: false, expiresAt: null });

    expect((await api.call('DELETE', `/api/robots/${id}`, { token: admin })).status).toBe(204);
    expect((await api.call('GET', `/api/robots/${id}`, { token: admin })).status).toBe(404);
    expect((await api.call('GET', '/api/permissions', { token: admin })).body.some((grant: { robotId: number | null }) => grant.robotId === id)).toBe(false);
  });

  it('lets a user create, list and revoke personal access tokens (shown once, own only)', async () => {
    const created = await api.call('POST', '/api/personal-tokens', { token: alice, body: { name: 'laptop docker' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'alice', token: { name: 'laptop docker', userId: aliceId, active: true, revokedAt: null, expiresAt: null } });
    const secret: string = created.body.secret;
    expect(secret.startsWith(created.body.token.prefix + '_')).toBe(true);
    expect(await credentials().verify('alice', secret)).toMatchObject({ ok: true, principal: { name: 'alice', personalTokenId: created.body.token.id } });

    const listed = await api.call('GET', '/api/personal-tokens', { token: alice });
    expect(listed.body).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect((await api.call('GET', '/api/personal-tokens', { token: admin })).body).toEqual([]);
    expect((await api.call('GET', `/api/personal-tokens?userId=${aliceId}`, { token: admin })).body).toHaveLength(1);
    expect((await api.call('GET', '/api/personal-tokens?userId=1', { token: alice })).status).toBe(403);
    expect((await api.call('POST', '/api/personal-tokens', { token: alice, body: { name: 'old', expiresAt: '2001-01-01T00:00:00Z' } })).status).toBe(400);

    const adminOwn = await api.call('POST', '/api/personal-tokens', { token: admin, body: { name: 'admin ci' } });
    expect((await api.call('DELETE', `/api/personal-tokens/${adminOwn.body.token.id}`, { token: alice })).status).toBe(404);

    const revoked = await api.call('DELETE', `/api/personal-tokens/${created.body.token.id}`, { token: alice });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ active: false });
    expect(revoked.body.revokedAt).toBeTruthy();
    expect(await credentials().verify('alice', secret)).toMatchObject({ ok: false, problem: 'revoked' });
  });

  it('records logins, permission, robot, token, user and group changes in the audit log, with filters and pages', async () => {
    await api.call('POST', '/api/auth/login', { body: { username: 'alice', password: 'wrong-password' } });
    const all = await api.call('GET', '/api/audit?pageSize=200', { token: admin });
    expect(all.status).toBe(200);
    const actions: string[] = all.body.items.map((entry: { action: string }) => entry.action);
    for (const action of ['login.ok', 'login.failed', 'user.password-change', 'user.create', 'group.create', 'group.update', 'permission.grant', 'permission.revoke', 'robot.create', 'robot.secret', 'robot.revoke', 'robot.update', 'robot.delete', 'token.create', 'token.revoke']) {
      expect(actions).toContain(action);
    }
    expect(all.body.total).toBe(all.body.items.length);
    // Newest first.
    const times = all.body.items.map((entry: { at: string }) => entry.at);
    expect([...times].sort().reverse()).toEqual(times);

    const failed = await api.call('GET', '/api/audit?action=login.failed', { token: admin });
    expect(failed.body.items[0]).toMatchObject({ action: 'login.failed', actorType: 'user', actor: 'alice', clientAddress: expect.stringMatching(/127\.0\.0\.1/), detail: { via: 'admin-api', problem: 'wrong-secret' } });
    const grants = await api.call('GET', '/api/audit?action=permission.*&actor=admin', { token: admin });
    expect(grants.body.items.length).toBeGreaterThanOrEqual(4);
    expect(grants.body.items.every((entry: { action: string; actor: string }) => entry.action.startsWith('permission.') && entry.actor === 'admin')).toBe(true);
    expect(grants.body.items.find((entry: { detail: { previous?: string } }) => entry.detail.previous === 'pull')?.detail).toMatchObject({ subject: 'alice', pattern: 'myteam', action: 'push' });

    const page = await api.call('GET', '/api/audit?page=2&pageSize=3', { token: admin });
    expect(page.body).toMatchObject({ page: 2, pageSize: 3, total: all.body.total });
    expect(page.body.items.map((entry: { id: number }) => entry.id)).toEqual(all.body.items.slice(3, 6).map((entry: { id: number }) => entry.id));
    const future = await api.call('GET', `/api/audit?from=${new Date(Date.now() + 60_000).toISOString()}`, { token: admin });
    expect(future.body).toMatchObject({ total: 0, items: [] });
    const past = await api.call('GET', `/api/audit?to=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}`, { token: admin });
    expect(past.body.total).toBe(0);
    expect((await api.call('GET', '/api/audit?from=yesterday', { token: admin })).status).toBe(400);
    expect((await api.call('GET', '/api/audit?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z', { token: admin })).status).toBe(400);
    expect((await api.call('GET', '/api/audit', { token: alice })).status).toBe(403);
  });
});

describe('login limit from LOGIN_LIMIT_* (shared with the registry token endpoint)', () => {
  it('uses the configured numbers', async () => {
    const api = await startAdminApi({ LOGIN_LIMIT_PER_ACCOUNT: '2' });
    try {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        statuses.push((await api.call('POST', '/api/auth/login', { body: { username: 'someone', password: 'guess' } })).status);
      }
      expect(statuses).toEqual([401, 401, 429]);
    } finally {
      await api.close();
    }
  });
});
