import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { digestOf } from '@refity/digest';
import { LocalStorageDriver } from '@refity/storage-local';
import { describeStorageDriverContract } from '@refity/testing';
import { CachingStorage, contentDigestOf } from './caching-storage';

const MiB = 1024 * 1024;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Every file under `dir`, relative, temporaries included. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

describeStorageDriverContract('cache over local', async () => {
  const root = await mkdtemp(join(tmpdir(), 'refity-cache-contract-'));
  const driver = new CachingStorage(new LocalStorageDriver(join(root, 'backend')), { dir: join(root, 'cache'), maxBytes: 64 * MiB });
  await driver.start();
  return { driver, cleanup: () => rm(root, { recursive: true, force: true }) };
});

describe('CachingStorage', () => {
  let root: string;
  let backendDir: string;
  let cacheDir: string;
  let cache: CachingStorage;

  const blobPath = (data: Buffer, repo = 'team/app') => `registry/${repo}/blobs/${digestOf(data)}`;
  /** Stores `data` on the backend under its digest and returns the path. */
  const stored = async (data: Buffer, repo?: string) => {
    const path = blobPath(data, repo);
    await new LocalStorageDriver(backendDir).writeFile(path, data);
    return path;
  };
  /** Removes the backend's copy behind the cache's back. */
  const removeFromBackend = (path: string) => fs.rm(join(backendDir, ...path.split('/')));
  const open = async (maxBytes: number) => {
    const instance = new CachingStorage(new LocalStorageDriver(backendDir), { dir: cacheDir, maxBytes });
    await instance.start();
    return instance;
  };
  /** Reads through the cache and waits for the copy to land. */
  const fillFrom = async (path: string) => {
    const data = await readAll(await cache.createReadStream(path));
    await cache.settled();
    return data;
  };

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'refity-cache-'));
    backendDir = join(root, 'backend');
    cacheDir = join(root, 'cache');
    cache = await open(16 * MiB);
  });

  afterEach(async () => {
    await cache.close();
    await rm(root, { recursive: true, force: true });
  });

  it('caches only content-addressed paths', () => {
    const digest = digestOf('x');
    expect(contentDigestOf(`registry/a/b/blobs/${digest}`)?.value).toBe(digest);
    expect(contentDigestOf(`registry/a/manifests/${digest}`)?.value).toBe(digest);
    expect(contentDigestOf('registry/a/manifests/latest')).toBeUndefined();
    expect(contentDigestOf(`registry/a/other/${digest}`)).toBeUndefined();
    expect(contentDigestOf('registry/a/blobs/sha256:short')).toBeUndefined();
  });

  it('serves a hit without the backend: the backend copy was removed out of band', async () => {
    const data = randomBytes(3 * MiB + 17);
    const path = await stored(data);
    expect((await fillFrom(path)).equals(data)).toBe(true);
    await removeFromBackend(path);
    expect((await readAll(await cache.createReadStream(path))).equals(data)).toBe(true);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, fills: 1, entries: 1, bytes: data.length });
  });

  it('keeps a local copy it is handed (write-through) by hard link, within the bound', async () => {
    const data = randomBytes(MiB + 5);
    const path = await stored(data);
    const local = join(root, 'queued-file');
    await fs.writeFile(local, data);
    await cache.admitLocalCopy(path, local);
    await fs.rm(local);
    await removeFromBackend(path);
    expect((await readAll(await cache.createReadStream(path))).equals(data)).toBe(true);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 0, fills: 1, entries: 1, bytes: data.length });

    const tagFile = join(root, 'tag-file');
    await fs.writeFile(tagFile, 'manifest');
    await cache.admitLocalCopy('registry/team/app/manifests/latest', tagFile);
    const big = join(root, 'too-big');
    await fs.writeFile(big, randomBytes(17 * MiB));
    await cache.admitLocalCopy(blobPath(randomBytes(8)), big);
    expect(cache.stats()).toMatchObject({ fills: 1, entries: 1 });
  });

  it('serves ranges of a hit, and does not fill on a ranged miss', async () => {
    const data = randomBytes(2 * MiB);
    const path = await stored(data);
    expect((await readAll(await cache.createReadStream(path, { start: 10, end: 99 }))).equals(data.subarray(10, 100))).toBe(true);
    await cache.settled();
    expect(cache.stats()).toMatchObject({ misses: 1, entries: 0 });
    await fillFrom(path);
    await removeFromBackend(path);
    expect((await readAll(await cache.createReadStream(path, { start: 1000, end: 1_500_000 }))).equals(data.subarray(1000, 1_500_001))).toBe(true);
    expect((await readAll(await cache.createReadStream(path, { start: MiB }))).equals(data.subarray(MiB))).toBe(true);
  });

  it('caches manifests read whole by digest, never tag files', async () => {
    const manifest = Buffer.from('{"schemaVersion":2}');
    const backend = new LocalStorageDriver(backendDir);
    const byDigest = `registry/team/app/manifests/${digestOf(manifest)}`;
    await backend.writeFile(byDigest, manifest);
    await backend.writeFile('registry/team/app/manifests/latest', manifest);
    expect((await cache.readFile(byDigest)).equals(manifest)).toBe(true);
    expect((await cache.readFile('registry/team/app/manifests/latest')).equals(manifest)).toBe(true);
    await cache.settled();
    await removeFromBackend(byDigest);
    await removeFromBackend('registry/team/app/manifests/latest');
    expect((await cache.readFile(byDigest)).equals(manifest)).toBe(true);
    await expect(cache.readFile('registry/team/app/manifests/latest')).rejects.toMatchObject({ code: 'NotFound' });
    expect(cache.stats()).toMatchObject({ hits: 1, entries: 1 });
  });

  it('evicts the least recently used copies to stay within the bound', async () => {
    const blobs = await Promise.all(Array.from({ length: 5 }, async () => {
      const data = randomBytes(5 * MiB);
      return { data, path: await stored(data) };
    }));
    await fillFrom(blobs[0].path);
    await fillFrom(blobs[1].path);
    await fillFrom(blobs[2].path);
    // Used again: now the most recent, so blobs[1] goes first.
    await fillFrom(blobs[0].path);
    await fillFrom(blobs[3].path);
    await fillFrom(blobs[4].path);
    const stats = cache.stats();
    expect(stats.bytes).toBeLessThanOrEqual(16 * MiB);
    expect(stats).toMatchObject({ entries: 3, evictions: 2 });
    expect((await filesUnder(cacheDir)).sort()).toEqual([blobs[0], blobs[3], blobs[4]].map((blob) => digestOf(blob.data)).sort());
  });

  it('does not cache what is larger than the whole cache', async () => {
    const data = randomBytes(17 * MiB);
    const path = await stored(data);
    expect((await fillFrom(path)).equals(data)).toBe(true);
    expect(cache.stats()).toMatchObject({ entries: 0, bytes: 0 });
    expect(await filesUnder(cacheDir)).toEqual([]);
  });

  it('passes wrong bytes from the backend through but never caches them', async () => {
    const expected = randomBytes(MiB);
    const path = blobPath(expected);
    const corrupt = Buffer.from(expected);
    corrupt[1234] ^= 0xff;
    await new LocalStorageDriver(backendDir).writeFile(path, corrupt);
    expect((await fillFrom(path)).equals(corrupt)).toBe(true);
    const manifestPath = `registry/team/app/manifests/${digestOf('{}')}`;
    await new LocalStorageDriver(backendDir).writeFile(manifestPath, Buffer.from('{"not":"it"}'));
    await cache.readFile(manifestPath);
    await cache.settled();
    expect(cache.stats()).toMatchObject({ rejected: 2, entries: 0 });
    expect(await filesUnder(cacheDir)).toEqual([]);
  });

  it('leaves nothing when a reader stops half-way', async () => {
    const data = randomBytes(8 * MiB);
    const path = await stored(data);
    const stream = await cache.createReadStream(path);
    for await (const chunk of stream) {
      expect((chunk as Buffer).length).toBeGreaterThan(0);
      break;
    }
    await cache.settled();
    expect(cache.stats()).toMatchObject({ entries: 0 });
    expect(await filesUnder(cacheDir)).toEqual([]);
    // The next read fills.
    expect((await fillFrom(path)).equals(data)).toBe(true);
    expect(cache.stats().entries).toBe(1);
  });

  it('serves concurrent readers of one miss correctly, filling once', async () => {
    const data = randomBytes(6 * MiB);
    const path = await stored(data);
    const streams = await Promise.all([cache.createReadStream(path), cache.createReadStream(path), cache.createReadStream(path)]);
    const bodies = await Promise.all(streams.map(readAll));
    for (const body of bodies) expect(body.equals(data)).toBe(true);
    await cache.settled();
    expect(cache.stats()).toMatchObject({ misses: 3, fills: 1, entries: 1 });
    await removeFromBackend(path);
    expect((await readAll(await cache.createReadStream(path))).equals(data)).toBe(true);
  });

  it('drops cached copies on delete, folder delete, move, link and overwrite through it', async () => {
    const a = randomBytes(MiB);
    const b = randomBytes(MiB);
    const c = randomBytes(MiB);
    const pathA = await stored(a);
    const pathB = await stored(b, 'team/other');
    const pathC = await stored(c);
    for (const path of [pathA, pathB, pathC]) await fillFrom(path);
    expect(cache.stats().entries).toBe(3);

    await cache.delete(pathA);
    await expect(cache.createReadStream(pathA)).rejects.toMatchObject({ code: 'NotFound' });
    await cache.deleteFolder('registry/team/other');
    await expect(cache.readFile(pathB)).rejects.toMatchObject({ code: 'NotFound' });
    expect(cache.stats().entries).toBe(1);

    const moved = `registry/team/moved/blobs/${digestOf(c)}`;
    await cache.move(pathC, moved);
    expect(cache.stats().entries).toBe(0);
    await expect(cache.readFile(pathC)).rejects.toMatchObject({ code: 'NotFound' });
    expect((await fillFrom(moved)).equals(c)).toBe(true);
    await cache.linkOrCopy(moved, pathC);
    await fillFrom(pathC);
    expect(cache.stats().entries).toBe(2);
    await cache.writeFile(pathC, c);
    const writer = await cache.createWriter(moved);
    writer.stream.end(c);
    await writer.commit();
    expect(cache.stats().entries).toBe(0);
    expect(await filesUnder(cacheDir)).toEqual([]);
  });

  it('rebuilds its index on start and removes unfinished copies', async () => {
    const first = randomBytes(2 * MiB);
    const second = randomBytes(3 * MiB);
    const paths = [await stored(first), await stored(second)];
    for (const path of paths) await fillFrom(path);
    await cache.close();
    const leftover = join(cacheDir, 'registry', 'team', 'app', 'blobs', `.tmp-crashed-${digestOf(first)}`);
    await fs.writeFile(leftover, 'half a copy');

    cache = await open(16 * MiB);
    expect(cache.stats()).toMatchObject({ entries: 2, bytes: first.length + second.length });
    await expect(fs.access(leftover)).rejects.toThrow();
    for (const path of paths) await removeFromBackend(path);
    expect((await readAll(await cache.createReadStream(paths[0]))).equals(first)).toBe(true);
    expect((await cache.readFile(paths[1])).equals(second)).toBe(true);
    await cache.close();

    // A smaller bound on the next start evicts the oldest copy.
    cache = await open(4 * MiB);
    expect(cache.stats()).toMatchObject({ entries: 1, evictions: 1 });
  });
});
