/**
 * Synthetic container images for the black-box tests (a TypeScript port of the logic of
 * shared/reference-tools/mkimage.py; no python needed).
 *
 * writeImage() writes either
 *  - an OCI image layout (DIR/oci-layout, DIR/index.json with an org.opencontainers.image.ref.name
 *    tag, DIR/blobs/sha256/<hex>), read by `skopeo copy oci:DIR:TAG ...`, or
 *  - with format "docker", a containers/image `dir:` layout with Docker schema2 media types
 *    (DIR/version, DIR/manifest.json = top manifest, DIR/<hex>.manifest.json = list instances,
 *    DIR/<hex> blobs), read by `skopeo copy [--all] dir:DIR ...` (skopeo 1.9 does not accept Docker
 *    media types inside an OCI layout).
 *
 * Each layer is a gzipped ustar archive (data/layer-N.bin with pseudo-random, incompressible
 * payload + etc/refity-e2e-layer-N.txt), streamed to disk so layer size is not bounded by memory.
 * The config has rootfs.diff_ids (sha256 of the uncompressed tar) and one history entry per layer,
 * so clients that verify content (docker, podman, umoci) accept it.
 * The same seed gives the same digests on every run (with the same Node/zlib); without a seed every
 * call draws a fresh one, so images never share blobs.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable, Transform, TransformCallback, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  artifactType?: string;
}

export interface ImageOptions {
  /** ref name stored in index.json (OCI layout only); default "latest" */
  tag?: string;
  /** number of layers; default 2 */
  layers?: number;
  /** random payload bytes per layer; default 256 KiB */
  layerSize?: number;
  /** same seed -> same digests; default: a fresh random seed */
  seed?: number | string;
  /** gzip level 0..9; default 1 (0 = stored blocks, fastest, still valid gzip) */
  gzipLevel?: number;
  /** "oci" (default): OCI layout; "docker": schema2 media types in a `dir:` layout */
  format?: 'oci' | 'docker';
  /** given: write an image index (OCI) / manifest list (docker) with one image per platform */
  platforms?: Platform[];
}

export interface SingleImageInfo {
  platform: Platform;
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
  diffIds: string[];
}

export interface ImageInfo {
  dir: string;
  format: 'oci' | 'docker';
  tag: string;
  seed: string;
  /** skopeo source reference: oci:DIR:TAG or dir:DIR */
  ref: string;
  /** the top-level manifest or index */
  top: Descriptor;
  /** one entry for a single image, one per platform for an index */
  images: SingleImageInfo[];
  /** every digest the image consists of: top (+ per-platform manifests), configs, layers */
  digests: string[];
}

/** linux/amd64 + linux/arm64/v8, the multi-arch set the tests use. */
export const DEFAULT_PLATFORMS: Platform[] = [
  { architecture: 'amd64', os: 'linux' },
  { architecture: 'arm64', os: 'linux', variant: 'v8' },
];

const CHUNK = 1 << 20;
const FIXED_MTIME = 1700000000; // tar entry mtime, fixed so a seed gives identical digests
const CREATED = '2023-11-14T22:13:20Z';

export function sha256(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Pseudo-random bytes: AES-256-CTR key stream, keyed by sha256(seed/label). Fast (GB/s) and
// deterministic; each (seed, label) pair is an independent stream.

export async function* randomBytesStream(seed: string, label: string, size: number): AsyncGenerator<Buffer> {
  const key = createHash('sha256').update(`refity-e2e\0${seed}\0${label}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(Math.min(CHUNK, Math.max(size, 1)));
  let left = size;
  while (left > 0) {
    const n = Math.min(left, zeros.length);
    yield cipher.update(n === zeros.length ? zeros : zeros.subarray(0, n));
    left -= n;
  }
}

// ---------------------------------------------------------------------------------------------
// Minimal ustar writer: 512-byte header + content + zero padding to 512; the archive ends with
// two zero blocks and is padded to a 10240-byte record, as GNU tar and python's tarfile do.

export interface TarEntry {
  name: string;
  type: 'file' | 'dir';
  mode?: number;
  /** file size in bytes (must equal the bytes that content yields) */
  size?: number;
  content?: Buffer | AsyncIterable<Buffer>;
}

const BLOCK = 512;
const RECORD = 20 * BLOCK;

function tarHeader(entry: TarEntry): Buffer {
  const h = Buffer.alloc(BLOCK);
  const name = entry.type === 'dir' && !entry.name.endsWith('/') ? entry.name + '/' : entry.name;
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name longer than 100 bytes: ${name}`);
  const size = entry.type === 'dir' ? 0 : (entry.size ?? 0);
  const octal = (off: number, len: number, value: number) => {
    const s = value.toString(8);
    if (s.length > len - 1) throw new Error(`tar field overflow (${value})`);
    h.write(s.padStart(len - 1, '0') + '\0', off, len, 'latin1');
  };
  h.write(name, 0, 100, 'utf8');
  octal(100, 8, entry.mode ?? (entry.type === 'dir' ? 0o755 : 0o644));
  octal(108, 8, 0); // uid
  octal(116, 8, 0); // gid
  octal(124, 12, size);
  octal(136, 12, FIXED_MTIME);
  h.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  h.write(entry.type === 'dir' ? '5' : '0', 156, 1, 'latin1');
  h.write('ustar\0', 257, 6, 'latin1');
  h.write('00', 263, 2, 'latin1');
  h.write('root', 265, 32, 'latin1');
  h.write('root', 297, 32, 'latin1');
  octal(329, 8, 0); // devmajor
  octal(337, 8, 0); // devminor
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return h;
}

/** Streams a ustar archive of the entries. */
export async function* tarStream(entries: TarEntry[]): AsyncGenerator<Buffer> {
  let total = 0;
  for (const e of entries) {
    const header = tarHeader(e);
    yield header;
    total += header.length;
    if (e.type !== 'file') continue;
    const size = e.size ?? 0;
    let written = 0;
    if (e.content) {
      const chunks: AsyncIterable<Buffer> | Buffer[] = Buffer.isBuffer(e.content) ? [e.content] : e.content;
      for await (const c of chunks) {
        written += c.length;
        if (written > size) throw new Error(`tar entry ${e.name}: content longer than size ${size}`);
        yield c;
      }
    }
    if (written !== size) throw new Error(`tar entry ${e.name}: content is ${written} bytes, size says ${size}`);
    total += size;
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) yield Buffer.alloc(pad);
    total += pad;
  }
  total += 2 * BLOCK;
  const tail = 2 * BLOCK + ((RECORD - (total % RECORD)) % RECORD);
  yield Buffer.alloc(tail);
}

/** Writes an uncompressed tar file; returns its sha256 digest and size. */
export async function writeTar(path: string, entries: TarEntry[]): Promise<{ digest: string; size: number }> {
  const h = new HashCounter();
  await pipeline(Readable.from(tarStream(entries)), h, createWriteStream(path));
  return { digest: h.digest(), size: h.bytes };
}

/** Pass-through stream that hashes and counts what flows through it. */
class HashCounter extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
  digest(): string {
    return 'sha256:' + this.hash.digest('hex');
  }
}

// ---------------------------------------------------------------------------------------------
// Layouts

class Layout {
  readonly blobDir: string;
  constructor(
    readonly root: string,
    readonly format: 'oci' | 'docker',
  ) {
    this.blobDir = format === 'oci' ? join(root, 'blobs', 'sha256') : root;
  }

  async init(): Promise<void> {
    await mkdir(this.blobDir, { recursive: true });
    if (this.format === 'oci') {
      await writeFile(join(this.root, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    } else {
      await writeFile(join(this.root, 'version'), 'Directory Transport Version: 1.1\n');
    }
  }

  blobPath(digest: string): string {
    return join(this.blobDir, digest.slice('sha256:'.length));
  }

  async putBytes(data: Buffer): Promise<{ digest: string; size: number }> {
    const digest = sha256(data);
    const path = this.blobPath(digest);
    if (!existsSync(path)) {
      await writeFile(path + '.tmp', data);
      await rename(path + '.tmp', path);
    }
    return { digest, size: data.length };
  }

  /** Manifests are blobs in an OCI layout; the dir: layout keeps them as (<hex>.)manifest.json. */
  async putManifest(obj: object, top: boolean): Promise<{ digest: string; size: number }> {
    const data = Buffer.from(JSON.stringify(obj));
    if (this.format === 'oci') return this.putBytes(data);
    const digest = sha256(data);
    const name = top ? 'manifest.json' : digest.slice('sha256:'.length) + '.manifest.json';
    await writeFile(join(this.root, name), data);
    return { digest, size: data.length };
  }

  /** Streams a gzipped tar layer into the layout; never holds the layer in memory. */
  async putLayer(seed: string, label: string, idx: number, payload: number, level: number) {
    const tmp = join(this.blobDir, `.layer-${process.pid}-${label.replace(/\W/g, '_')}-${idx}.tmp`);
    const note = Buffer.from(`refity-e2e seed=${seed} image=${label} layer=${idx} bytes=${payload}\n`);
    const entries: TarEntry[] = [
      { name: 'data', type: 'dir' },
      { name: `data/layer-${idx}.bin`, type: 'file', size: payload, content: randomBytesStream(seed, `${label}/${idx}`, payload) },
      { name: 'etc', type: 'dir' },
      { name: `etc/refity-e2e-layer-${idx}.txt`, type: 'file', size: note.length, content: note },
    ];
    const uncompressed = new HashCounter();
    const compressed = new HashCounter();
    await pipeline(Readable.from(tarStream(entries)), uncompressed, createGzip({ level }), compressed, createWriteStream(tmp));
    const digest = compressed.digest();
    await rename(tmp, this.blobPath(digest));
    return { digest, size: compressed.bytes, diffId: uncompressed.digest() };
  }

  async setRef(tag: string, desc: Descriptor): Promise<void> {
    if (this.format !== 'oci') return;
    const path = join(this.root, 'index.json');
    let index: { schemaVersion: number; mediaType: string; manifests: Descriptor[] } = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [],
    };
    if (existsSync(path)) index = JSON.parse(await readFile(path, 'utf8'));
    index.manifests = (index.manifests ?? []).filter((m) => m.annotations?.['org.opencontainers.image.ref.name'] !== tag);
    index.manifests.push({ ...desc, annotations: { 'org.opencontainers.image.ref.name': tag } });
    await writeFile(path + '.tmp', JSON.stringify(index, null, 2));
    await rename(path + '.tmp', path);
  }
}

function goPlatform(p: Platform): Platform {
  return p.variant ? { architecture: p.architecture, os: p.os, variant: p.variant } : { architecture: p.architecture, os: p.os };
}

function platformLabel(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

async function buildImage(lay: Layout, seed: string, opts: Required<Omit<ImageOptions, 'platforms' | 'seed'>>, platform: Platform, top: boolean) {
  const docker = lay.format === 'docker';
  const label = platformLabel(platform);
  const layers: Descriptor[] = [];
  const diffIds: string[] = [];
  const history: object[] = [];
  for (let i = 0; i < opts.layers; i++) {
    const l = await lay.putLayer(seed, label, i, opts.layerSize, opts.gzipLevel);
    layers.push({ mediaType: docker ? MediaTypes.dockerLayerGzip : MediaTypes.ociLayerGzip, digest: l.digest, size: l.size });
    diffIds.push(l.diffId);
    history.push({ created: CREATED, created_by: `refity-e2e: layer ${i}, ${opts.layerSize} bytes random payload` });
  }
  const config: Record<string, unknown> = {
    created: CREATED,
    author: 'refity-e2e',
    architecture: platform.architecture,
    os: platform.os,
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['/bin/sh'],
      WorkingDir: '/',
      Labels: { 'org.example.refity-e2e.tag': opts.tag },
    },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history,
  };
  if (platform.variant) config['variant'] = platform.variant;
  const c = await lay.putBytes(Buffer.from(JSON.stringify(config)));
  const configDesc: Descriptor = { mediaType: docker ? MediaTypes.dockerConfig : MediaTypes.ociConfig, digest: c.digest, size: c.size };
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: docker ? MediaTypes.dockerManifest : MediaTypes.ociManifest,
    config: configDesc,
    layers,
  };
  if (!docker) manifest['annotations'] = { 'org.opencontainers.image.created': CREATED };
  const m = await lay.putManifest(manifest, top);
  const manifestDesc: Descriptor = { mediaType: manifest['mediaType'] as string, digest: m.digest, size: m.size };
  return { platform, manifest: manifestDesc, config: configDesc, layers, diffIds };
}

/** Writes a synthetic image (see the file comment); a second call on the same OCI dir adds/replaces a tag. */
export async function writeImage(dir: string, options: ImageOptions = {}): Promise<ImageInfo> {
  const format = options.format ?? 'oci';
  const opts = {
    tag: options.tag ?? 'latest',
    layers: options.layers ?? 2,
    layerSize: options.layerSize ?? 256 * 1024,
    gzipLevel: options.gzipLevel ?? 1,
    format,
  };
  const seed = options.seed !== undefined ? String(options.seed) : randomBytes(8).toString('hex');
  const root = resolve(dir);
  const lay = new Layout(root, format);
  await lay.init();

  const images: SingleImageInfo[] = [];
  let top: Descriptor;
  if (!options.platforms) {
    const img = await buildImage(lay, seed, opts, DEFAULT_PLATFORMS[0], true);
    images.push(img);
    top = img.manifest;
  } else {
    for (const p of options.platforms) images.push(await buildImage(lay, seed, opts, p, false));
    const index = {
      schemaVersion: 2,
      mediaType: format === 'docker' ? MediaTypes.dockerList : MediaTypes.ociIndex,
      // platform keys in Go's field order (architecture, os, variant), as containers/image and
      // docker re-serialize them: a client that rebuilds the index then yields the same bytes
      manifests: images.map((i) => ({ ...i.manifest, platform: goPlatform(i.platform) })),
    };
    const ix = await lay.putManifest(index, true);
    top = { mediaType: index.mediaType, digest: ix.digest, size: ix.size };
  }
  await lay.setRef(opts.tag, top);

  const digests = new Set<string>([top.digest]);
  for (const i of images) {
    digests.add(i.manifest.digest);
    digests.add(i.config.digest);
    for (const l of i.layers) digests.add(l.digest);
  }
  return {
    dir: root,
    format,
    tag: opts.tag,
    seed,
    ref: format === 'oci' ? `oci:${root}:${opts.tag}` : `dir:${root}`,
    top,
    images,
    digests: [...digests],
  };
}

/** Reads the bytes of a blob (or OCI-layout manifest) of an image written by writeImage. */
export async function readBlob(info: Pick<ImageInfo, 'dir' | 'format'>, digest: string): Promise<Buffer> {
  return readFile(new Layout(info.dir, info.format).blobPath(digest));
}

/** sha256 digest of a file, streamed. */
export async function fileDigest(path: string): Promise<string> {
  const h = new HashCounter();
  await pipeline(createReadStream(path), h, new Writable({ write: (_c, _e, cb) => cb() }));
  return h.digest();
}

export interface PulledLayout {
  /** the descriptor of `tag` (or of the only image) in index.json */
  top: Descriptor;
  /** digests of all files under blobs/sha256 (OCI) or of all blobs + manifests (dir:) */
  digests: string[];
}

/**
 * Reads an image layout a client wrote (OCI layout, or containers/image `dir:` when there is no
 * index.json), checking that every blob's content hashes to its file name. For `dir:` the top
 * descriptor is manifest.json (its media type from its `mediaType` field).
 */
export async function readLayout(dir: string, tag?: string): Promise<PulledLayout> {
  const digests: string[] = [];
  if (existsSync(join(dir, 'index.json'))) {
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    const candidates = tag ? index.manifests.filter((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag) : index.manifests;
    if (candidates.length !== 1) throw new Error(`${dir}/index.json: expected one manifest${tag ? ` tagged ${tag}` : ''}, found ${candidates.length}`);
    const blobDir = join(dir, 'blobs', 'sha256');
    for (const name of await readdir(blobDir)) {
      const d = await fileDigest(join(blobDir, name));
      if (d !== `sha256:${name}`) throw new Error(`${blobDir}/${name}: content hashes to ${d}`);
      digests.push(d);
    }
    const top: Descriptor = { mediaType: candidates[0].mediaType, digest: candidates[0].digest, size: candidates[0].size };
    return { top, digests };
  }
  const raw = await readFile(join(dir, 'manifest.json'));
  const top: Descriptor = { mediaType: JSON.parse(raw.toString('utf8')).mediaType, digest: sha256(raw), size: raw.length };
  for (const name of await readdir(dir)) {
    if (name === 'version') continue;
    const d = await fileDigest(join(dir, name));
    if (name === 'manifest.json') {
      digests.push(d);
      continue;
    }
    const hex = name.replace(/\.manifest\.json$/, '');
    if (d !== `sha256:${hex}`) throw new Error(`${dir}/${name}: content hashes to ${d}`);
    digests.push(d);
  }
  return { top, digests: [...new Set(digests)] };
}
