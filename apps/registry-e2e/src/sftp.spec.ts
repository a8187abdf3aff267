/**
 * The registry with its bytes on a real OpenSSH SFTP server (throwaway sshd from libs/testing):
 * every blob and manifest lands in the SFTP tree, pulls round-trip, a server outage is a clear
 * 503 (never a 500 or a hang), and the registry recovers by itself when the server is back.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, SshdServer } from '@refity/testing';
import { Skopeo } from './support/clients';
import { expectOciError, RegistryHttp } from './support/http';
import { DEFAULT_PLATFORMS, ImageInfo, readLayout, sha256, writeImage } from './support/oci-image';
import { RegistryHandle, registryOutput, startRegistry } from './support/registry';
import { sftpEnv } from './support/sftp-storage';
import { removeDir, tempDir } from './support/tmp';

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('registry on SFTP', () => {
  let sshd: SshdServer;
  let reg: RegistryHandle;
  let skopeo: Skopeo;
  let http: RegistryHttp;
  let work: string;
  let single: ImageInfo;
  let multi: ImageInfo;

  const remote = (ref: string) => `docker://${reg.host}/${ref}`;
  const onServer = (...path: string[]) => join(sshd.sftpRoot, 'store', 'registry', ...path);

  beforeAll(async () => {
    sshd = await startSshd();
    reg = await startRegistry({
      AUTO_CREATE_GROUPS: 'true',
      REGISTRY_AUTH: 'none',
      ...sftpEnv(sshd),
      FTP_ROOT: 'store',
      SFTP_POOL_SIZE: '3',
    });
    skopeo = new Skopeo();
    http = new RegistryHttp(reg.url);
    work = await tempDir('sftp');
    single = await writeImage(join(work, 'src'), { tag: '1.0.0', layers: 3, layerSize: 3 * 1024 * 1024, seed: 'sftp-single' });
    multi = await writeImage(join(work, 'src'), { tag: 'multi', layers: 2, layerSize: 256 * 1024, seed: 'sftp-multi', platforms: DEFAULT_PLATFORMS });
  });

  afterAll(async () => {
    await reg?.stop();
    await sshd?.stop();
    await removeDir(work);
  });

  it('puts every blob, manifest and tag file of a push on the SFTP server, byte-exact', async () => {
    await skopeo.copy(single.ref, remote('myteam/app:1.0.0'));
    // Uploads to SFTP are asynchronous by default: wait for the queue.
    const fileOf = (digest: string) => (digest === single.top.digest ? onServer('myteam', 'app', 'manifests', digest) : onServer('myteam', 'app', 'blobs', digest));
    await waitFor(
      () => existsSync(onServer('myteam', 'app', 'manifests', '1.0.0')) && single.digests.every((digest) => existsSync(fileOf(digest))),
      'every file of the push on the SFTP server',
    );
    for (const digest of single.digests) {
      const path = fileOf(digest);
      expect(sha256(readFileSync(path))).toBe(digest);
    }
    expect(sha256(readFileSync(onServer('myteam', 'app', 'manifests', '1.0.0')))).toBe(single.top.digest);
  });

  it('pulls a multi-arch index back from SFTP with the same digests', async () => {
    await skopeo.copy(multi.ref, remote('myteam/app:multi'), ['--all']);
    const out = join(work, 'pulled');
    await skopeo.copy(remote('myteam/app:multi'), `oci:${out}:pulled`, ['--all']);
    const got = await readLayout(out, 'pulled');
    expect(got.top).toEqual(multi.top);
    expect([...got.digests].sort()).toEqual([...multi.digests].sort());
  });

  it('logs only JSON lines, one per request, and never the SFTP password', async () => {
    for (let i = 0; i < 3; i++) await http.call('GET', '/v2/_catalog');
    const requestLines = () => readFileSync(reg.logFile, 'utf8').split('\n').filter((line) => line.includes('"msg":"request"'));
    await waitFor(() => requestLines().filter((line) => line.includes('"path":"/v2/_catalog"')).length >= 3, 'three request log lines', 10_000);
    const lines = requestLines();
    expect(JSON.parse(lines[0])).toMatchObject({ app: 'registry', req: { method: expect.any(String), path: expect.stringMatching(/^\//) }, res: { status: expect.any(Number) } });
    // The harness's own header lines record the environment it passed; the registry's lines must not.
    const output = registryOutput(reg.logFile);
    expect(output.join('\n')).not.toContain(sshd.password);
    // Start-up messages too (storage, listening address): a log shipper parses every line.
    const parsed = output.map((line) => JSON.parse(line) as { app?: string; context?: string; msg?: string });
    expect(parsed.every((line) => line.app === 'registry')).toBe(true);
    expect(parsed).toContainEqual(expect.objectContaining({ context: 'Bootstrap', msg: expect.stringMatching(/^registry listening on http:/) }));
  });

  it('serves byte ranges of a blob stored on SFTP', async () => {
    const layer = single.images[0].layers[1];
    const data = readFileSync(onServer('myteam', 'app', 'blobs', layer.digest));
    const res = await http.call('GET', `/v2/myteam/app/blobs/${layer.digest}`, { headers: { Range: 'bytes=1000-200999' } });
    expect(res.status).toBe(206);
    expect(res.body.equals(data.subarray(1000, 201000))).toBe(true);
  });

  it('answers 503 UNAVAILABLE while the SFTP server is down, and recovers when it is back', async () => {
    const layer = single.images[0].layers[0];
    await sshd.kill();
    const down = await http.call('GET', `/v2/myteam/app/blobs/${layer.digest}`);
    expectOciError(down, 503, 'UNAVAILABLE');
    expect((await http.call('GET', '/readyz')).status).toBe(503);
    expect((await http.call('GET', '/healthz')).status).toBe(200);
    await sshd.restart();
    let status = 0;
    for (let attempt = 0; attempt < 30 && status !== 200; attempt++) {
      status = (await http.call('GET', `/v2/myteam/app/blobs/${layer.digest}`)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(status).toBe(200);
    expect((await http.call('GET', '/readyz')).json()).toMatchObject({ status: 'ready', storage: { ok: true }, database: { ok: true } });
    const out = join(work, 'after-outage');
    await skopeo.copy(remote('myteam/app:1.0.0'), `oci:${out}:pulled`);
    expect((await readLayout(out, 'pulled')).top).toEqual(single.top);
  });
});

describe('registry on SFTP: asynchronous uploads', () => {
  let sshd: SshdServer;
  let reg: RegistryHandle;
  let skopeo: Skopeo;
  let work: string;
  let image: ImageInfo;
  const remote = (ref: string) => `docker://${reg.host}/${ref}`;
  const onServer = (...path: string[]) => join(sshd.sftpRoot, 'registry', ...path);
  const allOnServer = () => image.digests.every((digest) => existsSync(onServer('myteam', 'queued', digest === image.top.digest ? 'manifests' : 'blobs', digest)));

  beforeAll(async () => {
    sshd = await startSshd();
    skopeo = new Skopeo();
    work = await tempDir('sftp-async');
    image = await writeImage(join(work, 'src'), { tag: 'v1', layers: 2, layerSize: 2 * 1024 * 1024, seed: 'sftp-async' });
    reg = await startRegistry({
      AUTO_CREATE_GROUPS: 'true',
      REGISTRY_AUTH: 'none',
      // key authentication here; sftpEnv() logs in with the password
      FTP_HOST: sshd.host,
      FTP_PORT: String(sshd.port),
      FTP_USERNAME: sshd.username,
      FTP_PRIVATE_KEY: sshd.privateKeyPath,
      FTP_KNOWN_HOSTS: sshd.knownHostsPath,
    });
  });

  afterAll(async () => {
    await reg?.stop();
    await sshd?.stop();
    await removeDir(work);
  });

  it('accepts a push while sshd is down, serves it from the local queue, and drains it across a registry restart', async () => {
    await sshd.kill();
    await skopeo.copy(image.ref, remote('myteam/queued:v1'));
    // Pulled right after the push, from the local copies.
    const early = join(work, 'early');
    await skopeo.copy(remote('myteam/queued:v1'), `oci:${early}:pulled`);
    expect((await readLayout(early, 'pulled')).top).toEqual(image.top);
    expect(allOnServer()).toBe(false);

    // The registry restarts with the jobs pending and sshd still down: it starts and keeps serving them.
    await reg.restart();
    const restarted = join(work, 'restarted');
    await skopeo.copy(remote('myteam/queued:v1'), `oci:${restarted}:pulled`);
    expect((await readLayout(restarted, 'pulled')).top).toEqual(image.top);
    expect(allOnServer()).toBe(false);
    // sshd comes back: the queue drains by itself.
    await sshd.restart();
    await waitFor(allOnServer, 'the queued blobs and manifest on the SFTP server');
    for (const digest of image.digests.filter((d) => d !== image.top.digest)) {
      expect(sha256(readFileSync(onServer('myteam', 'queued', 'blobs', digest)))).toBe(digest);
    }
    expect(sha256(readFileSync(onServer('myteam', 'queued', 'manifests', 'v1')))).toBe(image.top.digest);
    const late = join(work, 'late');
    await skopeo.copy(remote('myteam/queued:v1'), `oci:${late}:pulled`);
    expect((await readLayout(late, 'pulled')).top).toEqual(image.top);
  });
});

describe('registry on SFTP: synchronous uploads', () => {
  let sshd: SshdServer;
  let reg: RegistryHandle;
  let http: RegistryHttp;

  beforeAll(async () => {
    sshd = await startSshd();
    reg = await startRegistry({
      AUTO_CREATE_GROUPS: 'true',
      REGISTRY_AUTH: 'none',
      SFTP_SYNC_UPLOAD: 'true',
      ...sftpEnv(sshd),
    });
    http = new RegistryHttp(reg.url);
  });

  afterAll(async () => {
    await reg?.stop();
    await sshd?.stop();
  });

  it('has the blob on SFTP before answering 201, and answers 503 with nothing stored while sshd is down', async () => {
    const digest = await http.pushBlob('myteam/sync', 'stored before 201');
    expect(readFileSync(join(sshd.sftpRoot, 'registry', 'myteam', 'sync', 'blobs', digest), 'utf8')).toBe('stored before 201');
    // Streamed to uploads/<session> while it arrived, then moved into place: nothing stays behind.
    expect(readdirSync(join(sshd.sftpRoot, 'uploads'))).toEqual([]);

    await sshd.kill();
    const data = Buffer.alloc(1024 * 1024, 'x');
    const start = await http.call('POST', '/v2/myteam/sync/blobs/uploads/');
    expect(start.status).toBe(202);
    const put = await http.call('PUT', `${http.resolve(start.headers.get('location'))}?digest=${sha256(data)}`, { headers: { 'Content-Type': 'application/octet-stream' }, body: data });
    expectOciError(put, 503, 'UNAVAILABLE');
    await sshd.restart();
    expect(existsSync(join(sshd.sftpRoot, 'registry', 'myteam', 'sync', 'blobs', sha256(data)))).toBe(false);
    const head = await http.call('HEAD', `/v2/myteam/sync/blobs/${sha256(data)}`);
    expect(head.status).toBe(404);
  });
});

describe('registry on SFTP: read cache (CACHE_MAX_BYTES)', () => {
  let sshd: SshdServer;
  let reg: RegistryHandle;
  let skopeo: Skopeo;
  let http: RegistryHttp;
  let work: string;
  let image: ImageInfo;
  const remote = (ref: string) => `docker://${reg.host}/${ref}`;
  const onServer = (...path: string[]) => join(sshd.sftpRoot, 'registry', ...path);
  const metric = async (name: string) => {
    const line = (await http.call('GET', '/metrics')).text().split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
    return Number(line?.split(' ').pop() ?? NaN);
  };

  beforeAll(async () => {
    sshd = await startSshd();
    skopeo = new Skopeo();
    work = await tempDir('sftp-cache');
    image = await writeImage(join(work, 'src'), { tag: 'v1', layers: 3, layerSize: 2 * 1024 * 1024, seed: 'sftp-cache' });
    reg = await startRegistry({
      AUTO_CREATE_GROUPS: 'true',
      REGISTRY_AUTH: 'none',
      CACHE_MAX_BYTES: String(64 * 1024 * 1024),
      ...sftpEnv(sshd),
    });
    http = new RegistryHttp(reg.url);
  });

  afterAll(async () => {
    await reg?.stop();
    await sshd?.stop();
    await removeDir(work);
  });

  it('pulls an image it has read once while sshd is down: blobs and manifest from the cache, the tag from metadata', async () => {
    await skopeo.copy(image.ref, remote('myteam/cached:v1'));
    // Until the upload queue has drained, pulls are served from the queue, not SFTP.
    await waitFor(() => image.digests.every((digest) => existsSync(onServer('myteam', 'cached', digest === image.top.digest ? 'manifests' : 'blobs', digest))), 'the push on the SFTP server');
    await waitFor(() => !existsSync(join(reg.dataDir, 'upload-queue')) || readdirSync(join(reg.dataDir, 'upload-queue')).length === 0, 'an empty upload queue');

    const first = join(work, 'first');
    await skopeo.copy(remote('myteam/cached:v1'), `oci:${first}:pulled`);
    expect((await readLayout(first, 'pulled')).top).toEqual(image.top);
    // Copies land right after each read; the manifest, the config and every layer are cached.
    const entries = async () => metric('refity_cache_entries');
    for (let attempt = 0; attempt < 40 && (await entries()) < image.digests.length; attempt++) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await entries()).toBe(image.digests.length);

    await sshd.kill();
    try {
      const second = join(work, 'second');
      await skopeo.copy(remote('myteam/cached:v1'), `oci:${second}:pulled`);
      expect((await readLayout(second, 'pulled')).top).toEqual(image.top);
      const layer = image.images[0].layers[0];
      const ranged = await http.call('GET', `/v2/myteam/cached/blobs/${layer.digest}`, { headers: { Range: 'bytes=100-1099' } });
      expect(ranged.status).toBe(206);
      expect(ranged.body.length).toBe(1000);
      expect(await metric('refity_cache_hits_total')).toBeGreaterThanOrEqual(image.digests.length);
    } finally {
      await sshd.restart();
    }
  });
});
