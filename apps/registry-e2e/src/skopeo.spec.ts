/**
 * skopeo (containers/image) against the built registry: push/pull round trips must keep every
 * digest (manifest, index, config, layers) byte for byte.
 */
import { join } from 'node:path';
import { Skopeo } from './support/clients';
import { DEFAULT_PLATFORMS, ImageInfo, MediaTypes, readLayout, sha256, writeImage } from './support/oci-image';
import { RegistryHandle, startRegistry } from './support/registry';
import { SftpStorage, startSftpStorage } from './support/sftp-storage';
import { removeDir, tempDir } from './support/tmp';

const sorted = (a: string[]) => [...a].sort();

describe('skopeo', () => {
  let reg: RegistryHandle;
  let storage: SftpStorage;
  let skopeo: Skopeo;
  let work: string;
  let single: ImageInfo;
  let multi: ImageInfo;
  let pulls = 0;

  const remote = (ref: string) => `docker://${reg.host}/${ref}`;

  /** Pulls `ref` into a new OCI layout (or dir:) and returns what landed there. */
  async function pull(ref: string, extra: string[] = [], transport: 'oci' | 'dir' = 'oci') {
    const out = join(work, `pull-${++pulls}`);
    await skopeo.copy(remote(ref), transport === 'oci' ? `oci:${out}:pulled` : `dir:${out}`, extra);
    return readLayout(out, transport === 'oci' ? 'pulled' : undefined);
  }

  async function expectRoundTrip(ref: string, image: ImageInfo, extra: string[] = []) {
    const got = await pull(ref, extra, image.format === 'oci' ? 'oci' : 'dir');
    expect(got.top).toEqual(image.top);
    expect(sorted(got.digests)).toEqual(sorted(image.digests));
  }

  beforeAll(async () => {
    skopeo = new Skopeo();
    // Images land on a real sshd, as in production (asynchronous uploads, the default).
    storage = await startSftpStorage();
    reg = await startRegistry({ AUTO_CREATE_GROUPS: 'true', REGISTRY_AUTH: 'none', ...storage.env });
    work = await tempDir('skopeo');
    single = await writeImage(join(work, 'src'), { tag: '1.0.0', layers: 3, layerSize: 512 * 1024, seed: 'skopeo-single' });
    multi = await writeImage(join(work, 'src'), { tag: 'multi', layers: 2, layerSize: 256 * 1024, seed: 'skopeo-multi', platforms: DEFAULT_PLATFORMS });
  });

  afterAll(async () => {
    await reg?.stop();
    await removeDir(work);
    await storage?.stop();
  });

  it('pushes an OCI image and pulls back the same manifest digest and every blob digest', async () => {
    const pushed = await skopeo.copyDigest(single.ref, remote('team/app:1.0.0'));
    expect(pushed).toBe(single.top.digest);
    await expectRoundTrip('team/app:1.0.0', single);
    // by digest too
    await expectRoundTrip(`team/app@${single.top.digest}`, single);
  });

  it('serves the exact manifest bytes that were pushed', async () => {
    await skopeo.copy(single.ref, remote('team/raw:1.0.0'));
    const raw = await skopeo.inspectRaw(remote('team/raw:1.0.0'));
    expect(sha256(raw)).toBe(single.top.digest);
    expect(JSON.parse(raw.toString('utf8')).mediaType).toBe(MediaTypes.ociManifest);
  });

  it('skopeo inspect shows the tag, digest, platform and layers', async () => {
    await skopeo.copy(single.ref, remote('team/inspect:1.0.0'));
    const info = await skopeo.inspect(remote('team/inspect:1.0.0'));
    expect(info['Digest']).toBe(single.top.digest);
    expect(info['RepoTags']).toEqual(['1.0.0']);
    expect(info['Architecture']).toBe('amd64');
    expect(info['Os']).toBe('linux');
    expect(info['Layers']).toEqual(single.images[0].layers.map((l) => l.digest));
    expect(info['Labels']).toEqual({ 'org.example.refity-e2e.tag': '1.0.0' });
  });

  it('skopeo list-tags lists every tag in lexical order, pre-release tags included', async () => {
    const tags = ['1.0.0', '1.0.0-rc.1', '1.1.0', '2.0.0-beta_2', 'latest'];
    for (const t of tags) await skopeo.copy(single.ref, remote(`team/tags:${t}`));
    const listed = await skopeo.listTags(remote('team/tags'));
    expect(listed.Tags).toEqual(sorted(tags));
  });

  it('copies a multi-arch OCI index with --all and keeps the index digest', async () => {
    const pushed = await skopeo.copyDigest(multi.ref, remote('team/multi:1.0.0'), ['--all']);
    expect(pushed).toBe(multi.top.digest);
    const raw = await skopeo.inspectRaw(remote('team/multi:1.0.0'));
    expect(sha256(raw)).toBe(multi.top.digest);
    expect(JSON.parse(raw.toString('utf8')).mediaType).toBe(MediaTypes.ociIndex);
    await expectRoundTrip('team/multi:1.0.0', multi, ['--all']);
  });

  it('pulls the linux/arm64/v8 image out of the index (and linux/amd64 by default)', async () => {
    await skopeo.copy(multi.ref, remote('team/multi-pick:1.0.0'), ['--all']);
    const [amd64, arm64] = multi.images;
    const arm = await pull('team/multi-pick:1.0.0', ['--override-os', 'linux', '--override-arch', 'arm64', '--override-variant', 'v8']);
    expect(arm.top.digest).toBe(arm64.manifest.digest);
    expect(sorted(arm.digests)).toEqual(sorted([arm64.manifest.digest, arm64.config.digest, ...arm64.layers.map((l) => l.digest)]));
    const amd = await pull('team/multi-pick:1.0.0', ['--override-os', 'linux', '--override-arch', 'amd64']);
    expect(amd.top.digest).toBe(amd64.manifest.digest);
  });

  it('pushes with --format v2s2 (Docker schema2 media types) and pulls the same bytes back', async () => {
    const pushed = await skopeo.copyDigest(single.ref, remote('team/v2s2:1.0.0'), ['--format', 'v2s2']);
    const raw = await skopeo.inspectRaw(remote('team/v2s2:1.0.0'));
    expect(sha256(raw)).toBe(pushed);
    const m = JSON.parse(raw.toString('utf8'));
    expect(m.mediaType).toBe(MediaTypes.dockerManifest);
    expect(m.config.mediaType).toBe(MediaTypes.dockerConfig);
    expect(m.layers.map((l: { mediaType: string }) => l.mediaType)).toEqual(single.images[0].layers.map(() => MediaTypes.dockerLayerGzip));
    // the layer blobs are the same bytes, only their media type changed
    expect(m.layers.map((l: { digest: string }) => l.digest)).toEqual(single.images[0].layers.map((l) => l.digest));
    const back = await pull('team/v2s2:1.0.0', [], 'dir');
    expect(back.top).toEqual({ mediaType: MediaTypes.dockerManifest, digest: pushed, size: raw.length });
    expect(sorted(back.digests)).toEqual(sorted([pushed, m.config.digest, ...m.layers.map((l: { digest: string }) => l.digest)]));
  });

  it('round-trips a Docker schema2 manifest list (--all) with the same digests', async () => {
    const dk = await writeImage(join(work, 'docker-list'), { format: 'docker', layers: 2, layerSize: 128 * 1024, seed: 'skopeo-docker', platforms: DEFAULT_PLATFORMS });
    const pushed = await skopeo.copyDigest(dk.ref, remote('team/dlist:2.0'), ['--all']);
    expect(pushed).toBe(dk.top.digest);
    expect(sha256(await skopeo.inspectRaw(remote('team/dlist:2.0')))).toBe(dk.top.digest);
    await expectRoundTrip('team/dlist:2.0', dk, ['--all']);
  });

  it('skopeo delete removes a tagged image by digest; pulls then fail and other images stay', async () => {
    const doomed = await writeImage(join(work, 'doomed'), { tag: 'gone', layers: 1, layerSize: 64 * 1024, seed: 'skopeo-delete' });
    await skopeo.copy(doomed.ref, remote('team/del:gone'));
    await skopeo.copy(single.ref, remote('team/del:keep'));
    await skopeo.delete(remote('team/del:gone'));

    const byTag = await skopeo.copy(remote('team/del:gone'), `oci:${join(work, 'del-tag')}:x`, [], { allowFailure: true });
    expect(byTag.code).not.toBe(0);
    const byDigest = await skopeo.copy(remote(`team/del@${doomed.top.digest}`), `oci:${join(work, 'del-digest')}:x`, [], { allowFailure: true });
    expect(byDigest.code).not.toBe(0);

    await expectRoundTrip('team/del:keep', single);
    expect((await skopeo.listTags(remote('team/del'))).Tags).toEqual(['keep']);
  });

  it('pushes into deep repository names', async () => {
    for (const name of ['team/sub/app', 'team/sub/deeper/app-x.y_z']) {
      await skopeo.copy(single.ref, remote(`${name}:1.0.0`));
      await expectRoundTrip(`${name}:1.0.0`, single);
      expect((await skopeo.listTags(remote(name))).Tags).toEqual(['1.0.0']);
    }
  });

  it('round-trips a 48 MiB layer', async () => {
    const big = await writeImage(join(work, 'big'), { tag: 'big', layers: 1, layerSize: 48 * 1024 * 1024, seed: 'skopeo-big', gzipLevel: 0 });
    await skopeo.copy(big.ref, remote('team/big:1'));
    await expectRoundTrip('team/big:1', big);
  });

  it('keeps images and tags across a registry restart', async () => {
    await skopeo.copy(single.ref, remote('team/persist:1.0.0'));
    await skopeo.copy(multi.ref, remote('team/persist:multi'), ['--all']);
    await reg.restart();
    await expectRoundTrip('team/persist:1.0.0', single);
    await expectRoundTrip('team/persist:multi', multi, ['--all']);
    expect((await skopeo.listTags(remote('team/persist'))).Tags).toEqual(['1.0.0', 'multi']);
  });
});
