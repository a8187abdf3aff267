import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GroupEntity, MetadataStore, openMetadataDatabase, UploadJobEntity } from '@refity/metadata';
import { digestOf } from '@refity/digest';
import { CachingStorage } from '@refity/storage-cache';
import { LocalStorageDriver } from '@refity/storage-local';
import { describeStorageDriverContract } from '@refity/testing';
import { loadConfig } from '@refity/config';
import { withUploadQueue, WriteBehindStorage } from './write-behind-storage';

// The upload queue is a storage driver too: it must pass the same contract unchanged.
describeStorageDriverContract('write-behind queue over local disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'refity-write-behind-'));
  const metadata = new MetadataStore(await openMetadataDatabase({ type: 'sqlite', path: join(dir, 'meta.sqlite') }));
  const driver = new WriteBehindStorage(new LocalStorageDriver(join(dir, 'backend')), metadata, { queueDir: join(dir, 'queue'), concurrency: 2 });
  await driver.start();
  return {
    driver,
    cleanup: async () => {
      await driver.close();
      await metadata.dataSource.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('WriteBehindStorage', () => {
  let dir: string;
  let metadata: MetadataStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'refity-write-behind-'));
    metadata = new MetadataStore(await openMetadataDatabase({ type: 'sqlite', path: join(dir, 'meta.sqlite') }));
  });

  afterEach(async () => {
    await metadata.dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a queued file before it reaches the backend, and resumes the queue after a restart', async () => {
    const backend = new LocalStorageDriver(join(dir, 'backend'));
    const first = new WriteBehindStorage(backend, metadata, { queueDir: join(dir, 'queue'), concurrency: 1 });
    // Not started: nothing uploads, as if the backend were unreachable.
    await first.writeFile('registry/team/app/blobs/b1', Buffer.from('queued bytes'));
    expect((await first.readFile('registry/team/app/blobs/b1')).toString()).toBe('queued bytes');
    expect(await backend.exists('registry/team/app/blobs/b1')).toBe(false);
    expect(first.jobs()).toMatchObject([{ path: 'registry/team/app/blobs/b1', size: 12 }]);

    // A new process finds the job in the database and finishes it.
    const second = new WriteBehindStorage(backend, metadata, { queueDir: join(dir, 'queue'), concurrency: 1 });
    await second.start();
    expect(await second.drain(10_000)).toBe(true);
    expect((await backend.readFile('registry/team/app/blobs/b1')).toString()).toBe('queued bytes');
    expect(second.jobs()).toEqual([]);
    await second.close();
  });

  it('hands each uploaded file to a read cache below it, so the next read is local', async () => {
    const backend = new LocalStorageDriver(join(dir, 'backend'));
    const cache = new CachingStorage(backend, { dir: join(dir, 'cache'), maxBytes: 1024 * 1024 });
    await cache.start();
    const queue = new WriteBehindStorage(cache, metadata, { queueDir: join(dir, 'queue'), concurrency: 1 });
    await queue.start();
    const data = Buffer.from('pushed layer bytes');
    const path = `registry/team/app/blobs/${digestOf(data)}`;
    await queue.writeFile(path, data);
    expect(await queue.drain(10_000)).toBe(true);
    expect(cache.stats()).toMatchObject({ entries: 1, bytes: data.length, misses: 0 });
    // The backend's copy is gone behind everyone's back: only the cache can answer now.
    await fs.rm(join(dir, 'backend', ...path.split('/')));
    expect(await queue.readFile(path)).toEqual(data);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 0 });
    await queue.close();
  });

  it('keeps the newest write of a path and drops a deleted one', async () => {
    const backend = new LocalStorageDriver(join(dir, 'backend'));
    const queue = new WriteBehindStorage(backend, metadata, { queueDir: join(dir, 'queue'), concurrency: 2 });
    await queue.writeFile('registry/team/app/manifests/latest', Buffer.from('v1'));
    await queue.writeFile('registry/team/app/manifests/latest', Buffer.from('v2'));
    await queue.writeFile('registry/team/app/manifests/gone', Buffer.from('x'));
    await queue.delete('registry/team/app/manifests/gone');
    expect(queue.jobs().map((job) => job.path)).toEqual(['registry/team/app/manifests/latest']);
    await queue.start();
    expect(await queue.drain(10_000)).toBe(true);
    expect((await backend.readFile('registry/team/app/manifests/latest')).toString()).toBe('v2');
    expect(await backend.exists('registry/team/app/manifests/gone')).toBe(false);
    await queue.close();
  });

  it('queues files together with a metadata write, and queues nothing when that write fails', async () => {
    const queueDir = join(dir, 'queue');
    const backend = new LocalStorageDriver(join(dir, 'backend'));
    const queue = new WriteBehindStorage(backend, metadata, { queueDir, concurrency: 1 });
    const files = [
      { path: 'registry/team/app/manifests/sha256:1', data: Buffer.from('manifest') },
      { path: 'registry/team/app/manifests/latest', data: Buffer.from('manifest') },
    ];
    const refused = queue.writeFilesTogether(files, async (manager) => {
      await manager.insert(GroupEntity, { name: 'rolled-back' });
      throw new Error('a referenced blob is missing');
    });
    await expect(refused).rejects.toThrow('a referenced blob is missing');
    expect(await metadata.findGroup('rolled-back')).toBeNull();
    expect(queue.jobs()).toEqual([]);
    expect(await metadata.dataSource.getRepository(UploadJobEntity).count()).toBe(0);
    expect(await fs.readdir(queueDir)).toEqual([]);
    expect(await queue.exists('registry/team/app/manifests/latest')).toBe(false);

    const result = await queue.writeFilesTogether(files, async (manager) => {
      await manager.insert(GroupEntity, { name: 'team' });
      return 'stored';
    });
    expect(result).toBe('stored');
    expect(await metadata.findGroup('team')).not.toBeNull();
    expect(queue.jobs().map((job) => job.path)).toEqual(files.map((file) => file.path));
    expect((await queue.readFile('registry/team/app/manifests/latest')).toString()).toBe('manifest');
    await queue.start();
    expect(await queue.drain(10_000)).toBe(true);
    expect((await backend.readFile('registry/team/app/manifests/sha256:1')).toString()).toBe('manifest');
    await queue.close();
  });

  it('removes at start the queue files a crash left between writing and committing, once old', async () => {
    const queueDir = join(dir, 'queue');
    const backend = new LocalStorageDriver(join(dir, 'backend'));
    const first = new WriteBehindStorage(backend, metadata, { queueDir, concurrency: 1 });
    await first.writeFile('registry/team/app/blobs/queued', Buffer.from('committed, not uploaded yet'));
    await first.close();
    const old = new Date(Date.now() - 2 * 3_600_000);
    await fs.writeFile(join(queueDir, 'crashed-mid-write'), 'partial');
    await fs.utimes(join(queueDir, 'crashed-mid-write'), old, old);
    await fs.writeFile(join(queueDir, 'being-written-by-another-process'), 'fresh');
    for (const name of await fs.readdir(queueDir)) await fs.utimes(join(queueDir, name), old, old);
    await fs.utimes(join(queueDir, 'being-written-by-another-process'), new Date(), new Date());

    const queue = new WriteBehindStorage(backend, metadata, { queueDir, concurrency: 1 });
    await queue.start();
    const left = await fs.readdir(queueDir);
    expect(left).not.toContain('crashed-mid-write');
    expect(left).toContain('being-written-by-another-process');
    expect(await queue.drain(10_000)).toBe(true);
    expect((await backend.readFile('registry/team/app/blobs/queued')).toString()).toBe('committed, not uploaded yet');
    await queue.close();
  });

  it('holds background uploads while a client upload streams in, up to the yield bound', async () => {
    const backend = new LocalStorageDriver(join(dir, 'backend'));
    const queue = new WriteBehindStorage(backend, metadata, { queueDir: join(dir, 'queue'), concurrency: 2 });
    await queue.start();
    const receiving = queue.clientTransferStarted();
    await queue.writeFile('registry/team/app/blobs/b1', Buffer.from('later'));
    expect(await queue.drain(300)).toBe(false);
    expect(await backend.exists('registry/team/app/blobs/b1')).toBe(false);
    receiving();
    expect(await queue.drain(10_000)).toBe(true);
    expect((await backend.readFile('registry/team/app/blobs/b1')).toString()).toBe('later');
    await queue.close();

    // A client that never stops uploading does not starve the queue.
    const bounded = new WriteBehindStorage(backend, metadata, { queueDir: join(dir, 'queue'), concurrency: 2, maxYieldMs: 0 });
    await bounded.start();
    const endless = bounded.clientTransferStarted();
    await bounded.writeFile('registry/team/app/blobs/b2', Buffer.from('anyway'));
    expect(await bounded.drain(10_000)).toBe(true);
    endless();
    await bounded.close();
  });
});

describe('withUploadQueue', () => {
  it('queues uploads with SFTP unless SFTP_SYNC_UPLOAD, and warns a worker on PostgreSQL that replicas cannot share the queue', () => {
    const warnings: string[] = [];
    const logger = { log: () => undefined, warn: (message: string) => warnings.push(message), error: () => undefined };
    const backend = new LocalStorageDriver(tmpdir());
    const metadata = {} as MetadataStore; // not used until the queue starts
    const sftp = { FTP_HOST: 'nas.local', FTP_USERNAME: 'refity', FTP_PASSWORD: 'secret', DATA_DIR: tmpdir() };
    expect(withUploadQueue(loadConfig(sftp), backend, metadata, 'worker', logger)).toBeInstanceOf(WriteBehindStorage);
    expect(withUploadQueue(loadConfig({ ...sftp, SFTP_SYNC_UPLOAD: 'true', DATABASE_URL: 'postgres://db/refity' }), backend, metadata, 'worker', logger)).toBe(backend);
    expect(warnings).toEqual([]);
    withUploadQueue(loadConfig({ ...sftp, DATABASE_URL: 'postgres://db/refity' }), backend, metadata, 'observer', logger);
    expect(warnings).toEqual([]);
    withUploadQueue(loadConfig({ ...sftp, DATABASE_URL: 'postgres://db/refity' }), backend, metadata, 'worker', logger);
    expect(warnings).toEqual([expect.stringContaining('SFTP_SYNC_UPLOAD=true')]);
  });
});

describe('WriteBehindStorage observer (admin API, CLI)', () => {
  let dir: string;
  let metadata: MetadataStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'refity-write-behind-'));
    metadata = new MetadataStore(await openMetadataDatabase({ type: 'sqlite', path: join(dir, 'meta.sqlite') }));
  });

  afterEach(async () => {
    await metadata.dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads files still queued by the worker, and a folder delete keeps them from reaching the backend', async () => {
    const backend = new LocalStorageDriver(join(dir, 'backend'));
    const worker = new WriteBehindStorage(backend, metadata, { queueDir: join(dir, 'queue'), concurrency: 1 });
    const observer = new WriteBehindStorage(backend, metadata, { queueDir: join(dir, 'queue'), concurrency: 1, role: 'observer' });
    await worker.writeFile('registry/team/app/blobs/b1', Buffer.from('queued'));
    await worker.writeFile('registry/team/keep/blobs/b2', Buffer.from('kept'));
    expect((await observer.readFile('registry/team/app/blobs/b1')).toString()).toBe('queued');

    await observer.deleteFolder('registry/team/app');
    await worker.start();
    expect(await worker.drain(10_000)).toBe(true);
    expect(await backend.exists('registry/team/app/blobs/b1')).toBe(false);
    expect((await backend.readFile('registry/team/keep/blobs/b2')).toString()).toBe('kept');
    await worker.close();
  });
});
