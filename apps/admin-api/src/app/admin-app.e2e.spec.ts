import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminApi, startAdminApi } from '../test/admin-api.harness';

describe('admin API around the routes (real app over HTTP)', () => {
  let api: AdminApi;
  let consoleDir: string;

  beforeAll(async () => {
    consoleDir = mkdtempSync(join(tmpdir(), 'refity-console-'));
    writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>Refity console</title>');
    writeFileSync(join(consoleDir, 'main.js'), 'console.log("console")');
    api = await startAdminApi({ CONSOLE_DIR: consoleDir, CORS_ORIGINS: 'https://console.example' });
  });

  afterAll(async () => {
    await api.close();
    rmSync(consoleDir, { recursive: true, force: true });
  });

  it('serves Swagger UI at /api/docs and the document it shows', async () => {
    const ui = await fetch(`${api.url}/api/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui');
    const document = await api.call('GET', '/api/docs/openapi.json');
    expect(document.body.info.title).toBe('Refity admin API');
    expect(document.body.paths['/api/auth/login'].post.operationId).toBe('login');
  });

  it('serves the console with an SPA fallback, but never for /api', async () => {
    const index = await fetch(`${api.url}/`);
    expect(await index.text()).toContain('Refity console');
    expect(await (await fetch(`${api.url}/main.js`)).text()).toBe('console.log("console")');
    const deepLink = await fetch(`${api.url}/repositories/team/app`);
    expect(deepLink.status).toBe(200);
    expect(await deepLink.text()).toContain('Refity console');
    const unknownApi = await api.call('GET', '/api/nothing-here');
    expect(unknownApi.status).toBe(404);
    expect(unknownApi.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('sends security headers and allows only the configured CORS origins', async () => {
    const response = await fetch(`${api.url}/api/health`, { headers: { origin: 'https://console.example' } });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('access-control-allow-origin')).toBe('https://console.example');
    const other = await fetch(`${api.url}/api/health`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
