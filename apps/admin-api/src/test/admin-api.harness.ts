import { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig, RefityConfig } from '@refity/config';
import { digestOf } from '@refity/digest';
import { MEDIA_TYPES, RegistryService } from '@refity/registry-core';
import { StorageDriver } from '@refity/storage-api';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createAdminApp } from '../app/admin-app';
import { STORAGE } from '../app/core/tokens';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as is instead of JSON.stringify(body). */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** The real admin API on a random port, with SQLite and local storage in a fresh temp folder. */
export interface AdminApi {
  url: string;
  dataDir: string;
  config: RefityConfig;
  app: NestExpressApplication;
  registry: RegistryService;
  storage: StorageDriver;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- specs assert on JSON bodies with toMatchObject / toEqual
  call<T = any>(method: string, path: string, options?: CallOptions): Promise<ApiResponse<T>>;
  /** Logs in and returns the token; fails the test when login does not answer 200. */
  login(username: string, password: string): Promise<string>;
  close(): Promise<void>;
}

export async function startAdminApi(env: Record<string, string> = {}): Promise<AdminApi> {
  const dataDir = mkdtempSync(join(tmpdir(), 'refity-admin-'));
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, ...env });
  const app = await createAdminApp(config, false);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const call = async <T>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers['authorization'] = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    } else if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${url}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (Swagger UI's HTML): keep the text.
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  };
  return {
    url,
    dataDir,
    config,
    app,
    registry: app.get(RegistryService),
    storage: app.get<StorageDriver>(STORAGE),
    call,
    async login(username, password) {
      const response = await call<{ token: string }>('POST', '/api/auth/login', { body: { username, password } });
      if (response.status !== 200) throw new Error(`login as ${username} answered ${response.status}: ${JSON.stringify(response.body)}`);
      return response.body.token;
    },
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Logs in as the seeded admin and replaces the default password; returns a usable admin token. */
export async function adminToken(api: AdminApi, newPassword = 'violet-harbour-42'): Promise<string> {
  const first = await api.login('admin', 'admin');
  const changed = await api.call<{ token: string }>('PUT', '/api/auth/password', { token: first, body: { currentPassword: 'admin', newPassword } });
  if (changed.status !== 200) throw new Error(`password change answered ${changed.status}: ${JSON.stringify(changed.body)}`);
  return changed.body.token;
}

export interface PushedImage {
  digest: string;
  configDigest: string;
  layers: Array<{ digest: string; size: number }>;
  /** config + layers */
  size: number;
  manifest: Buffer;
}

async function pushBlob(registry: RegistryService, name: string, data: Buffer): Promise<string> {
  const upload = await registry.startUpload(name);
  await registry.appendChunk(name, upload.id, Readable.from([data]));
  return (await registry.completeUpload(name, upload.id, digestOf(data))).digest;
}

/** Pushes a small image (real blobs and manifest) through the registry's own operations. */
export async function pushImage(
  registry: RegistryService,
  name: string,
  /** A tag; undefined pushes by digest (untagged, e.g. an index child). */
  tag: string | undefined,
  options: { architecture?: string; layerSizes?: number[]; sharedLayer?: Buffer } = {},
): Promise<PushedImage> {
  const architecture = options.architecture ?? 'amd64';
  const layerData: Buffer[] = (options.layerSizes ?? [1500, 700]).map((size) => randomBytes(size));
  if (options.sharedLayer) layerData.unshift(options.sharedLayer);
  const layers = [];
  for (const data of layerData) layers.push({ digest: await pushBlob(registry, name, data), size: data.length });
  const config = Buffer.from(
    JSON.stringify({
      architecture,
      os: 'linux',
      created: '2026-01-02T03:04:05Z',
      config: {
        Entrypoint: ['/app/server'],
        Cmd: ['--port', '8080'],
        Env: ['PATH=/usr/bin', 'MODE=production'],
        Labels: { 'org.opencontainers.image.source': 'https://example.invalid/app' },
        WorkingDir: '/app',
        ExposedPorts: { '8080/tcp': {} },
      },
      rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.digest) },
      history: [
        { created: '2026-01-02T03:04:00Z', created_by: '/bin/sh -c #(nop) ADD file:base in /' },
        { created: '2026-01-02T03:04:05Z', created_by: 'COPY server /app/server' },
        { created: '2026-01-02T03:04:05Z', created_by: 'ENV MODE=production', empty_layer: true },
      ],
    }),
  );
  const configDigest = await pushBlob(registry, name, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      config: { mediaType: MEDIA_TYPES.ociConfig, digest: configDigest, size: config.length },
      layers: layers.map((layer) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer })),
    }),
  );
  const stored = await registry.putManifest(name, tag ?? digestOf(manifest), manifest, MEDIA_TYPES.ociManifest);
  return { digest: stored.digest, configDigest, layers, size: config.length + layers.reduce((sum, layer) => sum + layer.size, 0), manifest };
}

/** Pushes a two-platform index (linux/amd64, linux/arm64) under `tag`. */
export async function pushIndex(registry: RegistryService, name: string, tag: string): Promise<{ digest: string; children: PushedImage[] }> {
  const children: PushedImage[] = [];
  for (const architecture of ['amd64', 'arm64']) {
    children.push(await pushImage(registry, name, undefined, { architecture, layerSizes: [900] }));
  }
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociIndex,
      manifests: children.map((child, position) => ({
        mediaType: MEDIA_TYPES.ociManifest,
        digest: child.digest,
        size: child.manifest.length,
        platform: { os: 'linux', architecture: position === 0 ? 'amd64' : 'arm64' },
      })),
    }),
  );
  const stored = await registry.putManifest(name, tag, index, MEDIA_TYPES.ociIndex);
  return { digest: stored.digest, children };
}

/** Pushes a signature-like artifact whose subject is `subject` (a referrer). */
export async function pushReferrer(registry: RegistryService, name: string, subject: PushedImage): Promise<string> {
  const empty = Buffer.from('{}');
  const emptyDigest = await pushBlob(registry, name, empty);
  const payload = Buffer.from('signature payload');
  const payloadDigest = await pushBlob(registry, name, payload);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      config: { mediaType: MEDIA_TYPES.ociEmpty, digest: emptyDigest, size: empty.length },
      layers: [{ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: payloadDigest, size: payload.length }],
      subject: { mediaType: MEDIA_TYPES.ociManifest, digest: subject.digest, size: subject.manifest.length },
    }),
  );
  const digest = digestOf(manifest);
  await registry.putManifest(name, digest, manifest, MEDIA_TYPES.ociManifest);
  return digest;
}
