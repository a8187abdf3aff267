/**
 * podman 4 (containers/image + containers/storage, vfs driver, private root) against the registry:
 * pull, tag, push (OCI and Docker schema2) and manifest lists.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Podman, Skopeo } from './support/clients';
import { DEFAULT_PLATFORMS, ImageInfo, MediaTypes, sha256, writeImage } from './support/oci-image';
import { RegistryHandle, startRegistry } from './support/registry';
import { SftpStorage, startSftpStorage } from './support/sftp-storage';
import { removeDir, tempDir } from './support/tmp';

interface Manifest {
  mediaType: string;
  config: { mediaType: string; digest: string };
  layers: { mediaType: string; digest: string }[];
}

describe('podman', () => {
  let reg: RegistryHandle;
  let storage: SftpStorage;
  let skopeo: Skopeo;
  let podman: Podman;
  let work: string;
  let single: ImageInfo;
  let multi: ImageInfo;

  const image = (ref: string) => `${reg.host}/${ref}`;
  const podmanJson = async <T>(args: string[]): Promise<T> => JSON.parse((await podman.run(args)).stdout) as T;

  /** Pushes with --digestfile; checks the digest against the bytes the registry then serves. */
  async function pushAndFetch(command: string[], args: string[], ref: string): Promise<{ digest: string; raw: Buffer }> {
    const digestFile = join(work, `digest-${ref.replace(/\W/g, '_')}`);
    await podman.run([...command, '--tls-verify=false', '--digestfile', digestFile, ...args]);
    const digest = (await readFile(digestFile, 'utf8')).trim();
    const raw = await skopeo.inspectRaw(`docker://${image(ref)}`);
    expect(sha256(raw)).toBe(digest);
    return { digest, raw };
  }

  beforeAll(async () => {
    skopeo = new Skopeo();
    podman = await Podman.create();
    // Images land on a real sshd, as in production (asynchronous uploads, the default).
    storage = await startSftpStorage();
    reg = await startRegistry({ AUTO_CREATE_GROUPS: 'true', REGISTRY_AUTH: 'none', ...storage.env });
    work = await tempDir('podman-work');
    single = await writeImage(join(work, 'src'), { tag: '1.0.0', layers: 2, layerSize: 256 * 1024, seed: 'podman-single' });
    multi = await writeImage(join(work, 'src'), { tag: 'multi', layers: 2, layerSize: 128 * 1024, seed: 'podman-multi', platforms: DEFAULT_PLATFORMS });
    await skopeo.copy(single.ref, `docker://${image('team/app:1.0.0')}`);
    await skopeo.copy(multi.ref, `docker://${image('team/multi:1.0.0')}`, ['--all']);
  });

  afterAll(async () => {
    await reg?.stop();
    await podman?.dispose();
    await removeDir(work);
    await storage?.stop();
  });

  it('pulls an image pushed by skopeo', async () => {
    await podman.run(['pull', '--tls-verify=false', image('team/app:1.0.0')]);
    const [info] = await podmanJson<{ Id: string; Digest: string; RepoDigests: string[]; Architecture: string }[]>([
      'image',
      'inspect',
      image('team/app:1.0.0'),
    ]);
    expect(info.Digest).toBe(single.top.digest);
    expect('sha256:' + info.Id).toBe(single.images[0].config.digest);
    expect(info.RepoDigests).toContain(`${image('team/app')}@${single.top.digest}`);
    expect(info.Architecture).toBe('amd64');
  });

  it('tags and pushes as OCI; the registry serves the manifest podman wrote', async () => {
    await podman.run(['pull', '--tls-verify=false', image('team/app:1.0.0')]);
    await podman.run(['tag', image('team/app:1.0.0'), image('podman/oci:1.0.0')]);
    const { raw } = await pushAndFetch(['push'], ['--format', 'oci', image('podman/oci:1.0.0')], 'podman/oci:1.0.0');
    const m = JSON.parse(raw.toString('utf8')) as Manifest;
    expect(m.mediaType).toBe(MediaTypes.ociManifest);
    // same config blob = same image (its rootfs.diff_ids pin the uncompressed layers)
    expect(m.config.digest).toBe(single.images[0].config.digest);
    expect(m.layers).toHaveLength(2);
    expect((await skopeo.listTags(`docker://${image('podman/oci')}`)).Tags).toEqual(['1.0.0']);
  });

  it('pushes with --format v2s2 (Docker schema2) and pulls it back by digest', async () => {
    await podman.run(['pull', '--tls-verify=false', image('team/app:1.0.0')]);
    const { digest, raw } = await pushAndFetch(['push'], ['--format', 'v2s2', image('team/app:1.0.0'), image('podman/v2s2:1.0.0')], 'podman/v2s2:1.0.0');
    const m = JSON.parse(raw.toString('utf8')) as Manifest;
    expect(m.mediaType).toBe(MediaTypes.dockerManifest);
    expect(m.config.mediaType).toBe(MediaTypes.dockerConfig);
    expect(m.layers.map((l) => l.mediaType)).toEqual([MediaTypes.dockerLayerGzip, MediaTypes.dockerLayerGzip]);

    await podman.run(['rmi', '--all', '--force']);
    await podman.run(['pull', '--tls-verify=false', `${image('podman/v2s2')}@${digest}`]);
    const [info] = await podmanJson<{ Id: string; Digest: string }[]>(['image', 'inspect', `${image('podman/v2s2')}@${digest}`]);
    expect(info.Digest).toBe(digest);
    expect('sha256:' + info.Id).toBe(single.images[0].config.digest);
  });

  it('pulls the linux/arm64/v8 image of a multi-arch index', async () => {
    await podman.run(['pull', '--tls-verify=false', '--os', 'linux', '--arch', 'arm64', '--variant', 'v8', image('team/multi:1.0.0')]);
    const [info] = await podmanJson<{ Id: string; Architecture: string }[]>(['image', 'inspect', image('team/multi:1.0.0')]);
    expect(info.Architecture).toBe('arm64');
    expect('sha256:' + info.Id).toBe(multi.images[1].config.digest);
  });

  it('manifest create/add/push --all copies a multi-arch index with its digest preserved', async () => {
    const list = 'localhost/refity-e2e-list:1';
    await podman.run(['manifest', 'create', list]);
    await podman.run(['manifest', 'add', '--all', '--tls-verify=false', list, `docker://${image('team/multi:1.0.0')}`]);
    const { digest, raw } = await pushAndFetch(['manifest', 'push'], ['--all', list, `docker://${image('podman/list:1.0.0')}`], 'podman/list:1.0.0');
    expect(digest).toBe(multi.top.digest);
    expect(JSON.parse(raw.toString('utf8')).mediaType).toBe(MediaTypes.ociIndex);
    // every platform image was pushed along with the index
    for (const img of multi.images) {
      expect(sha256(await skopeo.inspectRaw(`docker://${image('podman/list')}@${img.manifest.digest}`))).toBe(img.manifest.digest);
    }
    // and podman pulls it back as a list
    await podman.run(['manifest', 'rm', list]);
    await podman.run(['pull', '--tls-verify=false', image('podman/list:1.0.0')]);
    const [info] = await podmanJson<{ Id: string }[]>(['image', 'inspect', image('podman/list:1.0.0')]);
    expect('sha256:' + info.Id).toBe(multi.images[0].config.digest);
  });
});
