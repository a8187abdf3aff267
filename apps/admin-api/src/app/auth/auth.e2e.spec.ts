import { AdminApi, startAdminApi } from '../../test/admin-api.harness';
import { LOGIN_LIMIT_PER_ACCOUNT, LOGIN_LIMIT_PER_ADDRESS } from './auth.module';

describe('auth (real app over HTTP)', () => {
  let api: AdminApi;

  beforeAll(async () => {
    api = await startAdminApi();
  });

  afterAll(async () => {
    await api.close();
  });

  it('seeds admin/admin, which must change its password before anything else', async () => {
    const wrong = await api.call('POST', '/api/auth/login', { body: { username: 'admin', password: 'nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'wrong username or password' });
    const unknown = await api.call('POST', '/api/auth/login', { body: { username: 'nobody', password: 'nope' } });
    expect(unknown.body).toEqual(wrong.body);

    const login = await api.call('POST', '/api/auth/login', { body: { username: 'Admin', password: 'admin' } });
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ username: 'admin', role: 'admin', mustChangePassword: true, disabled: false });
    expect(new Date(login.body.expiresAt).getTime() - Date.now()).toBeGreaterThan(7.9 * 3600_000);
    const token: string = login.body.token;

    const blocked = await api.call('GET', '/api/groups', { token });
    expect(blocked.status).toBe(403);
    expect(blocked.body.message).toBe('password change required: PUT /api/auth/password with currentPassword and newPassword first');
    expect((await api.call('GET', '/api/auth/me', { token })).status).toBe(200);

    const weak = await api.call('PUT', '/api/auth/password', { token, body: { currentPassword: 'admin', newPassword: 'admin12345' } });
    expect(weak.status).toBe(400);
    expect(weak.body.message).toContain('newPassword must not contain the username');
    const wrongCurrent = await api.call('PUT', '/api/auth/password', { token, body: { currentPassword: 'x', newPassword: 'violet-harbour-42' } });
    expect(wrongCurrent.status).toBe(400);
    expect(wrongCurrent.body.message).toBe('currentPassword is wrong');

    const changed = await api.call('PUT', '/api/auth/password', { token, body: { currentPassword: 'admin', newPassword: 'violet-harbour-42' } });
    expect(changed.status).toBe(200);
    expect(changed.body.user.mustChangePassword).toBe(false);
    // The old token is revoked by the change; the new one works everywhere.
    expect((await api.call('GET', '/api/auth/me', { token })).status).toBe(401);
    expect((await api.call('GET', '/api/groups', { token: changed.body.token })).status).toBe(200);
    expect((await api.call('POST', '/api/auth/login', { body: { username: 'admin', password: 'admin' } })).status).toBe(401);
  });

  it('answers 401 without a token or with a forged one, and logout really revokes', async () => {
    expect((await api.call('GET', '/api/dashboard')).body).toMatchObject({ statusCode: 401, message: expect.stringContaining('bearer token') });
    const token = await api.login('admin', 'violet-harbour-42');
    const [header, payload] = token.split('.');
    expect((await api.call('GET', '/api/auth/me', { token: `${header}.${payload}.forged` })).status).toBe(401);
    expect((await api.call('GET', '/api/auth/me', { token })).status).toBe(200);
    expect((await api.call('POST', '/api/auth/logout', { token })).status).toBe(204);
    const after = await api.call('GET', '/api/auth/me', { token });
    expect(after.status).toBe(401);
    expect(after.body.message).toBe('token revoked or account disabled; log in again');
  });

  it('refuses malformed bodies with 400 and the reasons, never 500', async () => {
    const missing = await api.call('POST', '/api/auth/login', { body: { username: 'malformed' } });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.stringContaining('password must be a string') });
    const extra = await api.call('POST', '/api/auth/login', { body: { username: 'malformed', password: 'x', admin: true } });
    expect(extra.status).toBe(400);
    expect(extra.body.message).toBe('property admin should not exist');
    const notJson = await api.call('POST', '/api/auth/login', { rawBody: '{"username":' });
    expect(notJson.status).toBe(400);
    expect(notJson.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'request body is not valid JSON' });
    const wrongType = await api.call('POST', '/api/auth/login', { body: { username: ['malformed'], password: 5 } });
    expect(wrongType.status).toBe(400);
  });

  it('limits login attempts per account, whatever the address claims', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt <= LOGIN_LIMIT_PER_ACCOUNT; attempt++) {
      const response = await api.call('POST', '/api/auth/login', {
        body: { username: 'target', password: 'guess' },
        headers: { 'x-forwarded-for': `203.0.113.${attempt}` },
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([...Array(LOGIN_LIMIT_PER_ACCOUNT).fill(401), 429]);
    const limited = await api.call('POST', '/api/auth/login', { body: { username: 'TARGET', password: 'guess' } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();
    expect(limited.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
  });
});

describe('login limit per client address', () => {
  const tryManyAccounts = async (api: AdminApi, spoof: boolean) => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt <= LOGIN_LIMIT_PER_ADDRESS; attempt++) {
      const response = await api.call('POST', '/api/auth/login', {
        body: { username: `user${attempt}`, password: 'guess' },
        headers: spoof ? { 'x-forwarded-for': `198.51.100.${attempt}` } : {},
      });
      statuses.push(response.status);
    }
    return statuses;
  };

  it('is not dodged with X-Forwarded-For when TRUST_PROXY is off', async () => {
    const api = await startAdminApi();
    try {
      expect(await tryManyAccounts(api, true)).toEqual([...Array(LOGIN_LIMIT_PER_ADDRESS).fill(401), 429]);
    } finally {
      await api.close();
    }
  });

  it('follows X-Forwarded-For behind a trusted proxy (TRUST_PROXY=true)', async () => {
    const api = await startAdminApi({ TRUST_PROXY: 'true' });
    try {
      expect(await tryManyAccounts(api, true)).toEqual(Array(LOGIN_LIMIT_PER_ADDRESS + 1).fill(401));
    } finally {
      await api.close();
    }
  });
});

describe('first admin password from ADMIN_PASSWORD', () => {
  it('uses it, and a strong one need not be changed', async () => {
    const api = await startAdminApi({ ADMIN_PASSWORD: 'granite-meadow-77' });
    try {
      expect((await api.call('POST', '/api/auth/login', { body: { username: 'admin', password: 'admin' } })).status).toBe(401);
      const token = await api.login('admin', 'granite-meadow-77');
      expect((await api.call('GET', '/api/groups', { token })).status).toBe(200);
    } finally {
      await api.close();
    }
  });
});
