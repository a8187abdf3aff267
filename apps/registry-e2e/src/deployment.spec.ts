/**
 * The deployment files in docker/, checked with the tools that exist without a Docker build:
 * Debian's nginx (`nginx -t`, then the same config for real in front of the registry), docker-compose
 * v1 (`config`, the compose schema check) and caddy (`caddy validate`). Plus the registry's GC_CRON
 * schedule firing for real and showing in /metrics.
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requireBinary, run, Skopeo } from './support/clients';
import { RegistryHttp } from './support/http';
import { nginxTest, NginxHandle, startNginx } from './support/nginx';
import { readLayout, writeImage } from './support/oci-image';
import { freePort, RegistryHandle, registryOutput, startRegistry } from './support/registry';
import { removeDir, tempDir, workspaceRoot } from './support/tmp';

const dockerDir = () => join(workspaceRoot(), 'docker');

/** docker/nginx.conf with its upstreams and listen port moved to the given ports (fails if its shape changed). */
async function nginxConfOn(ports: { listen: number; registry: number; admin: number }): Promise<string> {
  const original = await readFile(join(dockerDir(), 'nginx.conf'), 'utf8');
  const replacements: Array<[RegExp, string]> = [
    [/server 127\.0\.0\.1:5000;/, `server 127.0.0.1:${ports.registry};`],
    [/server 127\.0\.0\.1:8080;/, `server 127.0.0.1:${ports.admin};`],
    [/listen 80;/, `listen 127.0.0.1:${ports.listen};`],
  ];
  let text = original;
  for (const [pattern, replacement] of replacements) {
    if (!pattern.test(text)) throw new Error(`docker/nginx.conf no longer contains ${pattern}: update this test with the file`);
    text = text.replace(pattern, replacement);
  }
  return text;
}

describe('deployment files (docker/)', () => {
  let work: string;

  beforeAll(async () => {
    work = await tempDir('deployment');
  });

  afterAll(async () => {
    await removeDir(work);
  });

  it('nginx.conf passes nginx -t inside a minimal http {}, and keeps the settings large layers need', async () => {
    const conf = await nginxConfOn({ listen: await freePort(), registry: await freePort(), admin: await freePort() });
    const result = await nginxTest(conf);
    expect(`${result.stderr}`).toContain('test is successful');
    expect(result.code).toBe(0);
    expect(conf).toMatch(/client_max_body_size 0;/);
    const v2 = /location \/v2\/ \{([\s\S]*?)\n {4}\}/.exec(conf)?.[1] ?? '';
    expect(v2).toMatch(/proxy_request_buffering off;/);
    expect(v2).toMatch(/proxy_buffering off;/);
    expect(v2).toMatch(/proxy_read_timeout \d{3,}s;/);
    // and a broken config is refused, so the check can fail
    expect((await nginxTest(conf.replace('client_max_body_size 0;', 'client_max_body_size zero;'))).code).not.toBe(0);
  });

  describe('nginx.conf in front of the registry', () => {
    let reg: RegistryHandle;
    let nginx: NginxHandle;
    let proxy: string;

    beforeAll(async () => {
      reg = await startRegistry({ AUTO_CREATE_GROUPS: 'true', REGISTRY_AUTH: 'none' });
      const listen = await freePort();
      proxy = `127.0.0.1:${listen}`;
      nginx = await startNginx(await nginxConfOn({ listen, registry: reg.port, admin: await freePort() }), `http://${proxy}/v2/`);
    });

    afterAll(async () => {
      await nginx?.stop();
      await reg?.stop();
    });

    it('answers /v2/ through the proxy', async () => {
      const response = await new RegistryHttp(`http://${proxy}`).call('GET', '/v2/');
      expect(response.status).toBe(200);
    });

    it('pushes and pulls with skopeo through nginx, with a 6 MiB layer, every digest intact', async () => {
      const skopeo = new Skopeo();
      const image = await writeImage(join(work, 'image'), { tag: '1.0.0', layers: 2, layerSize: 6 * 1024 * 1024, seed: 'deployment-proxy' });
      expect(image.images[0].layers[0].size).toBeGreaterThan(1024 * 1024);
      const pushed = await skopeo.copyDigest(image.ref, `docker://${proxy}/team/app:1.0.0`);
      expect(pushed).toBe(image.top.digest);
      const out = join(work, 'pulled');
      await skopeo.copy(`docker://${proxy}/team/app:1.0.0`, `oci:${out}:pulled`);
      const got = await readLayout(out, 'pulled');
      expect(got.top).toEqual(image.top);
      expect([...got.digests].sort()).toEqual([...image.digests].sort());
      // the registry itself has it too (nginx did not answer from somewhere else)
      expect((await new RegistryHttp(reg.url).getManifest('team/app', '1.0.0', 'HEAD')).headers.get('docker-content-digest')).toBe(image.top.digest);
    });
  });

  it('docker-compose.yml is a valid compose file with the registry on 5000 and the admin API on 8080', async () => {
    const compose = requireBinary('docker-compose', 'docker-compose');
    // A copy with .env made from .env.example, as the file's header tells operators to do.
    const root = join(work, 'compose');
    await cp(dockerDir(), join(root, 'docker'), { recursive: true });
    await writeFile(join(root, 'docker', '.env'), await readFile(join(dockerDir(), '.env.example')));
    const file = join(root, 'docker', 'docker-compose.yml');
    const env = { ...process.env, DOCKER_HOST: 'unix:///nonexistent.sock' };
    const quiet = await run(compose, ['-f', file, 'config', '-q'], { env, allowFailure: true });
    expect(quiet.stderr).toBe('');
    expect(quiet.code).toBe(0);
    expect((await run(compose, ['-f', file, 'config', '--services'], { env })).stdout.split('\n').filter(Boolean).sort()).toEqual(['admin', 'registry']);
    expect((await run(compose, ['-f', file, 'config', '--volumes'], { env })).stdout.trim()).toBe('refity-data');
    const normalized = (await run(compose, ['-f', file, 'config'], { env })).stdout;
    expect(normalized).toMatch(/published: 5000\s+target: 5000/);
    expect(normalized).toMatch(/published: 8080\s+target: 8080/);
    expect(normalized).toMatch(/COMPOSE_PROJECT_NAME: refity/);
    // the check can fail: an unknown key is refused
    await writeFile(file, `${await readFile(file, 'utf8')}\nnot_a_compose_key: true\n`);
    expect((await run(compose, ['-f', file, 'config', '-q'], { env, allowFailure: true })).code).not.toBe(0);
  });

  it('the built apps list every runtime dependency the Docker image installs (sqlite3 is loaded dynamically by typeorm)', async () => {
    for (const app of ['registry', 'cli']) {
      const manifest = JSON.parse(await readFile(join(workspaceRoot(), 'dist', 'apps', app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      expect(Object.keys(manifest.dependencies)).toEqual(expect.arrayContaining(['sqlite3', 'typeorm']));
    }
    expect(await readFile(join(dockerDir(), 'Dockerfile'), 'utf8')).toMatch(/COPY --from=build \/src\/dist\/apps\/cli \.\/cli/);
  });

  it('Caddyfile passes caddy validate', async () => {
    const caddy = requireBinary('caddy', 'caddy');
    const home = join(work, 'caddy-home');
    const env = { ...process.env, HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home };
    const result = await run(caddy, ['validate', '--config', join(dockerDir(), 'Caddyfile'), '--adapter', 'caddyfile'], { env, allowFailure: true });
    expect(`${result.stdout}${result.stderr}`).toContain('Valid configuration');
    expect(result.code).toBe(0);
  });
});

describe('GC_CRON in the registry', () => {
  let reg: RegistryHandle;

  afterAll(async () => {
    await reg?.stop();
  });

  it('runs garbage collection on the schedule, reclaims a deleted image and counts it in /metrics', async () => {
    reg = await startRegistry({ AUTO_CREATE_GROUPS: 'true', REGISTRY_AUTH: 'none', GC_CRON: '*/2 * * * * *', GC_GRACE_MINUTES: '0', GC_DELETE_UNTAGGED: 'true' });
    const http = new RegistryHttp(reg.url);
    const layerBytes = 'a layer only this image has';
    const configBytes = '{"architecture":"amd64","os":"linux"}';
    // With a grace period of 0, a run that starts between the blob pushes and the manifest PUT
    // sweeps the blobs (nothing references them yet) and the PUT answers MANIFEST_BLOB_UNKNOWN;
    // a client pushes again then, and so does this test.
    let layer = '';
    let pushed = 0;
    for (let attempt = 1; attempt <= 5 && pushed !== 201; attempt++) {
      layer = await http.pushBlob('team/gc', layerBytes);
      const config = await http.pushBlob('team/gc', configBytes);
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: configBytes.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer, size: layerBytes.length }],
      });
      const response = await http.putManifest('team/gc', 'doomed', manifest, 'application/vnd.oci.image.manifest.v1+json');
      pushed = response.status;
      if (pushed !== 201) expect(response.text()).toContain('MANIFEST_BLOB_UNKNOWN');
    }
    expect(pushed).toBe(201);
    // Counted from here: a retried push above may have had its first blobs swept already.
    const counter = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
    const deletedBlobs = /refity_gc_deleted_total\{kind="blob",app="registry"\} (\d+)/;
    const reclaimed = /refity_gc_reclaimed_bytes_total\{app="registry"\} (\d+)/;
    const before = (await http.call('GET', '/metrics')).text();
    expect((await http.call('DELETE', '/v2/team/gc/manifests/doomed')).status).toBe(202);

    const deadline = Date.now() + 60_000;
    let metrics = '';
    while (Date.now() < deadline) {
      metrics = (await http.call('GET', '/metrics')).text();
      if (counter(metrics, deletedBlobs) > counter(before, deletedBlobs)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(metrics).toMatch(/refity_gc_runs_total\{result="ok",mode="delete",app="registry"\} [1-9]/);
    expect(counter(metrics, deletedBlobs) - counter(before, deletedBlobs)).toBe(2);
    expect(counter(metrics, reclaimed) - counter(before, reclaimed)).toBe(layerBytes.length + configBytes.length);
    expect((await http.call('HEAD', `/v2/team/gc/blobs/${layer}`)).status).toBe(404);
    const messages = registryOutput(reg.logFile).map((line) => JSON.parse(line) as { context?: string; msg?: string });
    expect(messages).toContainEqual(expect.objectContaining({ context: 'GC', msg: expect.stringMatching(/^scheduled with GC_CRON "\*\/2 \* \* \* \* \*"/) }));
  });
});
