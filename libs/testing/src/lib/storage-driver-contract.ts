import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isStorageError, StorageDriver, StorageErrorCode } from '@refity/storage-api';

export interface DriverUnderTest {
  driver: StorageDriver;
  /** Removes everything the driver wrote; called after the suite. */
  cleanup(): Promise<void>;
}

export interface ContractOptions {
  /** Size of the large-stream test; at least 256 MiB unless the caller says otherwise. */
  largeStreamBytes?: number;
}

const MiB = 1024 * 1024;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function expectStorageError(promise: Promise<unknown>, code: StorageErrorCode): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  if (!isStorageError(caught, code)) {
    throw new Error(`expected a StorageError ${code}, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`);
  }
}

/** A deterministic pseudo-random byte source of `total` bytes, produced in 1 MiB chunks. */
function generatedStream(total: number, seed: string): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  let produced = 0;
  let block = createHash('sha512').update(seed).digest();
  const stream = new Readable({
    read() {
      if (produced >= total) {
        this.push(null);
        return;
      }
      const size = Math.min(MiB, total - produced);
      const chunk = Buffer.allocUnsafe(size);
      for (let offset = 0; offset < size; offset += block.length) {
        block.copy(chunk, offset, 0, Math.min(block.length, size - offset));
      }
      // Vary every chunk so that offsets matter.
      chunk.writeUInt32BE(produced / MiB, 0);
      block = createHash('sha512').update(block).digest();
      hash.update(chunk);
      produced += size;
      this.push(chunk);
    },
  });
  return { stream, digest: () => `sha256:${hash.digest('hex')}` };
}

/**
 * The storage-driver contract, after CNCF distribution's testsuites.Driver: every driver runs
 * this same suite unchanged. `factory` gives a fresh, empty driver.
 */
export function describeStorageDriverContract(
  name: string,
  factory: () => Promise<DriverUnderTest>,
  options: ContractOptions = {},
): void {
  const largeBytes = options.largeStreamBytes ?? 256 * MiB;

  describe(`storage driver contract: ${name}`, () => {
    let subject: DriverUnderTest;
    let driver: StorageDriver;

    beforeAll(async () => {
      subject = await factory();
      driver = subject.driver;
    });

    afterAll(async () => {
      await subject?.cleanup();
    });

    it('writes, stats, reads and deletes a file', async () => {
      const data = randomBytes(100_000);
      await driver.writeFile('basic/file.bin', data);
      expect(await driver.exists('basic/file.bin')).toBe(true);
      const info = await driver.stat('basic/file.bin');
      expect(info.size).toBe(data.length);
      expect(info.isDirectory).toBe(false);
      expect(info.modifiedAt.getTime()).toBeGreaterThan(Date.now() - 10 * 60_000);
      expect((await readAll(await driver.createReadStream('basic/file.bin'))).equals(data)).toBe(true);
      expect((await driver.readFile('basic/file.bin')).equals(data)).toBe(true);
      await driver.delete('basic/file.bin');
      expect(await driver.exists('basic/file.bin')).toBe(false);
    });

    it('writes an empty file', async () => {
      await driver.writeFile('empty/zero', Buffer.alloc(0));
      expect((await driver.stat('empty/zero')).size).toBe(0);
      expect((await driver.readFile('empty/zero')).length).toBe(0);
    });

    it('reports a missing file as NotFound for stat, read, delete', async () => {
      expect(await driver.exists('missing/nothing')).toBe(false);
      await expectStorageError(driver.stat('missing/nothing'), 'NotFound');
      await expectStorageError(driver.createReadStream('missing/nothing'), 'NotFound');
      await expectStorageError(driver.readFile('missing/nothing'), 'NotFound');
      await expectStorageError(driver.delete('missing/nothing'), 'NotFound');
      await expectStorageError(driver.deleteFolder('missing/folder'), 'NotFound');
    });

    it('lists a missing folder as NotFound', async () => {
      await expectStorageError(driver.list('no/such/folder'), 'NotFound');
    });

    it('rejects paths that escape the root or are malformed', async () => {
      for (const bad of ['../etc/passwd', '/abs', 'a//b', 'a/./b', 'trailing/', '']) {
        await expectStorageError(driver.writeFile(bad, Buffer.from('x')), 'InvalidPath');
        await expectStorageError(driver.stat(bad), 'InvalidPath');
      }
    });

    it(`streams ${Math.round(largeBytes / MiB)} MiB in and out with matching sha256`, async () => {
      const source = generatedStream(largeBytes, name);
      const writer = await driver.createWriter('large/blob');
      await pipeline(source.stream, writer.stream);
      await writer.commit();
      const expected = source.digest();
      expect((await driver.stat('large/blob')).size).toBe(largeBytes);
      const hash = createHash('sha256');
      let read = 0;
      for await (const chunk of await driver.createReadStream('large/blob')) {
        hash.update(chunk as Buffer);
        read += (chunk as Buffer).length;
      }
      expect(read).toBe(largeBytes);
      expect(`sha256:${hash.digest('hex')}`).toBe(expected);
      await driver.delete('large/blob');
    }, 300_000);

    it('reads byte ranges', async () => {
      const data = randomBytes(300_000);
      await driver.writeFile('range/file', data);
      const slice = async (start: number, end?: number) =>
        readAll(await driver.createReadStream('range/file', { start, end }));
      expect((await slice(0, 0)).equals(data.subarray(0, 1))).toBe(true);
      expect((await slice(10, 99)).equals(data.subarray(10, 100))).toBe(true);
      expect((await slice(200_000)).equals(data.subarray(200_000))).toBe(true);
      expect((await slice(299_999, 299_999)).equals(data.subarray(299_999))).toBe(true);
      expect((await slice(65_000, 250_000)).equals(data.subarray(65_000, 250_001))).toBe(true);
    });

    it('runs concurrent writers to different paths', async () => {
      const payloads = Array.from({ length: 12 }, (_, i) => randomBytes(64 * 1024 + i * 4099));
      await Promise.all(payloads.map((data, i) => driver.writeFile(`concurrent/w${i}`, data)));
      const names = await driver.list('concurrent');
      expect(names).toEqual(payloads.map((_, i) => `w${i}`).sort());
      for (const [i, data] of payloads.entries()) {
        expect((await driver.readFile(`concurrent/w${i}`)).equals(data)).toBe(true);
      }
    });

    it('lets a reader see the old or the new file, never a partial one, while a writer replaces it', async () => {
      const oldData = Buffer.alloc(2 * MiB, 'o');
      const newData = Buffer.alloc(3 * MiB, 'n');
      await driver.writeFile('swap/file', oldData);
      const writer = await driver.createWriter('swap/file');
      const seen = new Set<string>();
      let writing = true;
      const reader = (async () => {
        while (writing) {
          const content = await driver.readFile('swap/file');
          if (content.equals(oldData)) seen.add('old');
          else if (content.equals(newData)) seen.add('new');
          else seen.add(`partial:${content.length}`);
        }
      })();
      for (let offset = 0; offset < newData.length; offset += 256 * 1024) {
        const chunk = newData.subarray(offset, offset + 256 * 1024);
        if (!writer.stream.write(chunk)) await new Promise((resolve) => writer.stream.once('drain', resolve));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await writer.commit();
      writing = false;
      await reader;
      expect([...seen].filter((s) => s.startsWith('partial'))).toEqual([]);
      expect(seen.has('old')).toBe(true);
      expect((await driver.readFile('swap/file')).equals(newData)).toBe(true);
    });

    it('handles deep paths and dotted names', async () => {
      const path = 'registry/team/sub/deeper/app/manifests/1.0.0-rc.1';
      await driver.writeFile(path, Buffer.from('{"tag":true}'));
      expect((await driver.readFile(path)).toString()).toBe('{"tag":true}');
      expect(await driver.list('registry/team/sub/deeper/app/manifests')).toEqual(['1.0.0-rc.1']);
      await driver.writeFile('dots/1.0.0', Buffer.from('a'));
      await driver.writeFile('dots/1.0', Buffer.from('b'));
      expect(await driver.list('dots')).toEqual(['1.0', '1.0.0']);
    });

    it('lists files and folders of a folder', async () => {
      await driver.writeFile('listing/a', Buffer.from('a'));
      await driver.writeFile('listing/sub/b', Buffer.from('b'));
      expect(await driver.list('listing')).toEqual(['a', 'sub']);
      expect((await driver.stat('listing/sub')).isDirectory).toBe(true);
    });

    it('deletes a non-empty folder recursively', async () => {
      await driver.writeFile('tree/a/b/c/file1', Buffer.from('1'));
      await driver.writeFile('tree/a/file2', Buffer.from('2'));
      await driver.writeFile('tree/keep', Buffer.from('k'));
      await driver.deleteFolder('tree/a');
      expect(await driver.exists('tree/a')).toBe(false);
      expect(await driver.list('tree')).toEqual(['keep']);
    });

    it('leaves nothing behind when a write is aborted', async () => {
      await driver.writeFile('aborted/existing', Buffer.from('keep me'));
      const writer = await driver.createWriter('aborted/target');
      writer.stream.write(randomBytes(512 * 1024));
      await writer.abort(new Error('client went away'));
      expect(await driver.exists('aborted/target')).toBe(false);
      expect(await driver.list('aborted')).toEqual(['existing']);
      // (A driver that defers writes, like the upload queue, may still be copying `existing`.)
      const leftovers = await driver.removeStaleTemporaries('aborted', new Date(Date.now() + 5_000));
      expect(leftovers.filter((path) => path.endsWith('-target'))).toEqual([]);
      await expectStorageError(writer.commit(), 'Aborted');
    });

    it('removes the temporary file of a write that never finished once it is stale, and nothing else', async () => {
      await driver.writeFile('stale/kept', Buffer.from('committed'));
      // Neither committed nor aborted, as after a crash or a lost connection.
      const unfinished = await driver.createWriter('stale/target');
      await new Promise<void>((resolve, reject) => unfinished.stream.write(randomBytes(64 * 1024), (error) => (error ? reject(error) : resolve())));
      expect(await driver.removeStaleTemporaries('stale', new Date(Date.now() - 60_000))).toEqual([]);
      // Only the unfinished write's file counts here: a driver that defers writes (the upload
      // queue) may still be copying `kept`, and that copy is simply retried.
      const ofTarget = (paths: string[]) => paths.filter((path) => path.endsWith('-target'));
      // A dry run lists what it would remove and keeps it.
      const wouldRemove = ofTarget(await driver.removeStaleTemporaries('stale', new Date(Date.now() + 5_000), { dryRun: true }));
      expect(wouldRemove).toHaveLength(1);
      expect(ofTarget(await driver.removeStaleTemporaries('stale', new Date(Date.now() + 5_000), { dryRun: true }))).toEqual(wouldRemove);
      const removed = ofTarget(await driver.removeStaleTemporaries('stale', new Date(Date.now() + 5_000)));
      expect(removed).toEqual(wouldRemove);
      expect(removed[0]).toMatch(/^stale\/\.tmp-[^/]+-target$/);
      expect(ofTarget(await driver.removeStaleTemporaries('stale', new Date(Date.now() + 5_000)))).toEqual([]);
      expect(await driver.list('stale')).toEqual(['kept']);
      expect((await driver.readFile('stale/kept')).toString()).toBe('committed');
      expect(await driver.removeStaleTemporaries('no-such-folder', new Date(Date.now() + 5_000))).toEqual([]);
      await unfinished.abort();
      expect(await driver.exists('stale/target')).toBe(false);
    });

    it('keeps the old file when a replacing write is aborted', async () => {
      await driver.writeFile('aborted2/file', Buffer.from('old'));
      const writer = await driver.createWriter('aborted2/file');
      writer.stream.write(Buffer.from('new new new'));
      await writer.abort();
      expect((await driver.readFile('aborted2/file')).toString()).toBe('old');
      expect(await driver.list('aborted2')).toEqual(['file']);
    });

    it('leaves nothing behind when the source stream fails mid-way', async () => {
      const writer = await driver.createWriter('failing/target');
      const source = new Readable({
        read() {
          this.push(randomBytes(64 * 1024));
          this.destroy(new Error('source failed'));
        },
      });
      await expect(pipeline(source, writer.stream)).rejects.toThrow();
      await writer.abort();
      expect(await driver.exists('failing/target')).toBe(false);
      const remaining = await driver.list('failing').catch(() => []);
      expect(remaining).toEqual([]);
    });

    it('refuses an exclusive write over an existing file', async () => {
      await driver.writeFile('exclusive/file', Buffer.from('first'));
      await expectStorageError(driver.writeFile('exclusive/file', Buffer.from('second'), { exclusive: true }), 'AlreadyExists');
      expect((await driver.readFile('exclusive/file')).toString()).toBe('first');
      expect(await driver.list('exclusive')).toEqual(['file']);
    });

    it('moves a file, replacing the destination', async () => {
      await driver.writeFile('move/src', Buffer.from('moved'));
      await driver.writeFile('move/dest/existing', Buffer.from('old'));
      await driver.move('move/src', 'move/dest/existing');
      expect(await driver.exists('move/src')).toBe(false);
      expect((await driver.readFile('move/dest/existing')).toString()).toBe('moved');
      await driver.move('move/dest/existing', 'move/new/folder/file');
      expect((await driver.readFile('move/new/folder/file')).toString()).toBe('moved');
      await expectStorageError(driver.move('move/absent', 'move/x'), 'NotFound');
    });

    it('links or copies a file that survives deleting the source', async () => {
      const data = randomBytes(200_000);
      await driver.writeFile('link/repo-a/blob', data);
      await driver.linkOrCopy('link/repo-a/blob', 'link/repo-b/blobs/blob');
      await driver.delete('link/repo-a/blob');
      expect((await driver.readFile('link/repo-b/blobs/blob')).equals(data)).toBe(true);
      await driver.writeFile('link/repo-c/blob', Buffer.from('replaced'));
      await driver.linkOrCopy('link/repo-b/blobs/blob', 'link/repo-c/blob');
      expect((await driver.readFile('link/repo-c/blob')).equals(data)).toBe(true);
      await expectStorageError(driver.linkOrCopy('link/absent', 'link/x'), 'NotFound');
    });

    it('answers ping', async () => {
      await expect(driver.ping()).resolves.toBeUndefined();
    });
  });
}
