import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestOf } from '@refity/digest';
import { MetadataStore, openMetadataDatabase, TagEntity } from '@refity/metadata';
import { LocalStorageDriver } from '@refity/storage-local';
import { storageLayout } from './layout';
import { Maintenance } from './maintenance';
import { MEDIA_TYPES } from './manifest';
import { policyFor, RetentionPolicyError, selectTags, tagGlob, validateRetentionPolicy } from './retention';
import { RegistryService } from './registry.service';
import { pushTestBlob, pushTestImage } from './test-images.spec-helper';

const DAY = 86_400_000;

describe('retention rules', () => {
  it('matches protected tag globs with * and ? only', () => {
    expect(tagGlob('v*').test('v1.2.3')).toBe(true);
    expect(tagGlob('v*').test('1.2.3')).toBe(false);
    expect(tagGlob('latest').test('latest')).toBe(true);
    expect(tagGlob('latest').test('latest2')).toBe(false);
    expect(tagGlob('1.?').test('1.x')).toBe(true);
    // "." is literal, not "any character"
    expect(tagGlob('1.0').test('100')).toBe(false);
  });

  it('keeps protected tags, the N newest, the ones younger than D days and the ones in the grace period', () => {
    const now = Date.now();
    const tags = [
      { name: 'fresh', digest: 'sha256:a', updatedAt: new Date(now - 60_000) },
      { name: 'b', digest: 'sha256:b', updatedAt: new Date(now - 2 * DAY) },
      { name: 'c', digest: 'sha256:c', updatedAt: new Date(now - 5 * DAY) },
      { name: 'v1', digest: 'sha256:d', updatedAt: new Date(now - 50 * DAY) },
      { name: 'e', digest: 'sha256:e', updatedAt: new Date(now - 60 * DAY) },
    ];
    const names = (result: { keep: typeof tags; remove: typeof tags }) => ({ keep: result.keep.map((t) => t.name), remove: result.remove.map((t) => t.name) });
    expect(names(selectTags(tags, { keepLast: 2, keepDays: null, protectedTags: ['v*'] }, now, 0))).toEqual({ keep: ['fresh', 'b', 'v1'], remove: ['c', 'e'] });
    expect(names(selectTags(tags, { keepLast: null, keepDays: 3, protectedTags: [] }, now, 0))).toEqual({ keep: ['fresh', 'b'], remove: ['c', 'v1', 'e'] });
    // either rule keeps a tag
    expect(names(selectTags(tags, { keepLast: 1, keepDays: 3, protectedTags: [] }, now, 0)).keep).toEqual(['fresh', 'b']);
    // nothing younger than the grace period goes, even with keepLast 0
    expect(names(selectTags(tags, { keepLast: 0, keepDays: null, protectedTags: [] }, now, 3_600_000)).keep).toEqual(['fresh']);
  });

  it('picks the repository policy over its group, and the longest parent path', () => {
    const policy = (target: string) => ({ target, keepLast: 1, keepDays: null, protectedTags: [], createdAt: new Date(), updatedAt: new Date() });
    const policies = [policy('team'), policy('team/app'), policy('team/tools')];
    expect(policyFor('team/app', policies)?.target).toBe('team/app');
    expect(policyFor('team/web', policies)?.target).toBe('team');
    expect(policyFor('team/tools/cli', policies)?.target).toBe('team/tools');
    expect(policyFor('team2/app', policies)).toBeNull();
  });

  it('refuses a policy that keeps nothing, bad targets and bad patterns', () => {
    expect(() => validateRetentionPolicy({ target: 'team', keepLast: null, keepDays: null, protectedTags: ['latest'] })).toThrow(RetentionPolicyError);
    expect(() => validateRetentionPolicy({ target: 'Team', keepLast: 3, keepDays: null, protectedTags: [] })).toThrow(/invalid target/);
    expect(() => validateRetentionPolicy({ target: 'team/app', keepLast: -1, keepDays: null, protectedTags: [] })).toThrow(/keepLast/);
    expect(() => validateRetentionPolicy({ target: 'team/app', keepLast: 1, keepDays: null, protectedTags: ['v[0-9]'] })).toThrow(/pattern/);
    expect(validateRetentionPolicy({ target: 'team/app/', keepLast: 1, keepDays: 7, protectedTags: [' latest ', 'v*', 'latest'] })).toEqual({
      target: 'team/app',
      keepLast: 1,
      keepDays: 7,
      protectedTags: ['latest', 'v*'],
    });
  });
});

describe('RetentionService and Maintenance on SQLite and local storage', () => {
  let dir: string;
  let storage: LocalStorageDriver;
  let metadata: MetadataStore;
  let registry: RegistryService;
  let maintenance: Maintenance;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'refity-retention-'));
    storage = new LocalStorageDriver(join(dir, 'storage'));
    metadata = new MetadataStore(await openMetadataDatabase({ type: 'sqlite', path: join(dir, 'meta.sqlite') }));
    registry = new RegistryService(storage, metadata, { autoCreateGroups: true, maxManifestBytes: 1 << 20, uploadsDir: join(dir, 'uploads') });
    maintenance = new Maintenance(storage, metadata, registry.uploads);
  });

  afterEach(async () => {
    await metadata.dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const pushBlob = (name: string, data: Buffer) => pushTestBlob(registry, name, data);
  const pushImage = (name: string, tag: string, layers: string[]) => pushTestImage(registry, name, tag, layers);

  /** Pretends the tag was pushed `days` ago. */
  const age = async (name: string, tag: string, days: number) => {
    const repository = await metadata.findRepository(name);
    await metadata.dataSource.getRepository(TagEntity).update({ repositoryId: repository?.id, name: tag }, { updatedAt: new Date(Date.now() - days * DAY) });
  };

  const tagsOf = async (name: string) => registry.tags(name, undefined, 100);

  it('reports on a dry run, then deletes tags, their manifests and (through the sweep) their blobs', async () => {
    const images: Record<string, { manifest: string; blobs: string[] }> = {};
    for (const [index, tag] of ['1.0', '1.1', '1.2', '1.3', 'latest', 'v0.9'].entries()) {
      images[tag] = await pushImage('team/app', tag, ['base', `layer-${tag}`]);
      await age('team/app', tag, 40 - index);
    }
    await pushImage('team/other', 'old', ['other']);
    await age('team/other', 'old', 400);
    await maintenance.retention.setPolicy({ target: 'team/app', keepLast: 2, keepDays: null, protectedTags: ['latest', 'v*'] });

    const dry = await maintenance.run({ dryRun: true, gracePeriodMs: 0 });
    expect(dry.retention?.deletedTags.map((entry) => entry.tag).sort()).toEqual(['1.0', '1.1']);
    expect(dry.retention?.deletedManifests.map((entry) => entry.digest).sort()).toEqual([images['1.0'].manifest, images['1.1'].manifest].sort());
    // the sweep's dry run counts the blobs those manifests alone held (not the shared "base")
    expect(dry.gc.deletedBlobs.map((entry) => entry.digest).sort()).toEqual(
      [...images['1.0'].blobs.filter((_, i) => i !== 1), ...images['1.1'].blobs.filter((_, i) => i !== 1)].sort(),
    );
    expect(await tagsOf('team/app')).toEqual(['1.0', '1.1', '1.2', '1.3', 'latest', 'v0.9']);

    const real = await maintenance.run({ gracePeriodMs: 0 });
    expect(real.retention?.deletedTags.map((entry) => entry.tag).sort()).toEqual(['1.0', '1.1']);
    expect(real.gc.deletedBlobs.map((entry) => entry.digest).sort()).toEqual(dry.gc.deletedBlobs.map((entry) => entry.digest).sort());
    expect(real.gc.reclaimedBytes).toBe(dry.gc.reclaimedBytes);
    expect(await tagsOf('team/app')).toEqual(['1.2', '1.3', 'latest', 'v0.9']);
    expect(await tagsOf('team/other')).toEqual(['old']);
    expect(await storage.exists(storageLayout.tag('team/app', '1.0'))).toBe(false);
    expect(await storage.exists(storageLayout.manifest('team/app', images['1.0'].manifest))).toBe(false);
    for (const blob of images['1.0'].blobs.filter((_, i) => i !== 1)) expect(await storage.exists(storageLayout.blob('team/app', blob))).toBe(false);
    // what stays still pulls: shared layer, kept images
    for (const blob of images['1.2'].blobs) expect(await storage.exists(storageLayout.blob('team/app', blob))).toBe(true);
    expect(await registry.readManifest('team/app', images['v0.9'].manifest)).toBeInstanceOf(Buffer);

    const again = await maintenance.run({ gracePeriodMs: 0 });
    expect(again.retention?.deletedTags).toEqual([]);
    expect(again.gc.deletedBlobs).toEqual([]);
  });

  it('keeps a manifest that another tag still holds, and removes referrers with their subject', async () => {
    const shared = await pushImage('team/app', 'old', ['a']);
    await registry.putManifest('team/app', 'keep', await registry.readManifest('team/app', shared.manifest), MEDIA_TYPES.ociManifest);
    const lonely = await pushImage('team/app', 'lonely', ['b']);
    // a signature-like referrer of the lonely image
    const empty = await pushBlob('team/app', Buffer.from('{}'));
    const referrer = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociManifest,
        artifactType: 'application/vnd.example.signature',
        config: { mediaType: MEDIA_TYPES.ociEmpty, digest: empty.digest, size: empty.size },
        layers: [],
        subject: { mediaType: MEDIA_TYPES.ociManifest, digest: lonely.manifest, size: 100 },
      }),
    );
    const signature = await registry.putManifest('team/app', digestOf(referrer), referrer, MEDIA_TYPES.ociManifest);
    await age('team/app', 'old', 30);
    await age('team/app', 'lonely', 30);
    await maintenance.retention.setPolicy({ target: 'team', keepLast: null, keepDays: 7, protectedTags: [] });

    const report = await maintenance.retention.apply({ gracePeriodMs: 0 });
    expect(report.deletedTags.map((entry) => entry.tag).sort()).toEqual(['lonely', 'old']);
    expect(report.deletedManifests.map((entry) => entry.digest).sort()).toEqual([lonely.manifest, signature.digest].sort());
    expect(await tagsOf('team/app')).toEqual(['keep']);
    expect((await registry.findManifest('team/app', 'keep')).digest).toBe(shared.manifest);
  });

  it('deletes the images of a multi-arch index with it, unless another index still lists them', async () => {
    const sizes = new Map<string, number>();
    const index = async (tag: string, children: Array<{ manifest: string }>) => {
      const body = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA_TYPES.ociIndex,
          manifests: children.map((child, position) => ({
            mediaType: MEDIA_TYPES.ociManifest,
            digest: child.manifest,
            size: sizes.get(child.manifest) as number,
            platform: { os: 'linux', architecture: position === 0 ? 'amd64' : 'arm64' },
          })),
        }),
      );
      return (await registry.putManifest('team/app', tag, body, MEDIA_TYPES.ociIndex)).digest;
    };
    const child = async (name: string) => {
      const image = await pushImage('team/app', `tmp-${name}`, [`layer-${name}`]);
      sizes.set(image.manifest, (await registry.readManifest('team/app', image.manifest)).length);
      await registry.deleteManifest('team/app', `tmp-${name}`);
      return image;
    };
    const amd = await child('amd');
    const arm = await child('arm');
    const shared = await child('shared');
    const oldIndex = await index('old', [amd, shared]);
    await index('new', [arm, shared]);
    await age('team/app', 'old', 30);
    await age('team/app', 'new', 1);
    await maintenance.retention.setPolicy({ target: 'team/app', keepLast: 1, keepDays: null, protectedTags: [] });

    const dry = await maintenance.run({ dryRun: true, gracePeriodMs: 0 });
    expect(dry.retention?.deletedManifests.map((entry) => entry.digest).sort()).toEqual([oldIndex, amd.manifest].sort());
    const real = await maintenance.run({ gracePeriodMs: 0 });
    expect(real.retention?.deletedManifests.map((entry) => entry.digest).sort()).toEqual([oldIndex, amd.manifest].sort());
    expect(real.gc.deletedBlobs.map((entry) => entry.digest).sort()).toEqual(amd.blobs.sort());
    expect(real.gc.reclaimedBytes).toBe(dry.gc.reclaimedBytes);
    expect(await registry.readManifest('team/app', shared.manifest)).toBeInstanceOf(Buffer);
    for (const blob of [...arm.blobs, ...shared.blobs]) expect(await storage.exists(storageLayout.blob('team/app', blob))).toBe(true);
  });

  it('does nothing without policies and limits a run to one group', async () => {
    await pushImage('team/app', 'a', ['x']);
    await pushImage('ops/app', 'a', ['y']);
    await age('team/app', 'a', 10);
    await age('ops/app', 'a', 10);
    expect((await maintenance.retention.apply({ gracePeriodMs: 0 })).deletedTags).toEqual([]);
    await maintenance.retention.setPolicy({ target: 'team', keepLast: 0, keepDays: 1, protectedTags: [] });
    await maintenance.retention.setPolicy({ target: 'ops', keepLast: 0, keepDays: 1, protectedTags: [] });
    const report = await maintenance.retention.apply({ group: 'ops', gracePeriodMs: 0 });
    expect(report.deletedTags).toEqual([{ repository: 'ops/app', tag: 'a', digest: expect.stringMatching(/^sha256:/) }]);
    expect(await tagsOf('team/app')).toEqual(['a']);
  });
});
