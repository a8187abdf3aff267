import { AdminApi, adminToken, startAdminApi } from '../../test/admin-api.harness';

describe('users and roles (real app over HTTP)', () => {
  let api: AdminApi;
  let admin: string;

  beforeAll(async () => {
    api = await startAdminApi();
    admin = await adminToken(api);
  });

  afterAll(async () => {
    await api.close();
  });

  it('creates users with validated names, roles and strong passwords', async () => {
    const created = await api.call('POST', '/api/users', { token: admin, body: { username: 'Alice', password: 'copper-kettle-19', role: 'user' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'alice', role: 'user', mustChangePassword: true, disabled: false, lastLoginAt: null });
    expect(created.body).not.toHaveProperty('passwordHash');
    const duplicate = await api.call('POST', '/api/users', { token: admin, body: { username: 'alice', password: 'copper-kettle-19', role: 'user' } });
    expect(duplicate.status).toBe(409);
    const weak = await api.call('POST', '/api/users', { token: admin, body: { username: 'bob', password: 'aaaa', role: 'user' } });
    expect(weak.status).toBe(400);
    expect(weak.body.details).toEqual(['password must be at least 10 characters long', 'password must use at least 5 different characters']);
    const badRole = await api.call('POST', '/api/users', { token: admin, body: { username: 'bob', password: 'copper-kettle-19', role: 'root' } });
    expect(badRole.body).toMatchObject({ statusCode: 400, message: 'role must be admin or user' });
    const badName = await api.call('POST', '/api/users', { token: admin, body: { username: 'b', password: 'copper-kettle-19', role: 'user' } });
    expect(badName.status).toBe(400);
    const list = await api.call('GET', '/api/users', { token: admin });
    expect(list.body.map((user: { username: string }) => user.username)).toEqual(['admin', 'alice']);
  });

  it('gives a user read access and 403 on admin routes', async () => {
    const first = await api.login('alice', 'copper-kettle-19');
    const changed = await api.call('PUT', '/api/auth/password', { token: first, body: { currentPassword: 'copper-kettle-19', newPassword: 'amber-lantern-58' } });
    const alice = changed.body.token;
    expect((await api.call('GET', '/api/groups', { token: alice })).status).toBe(200);
    expect((await api.call('GET', '/api/dashboard', { token: alice })).status).toBe(200);
    for (const [method, path, body] of [
      ['GET', '/api/users', undefined],
      ['POST', '/api/users', { username: 'mallory', password: 'copper-kettle-19', role: 'admin' }],
      ['POST', '/api/groups', { name: 'mine' }],
      ['DELETE', '/api/groups/any', undefined],
      ['POST', '/api/repositories', { name: 'any/thing' }],
      ['DELETE', '/api/repositories/any/thing', undefined],
      ['DELETE', '/api/repositories/any/thing/tags/v1', undefined],
    ] as const) {
      const response = await api.call(method, path, { token: alice, body });
      expect([method, path, response.status, response.body.message]).toEqual([method, path, 403, 'this needs the admin role; you are alice (user)']);
    }
  });

  it('changes roles, disables (revoking tokens), resets passwords and deletes', async () => {
    const bob = await api.call('POST', '/api/users', { token: admin, body: { username: 'bob', password: 'copper-kettle-19', role: 'user', mustChangePassword: false } });
    const bobToken = await api.login('bob', 'copper-kettle-19');
    expect((await api.call('GET', '/api/groups', { token: bobToken })).status).toBe(200);

    const promoted = await api.call('PATCH', `/api/users/${bob.body.id}`, { token: admin, body: { role: 'admin' } });
    expect(promoted.body.role).toBe('admin');
    // The role change revoked the token issued as `user`.
    expect((await api.call('GET', '/api/groups', { token: bobToken })).status).toBe(401);

    const disabled = await api.call('PATCH', `/api/users/${bob.body.id}`, { token: admin, body: { disabled: true } });
    expect(disabled.body.disabled).toBe(true);
    const refused = await api.call('POST', '/api/auth/login', { body: { username: 'bob', password: 'copper-kettle-19' } });
    expect(refused.body).toMatchObject({ statusCode: 401, message: 'this account is disabled; ask an admin' });
    await api.call('PATCH', `/api/users/${bob.body.id}`, { token: admin, body: { disabled: false } });

    expect((await api.call('PUT', `/api/users/${bob.body.id}/password`, { token: admin, body: { password: 'short' } })).status).toBe(400);
    expect((await api.call('PUT', `/api/users/${bob.body.id}/password`, { token: admin, body: { password: 'willow-garden-33' } })).status).toBe(204);
    const relogin = await api.call('POST', '/api/auth/login', { body: { username: 'bob', password: 'willow-garden-33' } });
    expect(relogin.body.user.mustChangePassword).toBe(true);

    expect((await api.call('PATCH', '/api/users/999', { token: admin, body: { role: 'user' } })).status).toBe(404);
    expect((await api.call('PATCH', '/api/users/abc', { token: admin, body: { role: 'user' } })).status).toBe(400);
    expect((await api.call('PATCH', `/api/users/${bob.body.id}`, { token: admin, body: { password: 'x' } })).status).toBe(400);
    expect((await api.call('DELETE', `/api/users/${bob.body.id}`, { token: admin })).status).toBe(204);
    expect((await api.call('DELETE', `/api/users/${bob.body.id}`, { token: admin })).status).toBe(404);
  });

  it('never leaves no enabled admin, even when two admins disable each other at once', async () => {
    const me = await api.call('GET', '/api/auth/me', { token: admin });
    const self = await api.call('DELETE', `/api/users/${me.body.id}`, { token: admin });
    expect(self.body).toMatchObject({ statusCode: 409, message: 'you cannot delete your own account; ask another admin' });
    expect((await api.call('PATCH', `/api/users/${me.body.id}`, { token: admin, body: { role: 'user' } })).status).toBe(409);

    const carol = await api.call('POST', '/api/users', { token: admin, body: { username: 'carol', password: 'harbor-lights-71', role: 'admin', mustChangePassword: false } });
    const carolToken = await api.login('carol', 'harbor-lights-71');
    const statuses = await Promise.all([
      api.call('PATCH', `/api/users/${carol.body.id}`, { token: admin, body: { disabled: true } }),
      api.call('PATCH', `/api/users/${me.body.id}`, { token: carolToken, body: { disabled: true } }),
    ]).then((responses) => responses.map((response) => response.status).sort());
    // One wins; the other is refused as the last admin (409) or finds its token revoked (401).
    expect(statuses[0]).toBe(200);
    expect([401, 409]).toContain(statuses[1]);
    const survivor = (await api.call('GET', '/api/auth/me', { token: admin })).status === 200 ? admin : carolToken;
    const users = await api.call('GET', '/api/users', { token: survivor });
    const enabledAdmins = users.body.filter((user: { role: string; disabled: boolean }) => user.role === 'admin' && !user.disabled);
    expect(enabledAdmins).toHaveLength(1);
  });
});
