import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestOf } from '@refity/digest';
import { MetadataStore, openMetadataDatabase } from '@refity/metadata';
import { LocalStorageDriver } from '@refity/storage-local';
import { storageLayout } from './layout';
import { RegistryService } from './registry.service';
import { pushTestImage } from './test-images.spec-helper';
import { Verifier, VerifyProgress } from './verifier';

describe('Verifier on SQLite and local storage', () => {
  let dir: string;
  let storageRoot: string;
  let metadata: MetadataStore;
  let registry: RegistryService;
  let verifier: Verifier;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'refity-verify-'));
    storageRoot = join(dir, 'storage');
    const storage = new LocalStorageDriver(storageRoot);
    metadata = new MetadataStore(await openMetadataDatabase({ type: 'sqlite', path: join(dir, 'meta.sqlite') }));
    registry = new RegistryService(storage, metadata, { autoCreateGroups: true, maxManifestBytes: 1 << 20, uploadsDir: join(dir, 'uploads') });
    verifier = new Verifier(storage, metadata);
  });

  afterEach(async () => {
    await metadata.dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const pushImage = async (name: string, tag: string, layers: Buffer[]) => {
    const { manifest, blobs } = await pushTestImage(registry, name, tag, layers);
    return { manifest, layers: blobs.slice(1) };
  };

  const file = (path: string) => join(storageRoot, ...path.split('/'));

  it('passes a healthy registry, hashing every manifest, tag and referenced blob, with byte progress', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    await pushImage('team/app', '1.0', [big, Buffer.from('small layer')]);
    await pushImage('team/web', 'latest', [Buffer.from('web')]);
    const seen: VerifyProgress[] = [];
    const report = await verifier.run({ onProgress: (progress) => seen.push(progress) });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ repositories: 2, manifests: 2, tags: 2, blobs: 5 });
    expect(report.bytes).toBeGreaterThan(big.length);
    const last = seen[seen.length - 1];
    expect(last.doneFiles).toBe(last.totalFiles);
    expect(last.doneBytes).toBe(last.totalBytes);
    // the 3 MiB layer reports progress more than once while it is hashed (streamed, not read whole)
    const duringBig = seen.filter((progress) => progress.path.endsWith(digestOf(big)));
    expect(duringBig.length).toBeGreaterThan(2);
  });

  it('reports a missing blob, a corrupted blob, a truncated layer and a tag file that points elsewhere', async () => {
    const app = await pushImage('team/app', '1.0', [Buffer.from('layer one'), Buffer.from('layer two')]);
    const other = await pushImage('team/app', '2.0', [Buffer.from('layer three')]);
    rmSync(file(storageLayout.blob('team/app', app.layers[0])));
    writeFileSync(file(storageLayout.blob('team/app', app.layers[1])), 'layer 2wo');
    truncateSync(file(storageLayout.blob('team/app', other.layers[0])), 3);
    writeFileSync(file(storageLayout.tag('team/app', '1.0')), await registry.readManifest('team/app', other.manifest));

    const report = await verifier.run();
    const problems = report.problems.map((problem) => `${problem.kind} ${problem.reference} ${problem.problem}`).sort();
    expect(problems).toEqual(
      [
        `blob ${app.layers[0]} missing`,
        `blob ${app.layers[1]} digest-mismatch`,
        `blob ${other.layers[0]} digest-mismatch`,
        'tag 1.0 digest-mismatch',
      ].sort(),
    );
    expect(report.problems.find((problem) => problem.kind === 'tag')?.detail).toContain(other.manifest);
  });

  it('limits the check to one group', async () => {
    await pushImage('team/app', '1.0', [Buffer.from('a')]);
    const ops = await pushImage('ops/app', '1.0', [Buffer.from('b')]);
    rmSync(file(storageLayout.manifest('ops/app', ops.manifest)));
    expect((await verifier.run({ group: 'team' })).problems).toEqual([]);
    expect((await verifier.run({ group: 'ops' })).problems.map((problem) => problem.problem)).toEqual(['missing']);
  });
});
