/**
 * The storage folder as a static, read-only registry: push with skopeo to the real registry
 * (local storage), generate the nginx config with the built CLI (`refity static-nginx-config`),
 * serve DATA_DIR/storage with Debian's nginx, pull from nginx and compare every digest.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run, Skopeo } from './support/clients';
import { RegistryHttp } from './support/http';
import { NginxHandle, startNginx } from './support/nginx';
import { DEFAULT_PLATFORMS, ImageInfo, MediaTypes, readLayout, writeImage } from './support/oci-image';
import { freePort, RegistryHandle, startRegistry } from './support/registry';
import { removeDir, tempDir, workspaceRoot } from './support/tmp';

const sorted = (values: string[]) => [...values].sort();

describe('static registry: the storage folder served by nginx', () => {
  let reg: RegistryHandle;
  let nginx: NginxHandle;
  let nginxHost: string;
  let http: RegistryHttp;
  let skopeo: Skopeo;
  let work: string;
  let single: ImageInfo;
  let multi: ImageInfo;
  let legacy: ImageInfo;
  let pulls = 0;

  const fromNginx = (ref: string) => `docker://${nginxHost}/${ref}`;

  async function pull(ref: string, image: ImageInfo, extra: string[] = []) {
    const out = join(work, `pull-${++pulls}`);
    await skopeo.copy(fromNginx(ref), image.format === 'oci' ? `oci:${out}:pulled` : `dir:${out}`, extra);
    return readLayout(out, image.format === 'oci' ? 'pulled' : undefined);
  }

  beforeAll(async () => {
    skopeo = new Skopeo();
    const cli = join(workspaceRoot(), 'dist', 'apps', 'cli', 'main.js');
    if (!existsSync(cli)) throw new Error(`${cli} does not exist: build the CLI first (npx nx build cli; the registry-e2e:test target does it)`);
    reg = await startRegistry({ AUTO_CREATE_GROUPS: 'true', REGISTRY_AUTH: 'none' });
    work = await tempDir('static');
    single = await writeImage(join(work, 'single'), { tag: '1.0.0', layers: 3, layerSize: 1536 * 1024, seed: 'static-single' });
    multi = await writeImage(join(work, 'multi'), { tag: 'multi', layers: 1, layerSize: 128 * 1024, seed: 'static-multi', platforms: DEFAULT_PLATFORMS });
    legacy = await writeImage(join(work, 'legacy'), { format: 'docker', layers: 1, layerSize: 64 * 1024, seed: 'static-legacy' });
    await skopeo.copy(single.ref, `docker://${reg.host}/team/app:1.0.0`);
    await skopeo.copy(multi.ref, `docker://${reg.host}/team/app:multi`, ['--all']);
    await skopeo.copy(legacy.ref, `docker://${reg.host}/team/tools/legacy:v2`);

    const port = await freePort();
    nginxHost = `127.0.0.1:${port}`;
    const snippet = join(work, 'refity-static.conf');
    // Same environment as the registry: its DATA_DIR holds the database and the storage folder.
    await run(process.execPath, [cli, 'static-nginx-config', '--listen', nginxHost, '--output', snippet], {
      env: { ...process.env, ...reg.env, DATA_DIR: reg.dataDir, NODE_ENV: 'development' },
    });
    nginx = await startNginx(`include ${snippet};`, `http://${nginxHost}/v2/`);
    http = new RegistryHttp(`http://${nginxHost}`);
  });

  afterAll(async () => {
    await nginx?.stop();
    await reg?.stop();
    await removeDir(work);
  });

  it('answers /v2/ like a registry', async () => {
    const response = await http.call('GET', '/v2/');
    expect(response.status).toBe(200);
    expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it('pulls an OCI image by tag and by digest with skopeo, every digest the same as pushed', async () => {
    for (const ref of ['team/app:1.0.0', `team/app@${single.top.digest}`]) {
      const got = await pull(ref, single);
      expect(got.top).toEqual(single.top);
      expect(sorted(got.digests)).toEqual(sorted(single.digests));
    }
  });

  it('serves a multi-arch index with its media type: --all and a single platform', async () => {
    const all = await pull('team/app:multi', multi, ['--all']);
    expect(all.top).toEqual(multi.top);
    expect(sorted(all.digests)).toEqual(sorted(multi.digests));
    const arm = await pull('team/app:multi', multi, ['--override-arch', 'arm64', '--override-variant', 'v8']);
    const armImage = multi.images.find((image) => image.platform.architecture === 'arm64');
    expect(arm.top.digest).toBe(armImage?.manifest.digest);
  });

  it('keeps the Docker schema 2 media type and the digest headers of every manifest', async () => {
    const got = await pull('team/tools/legacy:v2', legacy);
    expect(got.top).toEqual(legacy.top);
    const byTag = await http.getManifest('team/tools/legacy', 'v2');
    expect(byTag.status).toBe(200);
    expect(byTag.headers.get('content-type')).toBe(MediaTypes.dockerManifest);
    expect(byTag.headers.get('docker-content-digest')).toBe(legacy.top.digest);
    const index = await http.getManifest('team/app', multi.top.digest, 'HEAD');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe(MediaTypes.ociIndex);
    expect(index.headers.get('docker-content-digest')).toBe(multi.top.digest);
    expect(Number(index.headers.get('content-length'))).toBe(multi.top.size);
  });

  it('serves blobs with their digest and byte ranges', async () => {
    const layer = single.images[0].layers[0];
    const range = await http.call('GET', `/v2/team/app/blobs/${layer.digest}`, { headers: { Range: 'bytes=0-99' } });
    expect(range.status).toBe(206);
    expect(range.body.length).toBe(100);
    expect(range.headers.get('docker-content-digest')).toBe(layer.digest);
    expect(range.headers.get('content-type')).toBe('application/octet-stream');
  });

  it('lists the tags known when the config was generated', async () => {
    const listed = await skopeo.listTags(fromNginx('team/app'));
    expect(listed.Tags).toEqual(['1.0.0', 'multi']);
  });

  it('is read-only and exposes nothing but blobs and manifests', async () => {
    expect((await http.call('GET', '/v2/team/app/manifests/2.0.0')).status).toBe(404);
    expect((await http.call('GET', '/registry/team/app/manifests/1.0.0')).status).toBe(404);
    expect((await http.call('GET', '/v2/team/app/manifests/.tmp-x')).status).toBe(404);
    const upload = await http.call('POST', '/v2/team/app/blobs/uploads/');
    expect(upload.status).toBeGreaterThanOrEqual(400);
    const put = await http.putManifest('team/app', '9.9.9', Buffer.from('{}'), MediaTypes.ociManifest);
    expect(put.status).toBeGreaterThanOrEqual(400);
  });
});
