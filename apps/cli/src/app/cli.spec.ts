import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { digestOf } from '@refity/digest';
import { MetadataStore, openMetadataDatabase, TagEntity } from '@refity/metadata';
import { MEDIA_TYPES, RegistryService, storageLayout } from '@refity/registry-core';
import { LocalStorageDriver } from '@refity/storage-local';
import { runCli } from './cli';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  json<T = Record<string, unknown>>(): T;
}

describe('refity CLI (in-process, real SQLite and local storage)', () => {
  let dir: string;
  let dataDir: string;

  const cli = async (args: string[], stdin = ''): Promise<Result> => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text), isTTY: false },
      stdin: Readable.from(stdin ? [Buffer.from(stdin)] : []),
      env: { DATA_DIR: dataDir, GC_GRACE_MINUTES: '0' },
      cwd: dir,
    });
    return { code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T };
  };

  /** A registry on the same DATA_DIR, as the registry app would run it, to push test images. */
  const withRegistry = async <T>(work: (registry: RegistryService, metadata: MetadataStore) => Promise<T>): Promise<T> => {
    const metadata = new MetadataStore(await openMetadataDatabase({ type: 'sqlite', path: join(dataDir, 'refity.sqlite') }));
    try {
      const registry = new RegistryService(new LocalStorageDriver(join(dataDir, 'storage')), metadata, {
        autoCreateGroups: true,
        maxManifestBytes: 1 << 20,
        uploadsDir: join(dataDir, 'uploads'),
      });
      return await work(registry, metadata);
    } finally {
      await metadata.dataSource.destroy();
    }
  };

  const pushImage = (name: string, tag: string, layers: string[], ageDays = 0) =>
    withRegistry(async (registry, metadata) => {
      const pushBlob = async (data: Buffer) => {
        const upload = await registry.startUpload(name);
        await registry.appendChunk(name, upload.id, Readable.from([data]));
        return registry.completeUpload(name, upload.id, digestOf(data));
      };
      const config = await pushBlob(Buffer.from(JSON.stringify({ name, tag, layers })));
      const blobs = [];
      for (const layer of layers) blobs.push(await pushBlob(Buffer.from(layer)));
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA_TYPES.ociManifest,
          config: { mediaType: MEDIA_TYPES.ociConfig, digest: config.digest, size: config.size },
          layers: blobs.map((blob) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: blob.digest, size: blob.size })),
        }),
      );
      const stored = await registry.putManifest(name, tag, manifest, MEDIA_TYPES.ociManifest);
      if (ageDays > 0) {
        const repository = await metadata.findRepository(name);
        await metadata.dataSource.getRepository(TagEntity).update({ repositoryId: repository?.id, name: tag }, { updatedAt: new Date(Date.now() - ageDays * 86_400_000) });
      }
      return { manifest: stored.digest, blobs: [config.digest, ...blobs.map((blob) => blob.digest)] };
    });

  const tagsOf = (name: string) => withRegistry((registry) => registry.tags(name, undefined, 100));
  const storageFile = (path: string) => join(dataDir, 'storage', ...path.split('/'));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'refity-cli-'));
    dataDir = join(dir, 'data');
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates, lists and resets accounts, with the password policy and --json', async () => {
    const created = await cli(['users', 'create', 'Alice', '--role', 'admin', '--password-stdin', '--json'], 'violet-harbour-42\n');
    expect(created.code).toBe(0);
    expect(created.json()).toMatchObject({ username: 'alice', role: 'admin', mustChangePassword: false, disabled: false });

    const weak = await cli(['users', 'create', 'bob', '--password-stdin'], 'short\n');
    expect(weak.code).toBe(2);
    expect(weak.stderr).toContain('password refused');
    expect((await cli(['users', 'create', 'alice', '--password-stdin'], 'another-good-one-7\n')).stderr).toContain('already exists');
    expect((await cli(['users', 'create', 'bob', '--role', 'root', '--password-stdin'], 'violet-harbour-43\n')).code).toBe(2);

    const list = await cli(['users', 'list']);
    expect(list.stdout).toMatch(/^USERNAME\s+ROLE\s+STATE\s+LAST LOGIN\nalice\s+admin\s+active\s+-$/m);

    const reset = await cli(['users', 'reset-password', 'alice', '--password-stdin', '--must-change-password', '--json'], 'new-harbour-pass-9\n');
    expect(reset.json()).toMatchObject({ username: 'alice', mustChangePassword: true });
    expect((await cli(['users', 'reset-password', 'nobody', '--password-stdin'], 'new-harbour-pass-9\n')).code).toBe(1);
    // no terminal and no --password-stdin: refused instead of hanging
    expect((await cli(['users', 'create', 'carol'])).stderr).toContain('--password-stdin');
  });

  it('creates and lists groups', async () => {
    expect((await cli(['groups', 'create', 'team'])).stdout).toBe('created group team\n');
    expect((await cli(['groups', 'create', 'team'])).code).toBe(1);
    expect((await cli(['groups', 'create', 'Bad Name'])).code).toBe(2);
    await pushImage('team/app', '1.0', ['layer']);
    const groups = (await cli(['groups', 'list', '--json'])).json<Array<{ name: string; repositories: number; tags: number; size: number }>>();
    expect(groups).toEqual([{ name: 'team', repositories: 1, tags: 1, size: expect.any(Number), createdAt: expect.any(String) }]);
    expect(groups[0].size).toBeGreaterThan(0);
  });

  it('manages retention policies and applies them in gc: dry run first, then for real', async () => {
    const old = await pushImage('team/app', '1.0', ['base', 'one'], 30);
    await pushImage('team/app', '1.1', ['base', 'two'], 20);
    await pushImage('team/app', 'latest', ['base', 'three'], 40);
    expect((await cli(['retention', 'set', 'team/app', '--keep-last', '1', '--protect', 'latest'])).code).toBe(0);
    expect((await cli(['retention', 'set', 'team'])).stderr).toContain('keepLast and/or keepDays');
    expect((await cli(['retention', 'list', '--json'])).json()).toEqual([
      { target: 'team/app', keepLast: 1, keepDays: null, protectedTags: ['latest'], updatedAt: expect.any(String) },
    ]);

    const dry = await cli(['gc', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    const dryReport = dry.json<{ retention: { deletedTags: Array<{ tag: string }> }; gc: { deletedBlobs: Array<{ digest: string }>; reclaimedBytes: number } }>();
    expect(dryReport.retention.deletedTags.map((entry) => entry.tag)).toEqual(['1.0']);
    expect(dryReport.gc.deletedBlobs.map((entry) => entry.digest).sort()).toEqual([old.blobs[0], old.blobs[2]].sort());
    expect(await tagsOf('team/app')).toEqual(['1.0', '1.1', 'latest']);
    expect(dry.stderr).toMatch(/retention: 100% 1\/1 team\/app/);

    const real = await cli(['gc']);
    expect(real.stdout).toContain('retention: 1 policies, 1 repositories: deleted 1 tags and 1 manifests');
    expect(real.stdout).toContain(`reclaimed ${dryReport.gc.reclaimedBytes} B`);
    expect(await tagsOf('team/app')).toEqual(['1.1', 'latest']);
    expect(existsSync(storageFile(storageLayout.blob('team/app', old.blobs[2])))).toBe(false);
    expect(existsSync(storageFile(storageLayout.blob('team/app', old.blobs[1])))).toBe(true);

    expect((await cli(['retention', 'apply', '--dry-run'])).stdout).toContain('would delete 0 tags');
    expect((await cli(['retention', 'remove', 'team/app'])).code).toBe(0);
    expect((await cli(['retention', 'remove', 'team/app'])).code).toBe(1);
  });

  it('verifies storage with progress and exits 1 on a corrupted blob', async () => {
    const image = await pushImage('team/app', '1.0', ['layer one', 'layer two']);
    const ok = await cli(['verify']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('verified 1 repositories: 1 manifests, 1 tags, 3 blobs');
    expect(ok.stderr).toContain('verify: 100%');

    writeFileSync(storageFile(storageLayout.blob('team/app', image.blobs[1])), 'tampered');
    const bad = await cli(['verify', '--json']);
    expect(bad.code).toBe(1);
    expect(bad.json()).toMatchObject({ ok: false, problems: [{ kind: 'blob', reference: image.blobs[1], problem: 'digest-mismatch' }] });
  });

  it('rebuilds a lost database with reindex', async () => {
    await pushImage('team/app', '1.0', ['a']);
    await pushImage('team/app', '1.1', ['a', 'c']);
    await pushImage('team/tools/cli', 'latest', ['b']);
    // what the console shows: groups with repository and tag counts and deduplicated size
    const catalog = async () =>
      (await cli(['groups', 'list', '--json'])).json<Array<{ name: string; repositories: number; tags: number; size: number }>>().map(({ name, repositories, tags, size }) => ({ name, repositories, tags, size }));
    const before = await catalog();
    rmSync(join(dataDir, 'refity.sqlite'));
    for (const suffix of ['-wal', '-shm']) rmSync(join(dataDir, `refity.sqlite${suffix}`), { force: true });
    const reindex = await cli(['reindex', '--json']);
    expect(reindex.code).toBe(0);
    expect(reindex.json()).toMatchObject({ groups: 1, repositories: 2, manifests: 3, tags: 3, skipped: [] });
    expect(await catalog()).toEqual(before);
    expect(await tagsOf('team/app')).toEqual(['1.0', '1.1']);
    expect(await tagsOf('team/tools/cli')).toEqual(['latest']);
    expect((await cli(['verify'])).code).toBe(0);
  });

  it('backs up online and restores only with --force over a live database', async () => {
    const image = await pushImage('team/app', '1.0', ['a']);
    const backup = await cli(['backup', 'bk', '--json']);
    expect(backup.code).toBe(0);
    expect(backup.json()).toMatchObject({ format: 'refity-backup/1', counts: { groups: 1, repositories: 1, manifests: 1, tags: 1, blobs: 2 }, storage: { driver: 'local', files: 4 } });
    const paths = readFileSync(join(dir, 'bk', 'storage-paths.tsv'), 'utf8');
    expect(paths).toContain(`\tregistry/team/app/blobs/${image.blobs[1]}\n`);
    expect(paths).toContain('\tregistry/team/app/manifests/1.0\n');
    expect((await cli(['backup', 'bk'])).stderr).toContain('--force');

    // after the backup: a new tag, and a blob file lost
    await pushImage('team/app', '2.0', ['b']);
    rmSync(storageFile(storageLayout.blob('team/app', image.blobs[1])));

    const refused = await cli(['restore', 'bk']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refusing to overwrite the live database');
    expect(await tagsOf('team/app')).toEqual(['1.0', '2.0']);

    const restored = await cli(['restore', 'bk', '--force', '--json']);
    expect(restored.code).toBe(0);
    const report = restored.json<{ previous: string; storage: { missing: string[]; extra: number } }>();
    expect(report.storage.missing).toEqual([storageLayout.blob('team/app', image.blobs[1])]);
    expect(report.storage.extra).toBeGreaterThanOrEqual(4);
    expect(existsSync(report.previous)).toBe(true);
    expect(await tagsOf('team/app')).toEqual(['1.0']);
  });

  it('prints the static-registry nginx config for the local storage folder', async () => {
    const image = await pushImage('team/app', '1.0', ['a']);
    const result = await cli(['static-nginx-config', '--listen', '127.0.0.1:9999']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`alias "${join(dataDir, 'storage')}/registry/";`);
    expect(result.stdout).toContain(`"/v2/team/app/manifests/1.0" "${image.manifest}";`);
    expect(result.stdout).toContain('listen 127.0.0.1:9999;');
    expect((await cli(['static-nginx-config', '--root', 'with space'])).code).toBe(2);
  });

  it('reports configuration and usage errors with exit code 2', async () => {
    let stderr = '';
    const code = await runCli(['groups', 'list'], {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
      stdin: Readable.from([]),
      env: { DATA_DIR: dataDir, DATABASE_URL: 'mysql://x' },
      cwd: dir,
    });
    expect(code).toBe(2);
    expect(stderr).toContain('DATABASE_URL');
    expect((await cli(['gc', '--grace-minutes', 'soon'])).code).toBe(2);
    expect((await cli(['no-such-command'])).code).toBe(2);
    expect((await cli(['--help'])).code).toBe(0);
  });
});
