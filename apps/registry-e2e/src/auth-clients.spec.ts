/**
 * Real clients against the registry with authentication on (the default): `docker login` + push +
 * pull through a private dockerd, a pull-only account denied push (the message docker prints),
 * anonymous pull of a public group and refused anonymous push, a robot account pushing from "CI"
 * and then revoked, a personal access token in ~/.docker/config.json instead of the password,
 * `podman login`, skopeo `--creds`. Accounts and grants are set up through the built admin API.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdminApiHandle, startAdminApi } from './support/admin-api';
import { Dockerd, Podman, RunResult, Skopeo, startDockerd } from './support/clients';
import { ImageInfo, writeImage, writeTar } from './support/oci-image';
import { RegistryHandle, startRegistry } from './support/registry';
import { removeDir, tempDir } from './support/tmp';

const ADMIN_PASSWORD = 'granite-meadow-77';
const PASSWORD = 'copper-kettle-19';

/** stdout + stderr of a finished command. */
const output = (result: RunResult) => `${result.stdout}\n${result.stderr}`;

describe('clients with docker token authentication', () => {
  let registry: RegistryHandle;
  let admin: AdminApiHandle;
  let skopeo: Skopeo;
  let podman: Podman;
  let dockerd: Dockerd;
  let work: string;
  let image: ImageInfo;
  let savedAuthFile: string | undefined;
  let robot: { id: number; secret: string };

  const ref = (name: string) => `${registry.host}/${name}`;
  const docker = (args: string[]) => dockerd.docker(args);
  const dockerMayFail = (args: string[]) => dockerd.docker(args, { allowFailure: true });
  const dockerLogin = (username: string, password: string) => dockerd.docker(['login', registry.host, '-u', username, '-p', password], { allowFailure: true });
  const skopeoCreds = (username: string, password: string) => ['--creds', `${username}:${password}`];

  /** A one-layer image imported into dockerd under `name` (a layer the registry has not seen). */
  async function dockerImport(name: string): Promise<void> {
    const tar = join(work, `${name.replace(/\W/g, '_')}.tar`);
    const payload = Buffer.from(`${name} ${Date.now()} ${Math.random()}\n`.repeat(500));
    await writeTar(tar, [
      { name: 'etc', type: 'dir' },
      { name: 'etc/refity-auth-e2e.txt', type: 'file', size: payload.length, content: payload },
    ]);
    await docker(['import', tar, ref(name)]);
  }

  beforeAll(async () => {
    work = await tempDir('auth-clients');
    // podman and skopeo keep logins in REGISTRY_AUTH_FILE: a private one, never the machine's.
    savedAuthFile = process.env['REGISTRY_AUTH_FILE'];
    process.env['REGISTRY_AUTH_FILE'] = join(work, 'containers-auth.json');
    skopeo = new Skopeo();
    podman = await Podman.create();
    registry = await startRegistry({ ADMIN_PASSWORD, JWT_SECRET: 'e2e-jwt-secret-0123456789abcdef0123456789', LOGIN_LIMIT_PER_ADDRESS: '1000' });
    admin = await startAdminApi(registry);
    for (const name of ['team', 'public']) await admin.ok('POST', '/api/groups', { name });
    await admin.ok('PATCH', '/api/groups/public', { isPublic: true });
    const dev = await admin.ok('POST', '/api/users', { username: 'dev', password: PASSWORD, role: 'user', mustChangePassword: false });
    const viewer = await admin.ok('POST', '/api/users', { username: 'viewer', password: PASSWORD, role: 'user', mustChangePassword: false });
    await admin.ok('POST', '/api/permissions', { userId: dev.id, scope: 'group', pattern: 'team', action: 'push' });
    await admin.ok('POST', '/api/permissions', { userId: viewer.id, scope: 'repository', pattern: 'team/*', action: 'pull' });
    const created = await admin.ok('POST', '/api/robots', { name: 'ci', description: 'CI pipeline', permissions: [{ scope: 'repository', pattern: 'team/ci-*', action: 'push' }] });
    robot = { id: created.robot.id, secret: created.secret };

    image = await writeImage(join(work, 'src'), { tag: '1.0.0', layers: 2, layerSize: 64 * 1024, seed: 'auth-clients' });
    await skopeo.copy(image.ref, `docker://${ref('team/app:1.0.0')}`, ['--dest-creds', `admin:${ADMIN_PASSWORD}`]);
    await skopeo.copy(image.ref, `docker://${ref('public/tool:1.0.0')}`, ['--dest-creds', `admin:${ADMIN_PASSWORD}`]);
    dockerd = await startDockerd([registry.host]);
  });

  afterAll(async () => {
    await dockerd?.stop();
    await admin?.stop();
    await registry?.stop();
    await podman?.dispose();
    await removeDir(work);
    if (savedAuthFile === undefined) delete process.env['REGISTRY_AUTH_FILE'];
    else process.env['REGISTRY_AUTH_FILE'] = savedAuthFile;
  });

  it('skopeo: --creds pushes and reads; wrong or missing credentials are refused', async () => {
    const inspected = await skopeo.inspect(`docker://${ref('team/app:1.0.0')}`, skopeoCreds('viewer', PASSWORD));
    expect(inspected['Digest']).toBe(image.top.digest);
    await skopeo.copy(image.ref, `docker://${ref('team/skopeo:1')}`, ['--dest-creds', `dev:${PASSWORD}`]);
    const anonymousList = await skopeo.listTags(`docker://${ref('team/skopeo')}`).then(() => 'listed', (error: Error) => error.message);
    expect(anonymousList).toMatch(/unauthorized|authentication required/i);

    const wrong = await skopeo.copy(image.ref, `docker://${ref('team/skopeo:2')}`, ['--dest-creds', 'dev:not-the-password'], { allowFailure: true });
    expect(wrong.code).not.toBe(0);
    expect(output(wrong)).toContain('incorrect username or password');
    const viewerPush = await skopeo.copy(image.ref, `docker://${ref('team/skopeo:3')}`, ['--dest-creds', `viewer:${PASSWORD}`], { allowFailure: true });
    expect(viewerPush.code).not.toBe(0);
    expect(output(viewerPush)).toContain('requested access to the resource is denied: viewer may only pull team/skopeo');
    // Anonymous: the public group reads, the private one does not.
    expect((await skopeo.inspect(`docker://${ref('public/tool:1.0.0')}`))['Digest']).toBe(image.top.digest);
    const anonymous = await skopeo.copy(`docker://${ref('team/app:1.0.0')}`, `dir:${join(work, 'anon')}`, [], { allowFailure: true });
    expect(anonymous.code).not.toBe(0);
    expect(output(anonymous)).toMatch(/authentication required to pull team\/app/);
  });

  it('docker login, push and pull; the login is refused with a wrong password', async () => {
    const bad = await dockerLogin('dev', 'not-the-password');
    expect(bad.code).not.toBe(0);
    expect(output(bad)).toContain('incorrect username or password');
    const login = await dockerLogin('dev', PASSWORD);
    expect(output(login)).toContain('Login Succeeded');

    await docker(['pull', ref('team/app:1.0.0')]);
    await dockerImport('team/docker:1');
    const push = await docker(['push', ref('team/docker:1')]);
    expect(push.stdout).toMatch(/digest: sha256:[0-9a-f]{64}/);
    await docker(['rmi', ref('team/docker:1')]);
    await docker(['pull', ref('team/docker:1')]);
    await docker(['logout', registry.host]);
  });

  it('a pull-only user pulls, and docker push shows the denial', async () => {
    expect(output(await dockerLogin('viewer', PASSWORD))).toContain('Login Succeeded');
    await docker(['pull', ref('team/docker:1')]);
    await docker(['tag', ref('team/docker:1'), ref('team/viewer:1')]);
    const push = await dockerMayFail(['push', ref('team/viewer:1')]);
    expect(push.code).not.toBe(0);
    expect(output(push)).toContain('denied: requested access to the resource is denied: viewer may only pull team/viewer');
    await docker(['logout', registry.host]);
  });

  it('anonymous docker pulls from a public group, but cannot push there or pull a private group', async () => {
    await docker(['pull', ref('public/tool:1.0.0')]);
    await docker(['tag', ref('public/tool:1.0.0'), ref('public/tool:anonymous')]);
    const push = await dockerMayFail(['push', ref('public/tool:anonymous')]);
    expect(push.code).not.toBe(0);
    expect(output(push)).toContain('unauthorized: authentication required to push public/tool');
    const pull = await dockerMayFail(['pull', ref('team/app:1.0.0')]);
    expect(pull.code).not.toBe(0);
    // docker words this one itself: "pull access denied for …, repository does not exist or may require 'docker login'".
    expect(output(pull)).toContain('may require \'docker login\'');
  });

  it('a robot account pushes from CI, then is revoked and its next push fails with 401', async () => {
    expect(output(await dockerLogin('robot$ci', robot.secret))).toContain('Login Succeeded');
    await dockerImport('team/ci-app:build-1');
    expect((await docker(['push', ref('team/ci-app:build-1')])).stdout).toMatch(/digest: sha256:/);
    // Only where granted: team/ci-* but not team/app.
    await docker(['tag', ref('team/ci-app:build-1'), ref('team/app:from-ci')]);
    expect(output(await dockerMayFail(['push', ref('team/app:from-ci')]))).toContain('robot$ci has no access to team/app');
    expect((await admin.ok('GET', `/api/robots/${robot.id}`)).lastUsedAt).not.toBeNull();

    await admin.ok('PATCH', `/api/robots/${robot.id}`, { disabled: true });
    await dockerImport('team/ci-app:build-2');
    const after = await dockerMayFail(['push', ref('team/ci-app:build-2')]);
    expect(after.code).not.toBe(0);
    expect(output(after)).toMatch(/unauthorized|401/i);
    expect(output(after)).toContain('robot account robot$ci is disabled (revoked)');
    await docker(['logout', registry.host]);

    const audit = await admin.ok('GET', '/api/audit?actor=robot$ci&action=push');
    expect(audit.items[0]).toMatchObject({ actorType: 'robot', repository: 'team/ci-app', tag: 'build-1', digest: expect.stringMatching(/^sha256:/) });
  });

  it('a personal access token logs docker in, so config.json never holds the password; revoking it locks docker out', async () => {
    const devToken = await admin.login('dev', PASSWORD);
    const created = await admin.call('POST', '/api/personal-tokens', { token: devToken, body: { name: 'e2e docker' } });
    expect(created.status).toBe(201);
    expect(output(await dockerLogin('dev', created.body.secret))).toContain('Login Succeeded');
    const config = await readFile(join(dockerd.dir, 'cli', 'config.json'), 'utf8');
    const stored = Buffer.from(JSON.parse(config).auths[registry.host].auth, 'base64').toString();
    expect(stored).toBe(`dev:${created.body.secret}`);
    expect(config).not.toContain(Buffer.from(`dev:${PASSWORD}`).toString('base64'));
    await docker(['rmi', ref('team/docker:1')]);
    await docker(['pull', ref('team/docker:1')]);

    expect((await admin.call('DELETE', `/api/personal-tokens/${created.body.token.id}`, { token: devToken })).status).toBe(200);
    await docker(['rmi', ref('team/docker:1')]);
    const locked = await dockerMayFail(['pull', ref('team/docker:1')]);
    expect(locked.code).not.toBe(0);
    expect(output(locked)).toContain('this personal access token was revoked');
    await docker(['logout', registry.host]);
  });

  it('podman login, push and pull; a wrong password is refused', async () => {
    const bad = await podman.run(['login', '--tls-verify=false', '-u', 'dev', '-p', 'not-the-password', registry.host], { allowFailure: true });
    expect(bad.code).not.toBe(0);
    expect(output(bad)).toMatch(/invalid username\/password|incorrect username or password|unauthorized/i);
    expect(output(await podman.run(['login', '--tls-verify=false', '-u', 'dev', '-p', PASSWORD, registry.host]))).toContain('Login Succeeded');
    await podman.run(['pull', '--tls-verify=false', ref('team/app:1.0.0')]);
    await podman.run(['tag', ref('team/app:1.0.0'), ref('team/podman:1')]);
    await podman.run(['push', '--tls-verify=false', ref('team/podman:1')]);
    await podman.run(['logout', registry.host]);
    // Logged out (the auth file no longer holds dev): anonymous is refused, the viewer reads what dev pushed.
    expect(await skopeo.listTags(`docker://${ref('team/podman')}`).then(() => 'listed', () => 'refused')).toBe('refused');
    expect((await skopeo.inspect(`docker://${ref('team/podman:1')}`, skopeoCreds('viewer', PASSWORD)))['Digest']).toBeTruthy();

    const failed = await admin.ok('GET', '/api/audit?action=login.failed&actor=dev');
    expect(failed.total).toBeGreaterThanOrEqual(2);
  });
});
