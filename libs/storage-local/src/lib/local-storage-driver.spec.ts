import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStorageDriverContract } from '@refity/testing';
import { LocalStorageDriver } from './local-storage-driver';

describeStorageDriverContract('local', async () => {
  const root = await mkdtemp(join(tmpdir(), 'refity-local-'));
  return {
    driver: new LocalStorageDriver(root),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe('LocalStorageDriver.adoptLocalFile', () => {
  let root: string;
  let driver: LocalStorageDriver;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'refity-local-adopt-'));
    driver = new LocalStorageDriver(join(root, 'storage'));
  });

  afterEach(() => rm(root, { recursive: true, force: true }));

  it('renames a local file into place (the same inode, no copy), replacing what was there', async () => {
    const local = join(root, 'buffer');
    await writeFile(local, 'adopted bytes');
    const inode = (await stat(local)).ino;
    await driver.writeFile('registry/team/app/blobs/x', Buffer.from('older'));
    expect(await driver.adoptLocalFile('registry/team/app/blobs/x', local)).toBe(true);
    expect((await driver.readFile('registry/team/app/blobs/x')).toString()).toBe('adopted bytes');
    expect((await stat(join(root, 'storage', 'registry', 'team', 'app', 'blobs', 'x'))).ino).toBe(inode);
    await expect(stat(local)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('declines a file on another file system and leaves it alone', async () => {
    // /dev/shm is a tmpfs on Debian; the storage root is on the disk under tmpdir().
    const shm = await mkdtemp('/dev/shm/refity-adopt-');
    try {
      expect((await stat(shm)).dev).not.toBe((await stat(root)).dev);
      const local = join(shm, 'buffer');
      await writeFile(local, 'elsewhere');
      expect(await driver.adoptLocalFile('registry/team/app/blobs/y', local)).toBe(false);
      expect(await readFile(local, 'utf8')).toBe('elsewhere');
      expect(await driver.exists('registry/team/app/blobs/y')).toBe(false);
    } finally {
      await rm(shm, { recursive: true, force: true });
    }
  });
});
