/**
 * The console in a real browser against the real system: the built registry and admin API (one
 * DATA_DIR), images pushed by skopeo, Debian's chromium through playwright-core. One scenario in
 * order, as an operator would go: first login with the forced password change, create a group,
 * push, dashboard, browse to a tag, layers, copy the pull command, delete a tag, create a robot
 * account (secret shown once), create a user and log in as them. Screenshots of each page go to dist/e2e/console/screenshots/.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launch, requireChromium } from './support/browser';
import { WrittenImage, WrittenIndex, writeImage, writeIndex } from './support/oci-image';
import { freePort, removeDir, requireBinary, run, Service, startNode, tempDir, workspaceRoot } from './support/processes';

const ADMIN_PASSWORD = 'Console-e2e-Passw0rd!';
const DEV_PASSWORD = 'Violet-Harbour-42!';
const DEV_NEW_PASSWORD = 'Amber-Lantern-77!';
const SHOTS = join(workspaceRoot(), 'dist', 'e2e', 'console', 'screenshots');

/** The console's size format (apps/console/src/app/shared/format.ts), for comparing what it shows. */
function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  if (Number(v.toFixed(1)) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(v < 100 ? 1 : 0).replace(/\.0$/, '')} ${units[u]}`;
}

describe('console in chromium against the real admin API and registry', () => {
  let runDir = '';
  let registry: Service | undefined;
  let admin: Service | undefined;
  let consoleUrl = '';
  let registryHost = '';
  let context: BrowserContext | undefined;
  let page: Page;
  let skopeo = '';
  const images: Record<string, WrittenImage> = {};
  let multi: WrittenIndex;

  const shot = async (name: string) => {
    await page.waitForTimeout(300); // let Material's ripples and progress bars settle
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };
  const token = () => page.evaluate(() => JSON.parse(sessionStorage.getItem('refity.session') ?? '{}').token as string);
  const api = async <T>(path: string): Promise<T> => {
    const base = admin?.url ?? '';
    const res = await fetch(base + path, { headers: { authorization: `Bearer ${await token()}` } });
    if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  // Registry credentials: the admin account (users are shared with the admin API). Sent only when
  // the registry asks for them (token auth, issue 5); ignored by a registry without auth.
  const creds = () => `admin:${ADMIN_PASSWORD}`;
  const push = (img: WrittenImage | WrittenIndex, ref: string, extra: string[] = []) =>
    run(skopeo, ['copy', ...extra, '--dest-tls-verify=false', '--dest-creds', creds(), `oci:${img.dir}:${img.tag}`, `docker://${registryHost}/${ref}`]);
  const inspect = (ref: string, allowFailure = false) =>
    run(skopeo, ['inspect', '--tls-verify=false', '--creds', creds(), `docker://${registryHost}/${ref}`], allowFailure);
  const login = async (username: string, password: string) => {
    await page.goto('/login');
    await page.locator('input[name=username]').fill(username);
    await page.locator('input[name=password]').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
  };
  const changePassword = async (current: string, next: string) => {
    await page.locator('input[name=currentPassword]').fill(current);
    await page.locator('input[name=newPassword]').fill(next);
    await page.locator('input[name=confirm]').fill(next);
    await page.getByRole('button', { name: 'Change password' }).click();
  };

  beforeAll(async () => {
    requireChromium();
    skopeo = requireBinary('skopeo', 'skopeo');
    mkdirSync(SHOTS, { recursive: true });
    runDir = tempDir('run');
    const dataDir = join(runDir, 'data');
    const jwtSecret = randomBytes(32).toString('hex');
    const regPort = await freePort();
    registryHost = `127.0.0.1:${regPort}`;
    registry = await startNode('registry', 'dist/apps/registry/main.js', { PORT: String(regPort), HOST: '127.0.0.1', DATA_DIR: dataDir, JWT_SECRET: jwtSecret }, regPort, '/v2/', [200, 401], runDir);
    const adminPort = await freePort();
    admin = await startNode(
      'admin-api',
      'dist/apps/admin-api/main.js',
      {
        ADMIN_PORT: String(adminPort),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        REGISTRY_URL: registryHost,
        JWT_SECRET: jwtSecret,
      },
      adminPort,
      '/api/config',
      [200],
      runDir,
    );
    // The admin API serves the built console itself (same origin as /api): the browser uses only it.
    const index = await fetch(admin.url + '/groups').then(async (r) => (r.ok ? r.text() : `HTTP ${r.status}`));
    if (!index.includes('<rf-root')) {
      throw new Error(
        `the admin API at ${admin.url} does not serve the console (GET /groups answered ${index.slice(0, 200)}): ` +
          `build it into dist/apps/console (npx nx build console) or set CONSOLE_DIR`,
      );
    }
    consoleUrl = admin.url;
    images['1.0.0'] = await writeImage(join(runDir, 'img-1'), '1.0.0', [40_000, 120_000]);
    images['2.0.0'] = await writeImage(join(runDir, 'img-2'), '2.0.0', [60_000]);
    multi = await writeIndex(join(runDir, 'img-multi'), 'v1', [
      { platform: { os: 'linux', architecture: 'amd64' }, layerSizes: [30_000, 20_000, 10_000] },
      { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, layerSizes: [25_000] },
    ]);
    context = await launch(join(runDir, 'chromium-profile'), consoleUrl);
    page = await context.newPage();
  });

  afterAll(async () => {
    await context?.close();
    await admin?.stop();
    await registry?.stop();
    if (runDir) removeDir(runDir);
  });

  it('first login as admin/admin forces a password change, then opens the dashboard', async () => {
    await page.goto('/');
    await page.waitForURL('**/login**');
    await shot('login');
    await login('admin', 'admin');
    await page.waitForURL('**/password');
    await page.getByText('Choose a new password').waitFor();
    await shot('password-forced');
    await changePassword('admin', ADMIN_PASSWORD);
    await page.waitForURL('**/dashboard');
    await page.locator('[data-testid=stat-images]').waitFor();
  });

  it('creates a group in the console, then skopeo pushes two tags and a multi-platform index into it', async () => {
    await page.getByRole('link', { name: 'Groups' }).click();
    await page.waitForURL('**/groups');
    await page.getByText('No groups yet').waitFor();
    await page.locator('input[name=groupName]').fill('myteam');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.locator('tr[data-group=myteam]').waitFor();
    await shot('groups');
    await push(images['1.0.0'], 'myteam/app:1.0.0');
    await push(images['2.0.0'], 'myteam/app:2.0.0');
    await push(multi, 'myteam/multi:v1', ['--all']);
  });

  it('dashboard numbers match what was pushed and what the API reports', async () => {
    interface Dash {
      images: number;
      groups: number;
      repositories: number;
      totalSize: number;
    }
    let d: Dash | undefined;
    const deadline = Date.now() + 30_000;
    for (;;) {
      await page.goto('/dashboard');
      const text = (id: string) => page.locator(`[data-testid=${id}] .value`).textContent();
      await page.locator('[data-testid=stat-images] .value').waitFor();
      d = await api<Dash>('/api/dashboard');
      const shown = { images: await text('stat-images'), groups: await text('stat-groups'), repositories: await text('stat-repositories'), size: await text('stat-size') };
      const want = { images: '3', groups: '1', repositories: '2', size: formatBytes(d.totalSize) };
      if (JSON.stringify(shown) === JSON.stringify(want) && d.images === 3) break;
      if (Date.now() > deadline) expect({ shown, api: d }).toEqual({ shown: want, api: expect.objectContaining({ images: 3, groups: 1, repositories: 2 }) });
      await page.waitForTimeout(1000);
    }
    // Deduplicated size: at least every layer pushed, as the API says.
    const layerBytes = [...images['1.0.0'].layers, ...images['2.0.0'].layers, ...multi.images.flatMap((i) => i.layers)].reduce((s, l) => s + l.size, 0);
    expect(d.totalSize).toBeGreaterThanOrEqual(layerBytes);
    await page.locator('.bars li').first().waitFor();
    expect(await page.locator('.bars li').first().textContent()).toContain('myteam');
    await shot('dashboard');
  });

  it('browses group → repository → tag, with the exact docker pull command and copy button', async () => {
    await page.getByRole('link', { name: 'Groups' }).click();
    await page.locator('tr[data-group=myteam] a').click();
    await page.waitForURL('**/groups/myteam');
    const repoRow = page.locator('tr[data-repository="myteam/app"]');
    await repoRow.waitFor();
    expect(await repoRow.textContent()).toContain('2'); // two tags
    await shot('repositories');
    await repoRow.locator('a').click();
    await page.waitForURL('**/groups/myteam/app');
    await page.locator('tr[data-tag="1.0.0"]').waitFor();
    expect(await page.locator('tr[data-tag]').count()).toBe(2);
    const pull = `docker pull ${registryHost}/myteam/app:1.0.0`;
    expect((await page.locator('code[data-pull="1.0.0"]').textContent())?.trim()).toBe(pull);
    await shot('tags');
    await page.locator('tr[data-tag="1.0.0"] rf-copy-button button').click();
    await page.locator('tr[data-tag="1.0.0"] rf-copy-button button[aria-label="Copied"]').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(pull);
    await page.locator('tr[data-tag="1.0.0"] a').first().click();
    await page.waitForURL('**/groups/myteam/app/tags/1.0.0');
    expect((await page.locator('[data-testid=pull-command]').textContent())?.trim()).toBe(pull);
    expect((await page.locator('[data-testid=tag-digest]').textContent())?.trim()).toBe(images['1.0.0'].manifest.digest);
  });

  it('tag detail lists every layer with its size, the config and the history', async () => {
    const img = images['1.0.0'];
    const rows = page.locator('[data-testid=layers-table] tr.layer-row');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(img.layers.length);
    for (const [i, layer] of img.layers.entries()) {
      const cell = rows.nth(i).locator('[data-bytes]');
      expect(Number(await cell.getAttribute('data-bytes'))).toBe(layer.size);
      expect((await cell.textContent())?.trim()).toBe(formatBytes(layer.size));
    }
    await shot('tag-detail');
    await page.getByRole('tab', { name: 'Config' }).click();
    await page.getByText('REFITY_E2E_TAG=1.0.0').waitFor();
    expect(await page.locator('.config').textContent()).toContain('/data/app');
    await page.getByRole('tab', { name: /History/ }).click();
    await page.getByText(img.history[0]).waitFor();
    expect(await page.locator('.history li').count()).toBe(img.history.length);
  });

  it('an index gets a platform switcher; each platform shows its own layers', async () => {
    await page.goto('/groups/myteam/multi/tags/v1');
    const toggles = page.locator('mat-button-toggle');
    await toggles.first().waitFor();
    const labels = (await toggles.allTextContents()).map((t) => t.trim().split(' · ')[0]);
    expect(labels).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect((await page.locator('[data-testid=tag-digest]').textContent())?.trim()).toBe(multi.index.digest);
    const rows = page.locator('[data-testid=layers-table] tr.layer-row');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(multi.images[0].layers.length);
    await toggles.nth(1).locator('button').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=layers-table] tr.layer-row').length === n, multi.images[1].layers.length);
    expect(Number(await rows.first().locator('[data-bytes]').getAttribute('data-bytes'))).toBe(multi.images[1].layers[0].size);
    await shot('tag-detail-index');
  });

  it('deletes a tag after confirmation: it leaves the list and is no longer pullable', async () => {
    await page.goto('/groups/myteam/app/tags/2.0.0');
    await page.locator('[data-testid=tag-digest]').waitFor();
    await page.getByRole('button', { name: 'Delete tag' }).click();
    await page.locator('mat-dialog-container').getByRole('button', { name: 'Delete tag' }).click();
    await page.waitForURL(/\/groups\/myteam\/app$/);
    await page.locator('tr[data-tag="1.0.0"]').waitFor();
    expect(await page.locator('tr[data-tag]').count()).toBe(1);
    expect(await page.locator('tr[data-tag="2.0.0"]').count()).toBe(0);
    const gone = await inspect('myteam/app:2.0.0', true);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/manifest unknown|not found|MANIFEST_UNKNOWN/i);
    const kept = await inspect('myteam/app:1.0.0');
    expect(JSON.parse(kept.stdout).Digest).toBe(images['1.0.0'].manifest.digest);
  });

  it('an admin creates a robot account: its secret is shown once, and it can pull with it', async () => {
    await page.getByRole('link', { name: 'Robot accounts' }).click();
    await page.waitForURL('**/robots');
    await page.getByText('No robot accounts').waitFor();
    await page.locator('input[name=robotName]').fill('ci');
    await page.locator('mat-select[name=robotScope]').click();
    await page.getByRole('option', { name: 'group' }).click();
    await page.locator('input[name=robotPattern]').fill('myteam');
    await page.getByRole('button', { name: 'Create robot' }).click();
    const panel = page.locator('[data-testid=robot-secret]');
    await panel.waitFor();
    expect(await panel.textContent()).toContain('will not be shown again');
    const secret = ((await panel.locator('[data-testid=secret-value]').textContent()) ?? '').trim();
    expect(secret.length).toBeGreaterThan(16);
    const row = page.locator('tr[data-robot=ci]');
    await row.waitFor();
    expect(await row.textContent()).toContain('group myteam → pull');
    await shot('robots');
    const pulled = await run(skopeo, ['inspect', '--tls-verify=false', '--creds', `robot$ci:${secret}`, `docker://${registryHost}/myteam/app:1.0.0`]);
    expect(JSON.parse(pulled.stdout).Digest).toBe(images['1.0.0'].manifest.digest);
    await panel.getByRole('button', { name: 'I have copied it' }).click();
    await panel.waitFor({ state: 'detached' });
    await page.reload();
    await page.locator('tr[data-robot=ci]').waitFor();
    expect(await page.getByText(secret).count()).toBe(0); // never shown again
  });

  it('an admin creates a user with role user, who can log in but not manage users', async () => {
    await page.getByRole('link', { name: 'Users' }).click();
    await page.waitForURL('**/users');
    await page.locator('tr[data-user=admin]').waitFor();
    await page.locator('input[name=newUsername]').fill('dev');
    await page.locator('input[name=newUserPassword]').fill(DEV_PASSWORD);
    await page.getByRole('button', { name: 'Create user' }).click();
    const row = page.locator('tr[data-user=dev]');
    await row.waitFor();
    expect(await row.textContent()).toContain('user');
    expect(await page.locator('form.create mat-error').count()).toBe(0); // the form is clean again
    await shot('users');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL('**/login**');
    await login('dev', DEV_PASSWORD);
    await page.waitForURL(/\/(dashboard|password)$/);
    if (page.url().endsWith('/password')) {
      await changePassword(DEV_PASSWORD, DEV_NEW_PASSWORD);
      await page.waitForURL('**/dashboard');
    }
    expect((await page.locator('[data-testid=current-user]').textContent())?.replace(/\s+/g, ' ').trim()).toBe('dev (user)');
    expect(await page.getByRole('link', { name: 'Users' }).count()).toBe(0);
    await page.goto('/users');
    await page.waitForURL('**/dashboard');
    await page.getByRole('link', { name: 'Profile' }).click();
    await page.waitForURL('**/profile');
    await page.getByText('Logged in as').waitFor();
    await shot('profile');
  });

  it('follows the dark colour scheme and fits a phone screen', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/dashboard');
    await page.locator('[data-testid=stat-images] .value').waitFor();
    const [r, g, b] = ((await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).match(/\d+/g) ?? []).map(Number);
    expect(r + g + b).toBeLessThan(150); // a dark surface
    const menu = page.getByRole('button', { name: 'Open the navigation' });
    await menu.waitFor(); // the side navigation became a drawer
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await shot('dashboard-dark-phone');
    await menu.click();
    await page.getByRole('link', { name: 'Groups' }).click();
    await page.waitForURL('**/groups');
    await page.locator('tr[data-group=myteam]').waitFor();
    // Creating and deleting are admin-only: a user is not offered them.
    expect(await page.getByRole('button', { name: 'Create group' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete group myteam' }).count()).toBe(0);
    await shot('groups-dark-phone');
  });
});
