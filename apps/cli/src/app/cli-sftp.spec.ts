import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { loadConfig } from '@refity/config';
import { digestOf } from '@refity/digest';
import { MetadataStore, openMetadataDatabase } from '@refity/metadata';
import { MEDIA_TYPES, RegistryService, storageLayout } from '@refity/registry-core';
import { createStorageDriver } from '@refity/storage-factory';
import { SshdServer, startSshd } from '@refity/testing';
import { runCli } from './cli';

/** The CLI against images on SFTP: a throwaway OpenSSH sshd (needs root and openssh-server). */
describe('refity CLI with SFTP storage (real sshd)', () => {
  let sshd: SshdServer;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  const cli = async (args: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      stdin: Readable.from([]),
      env,
      cwd: dir,
    });
    return { code, stdout, stderr };
  };

  /** Pushes through the registry's own operations, on the same SFTP storage and database. */
  const pushImage = async (name: string, tag: string, layers: string[]) => {
    const config = loadConfig(env);
    const storage = await createStorageDriver(config, { log: () => undefined, warn: () => undefined, error: () => undefined });
    const metadata = new MetadataStore(await openMetadataDatabase({ type: 'sqlite', path: config.sqlitePath }));
    try {
      const registry = new RegistryService(storage, metadata, { autoCreateGroups: true, maxManifestBytes: 1 << 20, uploadsDir: config.uploadsDir });
      const blob = async (data: Buffer) => {
        const upload = await registry.startUpload(name);
        await registry.appendChunk(name, upload.id, Readable.from([data]));
        return registry.completeUpload(name, upload.id, digestOf(data));
      };
      const configBlob = await blob(Buffer.from(JSON.stringify({ name, tag })));
      const layerBlobs = [];
      for (const layer of layers) layerBlobs.push(await blob(Buffer.from(layer)));
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA_TYPES.ociManifest,
          config: { mediaType: MEDIA_TYPES.ociConfig, digest: configBlob.digest, size: configBlob.size },
          layers: layerBlobs.map((layer) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size })),
        }),
      );
      await registry.putManifest(name, tag, manifest, MEDIA_TYPES.ociManifest);
      return { config: configBlob.digest, layers: layerBlobs.map((layer) => layer.digest) };
    } finally {
      await storage.close();
      await metadata.dataSource.destroy();
    }
  };

  const onServer = (path: string) => join(sshd.sftpRoot, 'images', ...path.split('/'));

  beforeAll(async () => {
    sshd = await startSshd();
  });

  afterAll(async () => {
    await sshd?.stop();
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'refity-cli-sftp-'));
    env = {
      DATA_DIR: join(dir, 'data'),
      FTP_HOST: sshd.host,
      FTP_PORT: String(sshd.port),
      FTP_USERNAME: sshd.username,
      FTP_PASSWORD: sshd.password,
      FTP_KNOWN_HOSTS: sshd.knownHostsPath,
      FTP_ROOT: 'images',
      GC_GRACE_MINUTES: '0',
    };
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(sshd.sftpRoot, 'images'), { recursive: true, force: true });
  });

  it('verifies, garbage-collects and backs up images that live on the SFTP server', async () => {
    const kept = await pushImage('team/app', 'keep', ['shared', 'kept']);
    const dropped = await pushImage('team/app', 'drop', ['shared', 'dropped']);
    expect(existsSync(onServer(storageLayout.blob('team/app', dropped.layers[1])))).toBe(true);

    expect((await cli(['verify'])).code).toBe(0);
    writeFileSync(onServer(storageLayout.blob('team/app', kept.layers[1])), 'tampered on the server');
    const bad = await cli(['verify', '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).problems).toEqual([expect.objectContaining({ kind: 'blob', reference: kept.layers[1], problem: 'digest-mismatch' })]);

    expect((await cli(['retention', 'set', 'team', '--keep-last', '0', '--protect', 'keep'])).code).toBe(0);
    const gc = await cli(['gc', '--json']);
    expect(gc.code).toBe(0);
    expect(JSON.parse(gc.stdout).retention.deletedTags).toEqual([expect.objectContaining({ tag: 'drop' })]);
    expect(existsSync(onServer(storageLayout.blob('team/app', dropped.layers[1])))).toBe(false);
    expect(existsSync(onServer(storageLayout.blob('team/app', dropped.config)))).toBe(false);
    expect(existsSync(onServer(storageLayout.blob('team/app', kept.layers[0])))).toBe(true);

    const backup = await cli(['backup', 'bk', '--json']);
    expect(backup.code).toBe(0);
    expect(JSON.parse(backup.stdout).storage).toMatchObject({ driver: expect.stringMatching(/^sftp/), location: `sftp://${sshd.username}@${sshd.host}:${sshd.port}/images`, files: 5 });
    expect(readFileSync(join(dir, 'bk', 'storage-paths.tsv'), 'utf8')).toContain(`\tregistry/team/app/blobs/${kept.layers[0]}\n`);

    // the static mirror needs the folder as nginx sees it
    expect((await cli(['static-nginx-config'])).stderr).toContain('give --root');
  });
});
