import { mkdtemp, rm } from 'node:fs/promises';
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
