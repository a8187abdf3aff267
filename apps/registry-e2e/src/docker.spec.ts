/**
 * Docker (a private dockerd, vfs storage, started by the test) against the registry: pull of images
 * pushed by skopeo, push to another repository through cross-repo blob mounts, push of fresh
 * layers, pull back by digest.
 */
import { join } from 'node:path';
import { Dockerd, Skopeo, startDockerd } from './support/clients';
import { DEFAULT_PLATFORMS, ImageInfo, MediaTypes, sha256, writeImage, writeTar } from './support/oci-image';
import { RegistryHandle, startRegistry } from './support/registry';
import { SftpStorage, startSftpStorage } from './support/sftp-storage';
import { removeDir, tempDir } from './support/tmp';

interface DockerImage {
  Id: string;
  RepoDigests: string[];
  Architecture: string;
  Variant?: string;
}

describe('docker', () => {
  let reg: RegistryHandle;
  let storage: SftpStorage;
  let skopeo: Skopeo;
  let dockerd: Dockerd;
  let work: string;
  let single: ImageInfo;
  let multi: ImageInfo;

  const image = (ref: string) => `${reg.host}/${ref}`;
  const docker = (args: string[]) => dockerd.docker(args);
  const inspect = async (ref: string): Promise<DockerImage> => JSON.parse((await docker(['image', 'inspect', ref])).stdout)[0];
  /** the "digest: sha256:... size: N" line docker push prints */
  const pushedDigest = (stdout: string): string => {
    const m = /digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(stdout);
    if (!m) throw new Error(`no digest in docker push output:\n${stdout}`);
    return m[1];
  };

  beforeAll(async () => {
    skopeo = new Skopeo();
    // Images land on a real sshd, as in production (asynchronous uploads, the default).
    storage = await startSftpStorage();
    reg = await startRegistry({ AUTO_CREATE_GROUPS: 'true', REGISTRY_AUTH: 'none', ...storage.env });
    work = await tempDir('docker-work');
    single = await writeImage(join(work, 'src'), { tag: '1.0.0', layers: 2, layerSize: 256 * 1024, seed: 'docker-single' });
    multi = await writeImage(join(work, 'src'), { tag: 'multi', layers: 2, layerSize: 128 * 1024, seed: 'docker-multi', platforms: DEFAULT_PLATFORMS });
    await skopeo.copy(single.ref, `docker://${image('team/app:1.0.0')}`);
    await skopeo.copy(multi.ref, `docker://${image('team/multi:1.0.0')}`, ['--all']);
    dockerd = await startDockerd([reg.host]);
  });

  afterAll(async () => {
    await dockerd?.stop();
    await reg?.stop();
    await removeDir(work);
    await storage?.stop();
  });

  it('pulls an OCI image pushed by skopeo', async () => {
    const out = await docker(['pull', image('team/app:1.0.0')]);
    expect(out.stdout).toContain(`Digest: ${single.top.digest}`);
    const info = await inspect(image('team/app:1.0.0'));
    expect(info.Id).toBe(single.images[0].config.digest);
    expect(info.RepoDigests).toContain(`${image('team/app')}@${single.top.digest}`);
  });

  it('pulls the platform it asks for out of a multi-arch index', async () => {
    await docker(['pull', '--platform', 'linux/arm64/v8', image('team/multi:1.0.0')]);
    const arm = await inspect(image('team/multi:1.0.0'));
    expect(arm.Id).toBe(multi.images[1].config.digest);
    expect(arm.Architecture).toBe('arm64');
    await docker(['pull', '--platform', 'linux/amd64', image('team/multi:1.0.0')]);
    const amd = await inspect(image('team/multi:1.0.0'));
    expect(amd.Id).toBe(multi.images[0].config.digest);
  });

  it('tags and pushes to another repository by mounting the blobs, then pulls it back by digest', async () => {
    await docker(['pull', image('team/app:1.0.0')]);
    await docker(['tag', image('team/app:1.0.0'), image('mirror/app:copy')]);
    const push = await docker(['push', image('mirror/app:copy')]);
    // every layer came over by a cross-repository mount, none was uploaded again
    // (docker names layers by the short diff_id, the digest of the uncompressed tar)
    for (const d of single.images[0].diffIds) expect(push.stdout).toContain(`${d.slice(7, 19)}: Mounted from team/app`);
    expect(push.stdout).not.toMatch(/: Pushed/);
    const digest = pushedDigest(push.stdout);

    // docker always pushes Docker schema2; same config and the same (mounted) layer blobs
    const raw = await skopeo.inspectRaw(`docker://${image('mirror/app:copy')}`);
    expect(sha256(raw)).toBe(digest);
    const m = JSON.parse(raw.toString('utf8'));
    expect(m.mediaType).toBe(MediaTypes.dockerManifest);
    expect(m.config.digest).toBe(single.images[0].config.digest);
    expect(m.layers.map((l: { digest: string }) => l.digest)).toEqual(single.images[0].layers.map((l) => l.digest));

    await docker(['rmi', image('team/app:1.0.0'), image('mirror/app:copy')]);
    await docker(['pull', `${image('mirror/app')}@${digest}`]);
    const info = await inspect(`${image('mirror/app')}@${digest}`);
    expect(info.Id).toBe(single.images[0].config.digest);
  });

  it('pushes an image with a layer the registry has never seen and pulls it back by digest', async () => {
    const tar = join(work, 'rootfs.tar');
    const payload = Buffer.from(`fresh layer ${Date.now()} ${Math.random()}\n`.repeat(2000));
    await writeTar(tar, [
      { name: 'etc', type: 'dir' },
      { name: 'etc/refity-e2e.txt', type: 'file', size: payload.length, content: payload },
    ]);
    const id = (await docker(['import', tar, image('docker/imported:1')])).stdout.trim();
    const push = await docker(['push', image('docker/imported:1')]);
    expect(push.stdout).toMatch(/: Pushed/);
    const digest = pushedDigest(push.stdout);
    expect(sha256(await skopeo.inspectRaw(`docker://${image('docker/imported:1')}`))).toBe(digest);

    await docker(['rmi', image('docker/imported:1')]);
    await docker(['pull', `${image('docker/imported')}@${digest}`]);
    expect((await inspect(`${image('docker/imported')}@${digest}`)).Id).toBe(id);
  });
});
