import { Readable } from 'node:stream';
import { digestOf } from '@refity/digest';
import { MEDIA_TYPES } from './manifest';
import { BlobInfo, RegistryService } from './registry.service';

// Shared by the registry-core specs: pushes through the real RegistryService, as a client would.

/** Pushes one blob in a single chunk. */
export async function pushTestBlob(registry: RegistryService, name: string, data: Buffer): Promise<BlobInfo> {
  const upload = await registry.startUpload(name);
  await registry.appendChunk(name, upload.id, Readable.from([data]));
  return registry.completeUpload(name, upload.id, digestOf(data));
}

/**
 * Pushes an OCI image whose layers hold `layers` (equal content gives shared blobs) and tags it.
 * `blobs` lists the config first, then the layers.
 */
export async function pushTestImage(registry: RegistryService, name: string, tag: string, layers: Array<string | Buffer>): Promise<{ manifest: string; blobs: string[] }> {
  const contents = layers.map((layer) => Buffer.from(layer));
  const config = await pushTestBlob(registry, name, Buffer.from(JSON.stringify({ tag, layers: contents.map((layer) => digestOf(layer)) })));
  const blobs = [];
  for (const layer of contents) blobs.push(await pushTestBlob(registry, name, layer));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociConfig, digest: config.digest, size: config.size },
      layers: blobs.map((blob) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: blob.digest, size: blob.size })),
    }),
  );
  const stored = await registry.putManifest(name, tag, manifest, MEDIA_TYPES.ociManifest);
  return { manifest: stored.digest, blobs: [config.digest, ...blobs.map((blob) => blob.digest)] };
}
