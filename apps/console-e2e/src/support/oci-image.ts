/**
 * A tiny OCI image layout written in TypeScript for `skopeo copy oci:DIR:TAG docker://…`
 * (a minimal cousin of apps/registry-e2e's generator, which an e2e app cannot import).
 * Layers are gzipped ustar archives holding one file of random (incompressible) bytes; the config
 * carries diff_ids, env, entrypoint, labels and one history line per layer (plus an empty one).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

export interface Blob {
  digest: string;
  size: number;
  mediaType: string;
}

export interface WrittenImage {
  dir: string;
  tag: string;
  manifest: Blob;
  config: Blob;
  layers: Blob[];
  /** created_by of each history entry, in order */
  history: string[];
  env: string[];
  entrypoint: string[];
  labels: Record<string, string>;
}

const sha256 = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** One-file ustar archive (512-byte header, data padded to 512, two zero blocks). */
export function tarOneFile(name: string, data: Buffer): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(0o644, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(data.length, 12), 124);
  h.write(octal(1_700_000_000, 12), 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148);
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([h, data, pad, Buffer.alloc(1024)]);
}

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** Writes an OCI layout with one image (tag `tag`) whose layers hold `layerSizes` random bytes. */
export async function writeImage(dir: string, tag: string, layerSizes: number[], platform: Platform = { os: 'linux', architecture: 'amd64' }): Promise<WrittenImage> {
  const blobsDir = join(dir, 'blobs', 'sha256');
  await mkdir(blobsDir, { recursive: true });
  const put = async (data: Buffer, mediaType: string): Promise<Blob> => {
    const digest = sha256(data);
    await writeFile(join(blobsDir, digest.slice(7)), data);
    return { digest, size: data.length, mediaType };
  };
  const layers: Blob[] = [];
  const diffIds: string[] = [];
  const history: string[] = [];
  for (const [i, size] of layerSizes.entries()) {
    const tar = tarOneFile(`data/layer-${i + 1}.bin`, randomBytes(size));
    diffIds.push(sha256(tar));
    layers.push(await put(gzipSync(tar, { level: 1 }), OCI_LAYER));
    history.push(`COPY layer-${i + 1}.bin /data/ # refity-e2e`);
  }
  const env = ['PATH=/usr/local/bin:/usr/bin:/bin', `REFITY_E2E_TAG=${tag}`];
  const entrypoint = ['/data/app'];
  const labels = { 'org.opencontainers.image.title': 'refity console e2e', 'org.example.tag': tag };
  const configJson = {
    created: '2026-01-01T00:00:00Z',
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: { Env: env, Entrypoint: entrypoint, Labels: labels, WorkingDir: '/data' },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: [
      ...history.map((created_by) => ({ created: '2026-01-01T00:00:00Z', created_by })),
      { created: '2026-01-01T00:00:00Z', created_by: 'ENTRYPOINT ["/data/app"]', empty_layer: true },
    ],
  };
  const config = await put(Buffer.from(JSON.stringify(configJson)), OCI_CONFIG);
  const manifestJson = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers };
  const manifest = await put(Buffer.from(JSON.stringify(manifestJson)), OCI_MANIFEST);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } }] }),
  );
  return { dir, tag, manifest, config, layers, history: [...history, 'ENTRYPOINT ["/data/app"]'], env, entrypoint, labels };
}

export interface WrittenIndex {
  dir: string;
  tag: string;
  index: Blob;
  images: (WrittenImage & { platform: Platform })[];
}

/** An OCI image index (multi-platform) of one image per entry, all blobs in one layout. */
export async function writeIndex(dir: string, tag: string, entries: { platform: Platform; layerSizes: number[] }[]): Promise<WrittenIndex> {
  const images: WrittenIndex['images'] = [];
  for (const e of entries) images.push({ ...(await writeImage(dir, tag, e.layerSizes, e.platform)), platform: e.platform });
  const indexJson = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: images.map((i) => ({ ...i.manifest, platform: i.platform })),
  };
  const data = Buffer.from(JSON.stringify(indexJson));
  const digest = sha256(data);
  await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), data);
  const index = { digest, size: data.length, mediaType: OCI_INDEX };
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ ...index, annotations: { 'org.opencontainers.image.ref.name': tag } }] }),
  );
  return { dir, tag, index, images };
}
