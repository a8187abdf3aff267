import { createHash, Hash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DigestAlgorithm } from '@refity/digest';
import { fsyncFile } from '@refity/storage-api';

/**
 * While a body streams in, its bytes are flushed to disk every this many bytes (in the
 * background), so the fsync that makes a finished upload durable has little left to write.
 */
const FLUSH_EVERY_BYTES = 32 * 1024 * 1024;

interface RunningHash {
  hash: Hash;
  /** Bytes of the buffer file already fed to `hash`. */
  offset: number;
}

/**
 * Upload sessions buffer their bytes in local files named by session id, so a session survives a
 * restart. While chunks arrive in order their sha256 is kept running in memory; after a restart
 * (or for another algorithm) the file is hashed again once at commit.
 *
 * With `durable` (asynchronous mode, where the finished buffer itself becomes the stored copy)
 * bytes are flushed to disk while they arrive and as soon as a body ends, so the fsync before
 * 201 has little or nothing left to do. Otherwise the buffer is only a staging copy and is never
 * forced to disk: it is usually removed before the kernel writes it back at all.
 */
export class UploadBuffer {
  private readonly running = new Map<string, RunningHash>();
  /** The flush started when a body ended; resolves true once it covered every byte of that body. */
  private readonly flushes = new Map<string, Promise<boolean>>();

  constructor(
    private readonly dir: string,
    private readonly durable: boolean,
  ) {}

  pathOf(id: string): string {
    return join(this.dir, id);
  }

  async create(id: string): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    await fs.writeFile(this.pathOf(id), Buffer.alloc(0), { flag: 'wx' });
    this.running.set(id, { hash: createHash('sha256'), offset: 0 });
  }

  async size(id: string): Promise<number> {
    return (await fs.stat(this.pathOf(id))).size;
  }

  /**
   * Appends a request body at `offset` (the committed size). A previously interrupted append is
   * cut off first, so a retried chunk never duplicates bytes. Returns the new size. `mirror`
   * sees every chunk too; a promise it returns holds the body back (backpressure).
   */
  async append(id: string, offset: number, body: Readable, maxBytes?: number, mirror?: (chunk: Buffer) => Promise<void> | undefined): Promise<number> {
    const path = this.pathOf(id);
    this.flushes.delete(id);
    await fs.truncate(path, offset);
    // A second descriptor, only to flush: fdatasync covers the file's data written through any.
    const flusher = this.durable ? await fs.open(path, 'r+') : undefined;
    let flushing: Promise<void> | undefined;
    try {
      let running = this.running.get(id);
      if (running && running.offset !== offset) {
        this.running.delete(id);
        running = undefined;
      }
      let written = 0;
      let unflushed = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          written += chunk.length;
          if (maxBytes !== undefined && written > maxBytes) {
            callback(new RangeError('chunk larger than its declared length'));
            return;
          }
          running?.hash.update(chunk);
          unflushed += chunk.length;
          if (flusher && unflushed >= FLUSH_EVERY_BYTES && !flushing) {
            unflushed = 0;
            flushing = flusher
              .datasync()
              .catch(() => undefined)
              .finally(() => (flushing = undefined));
          }
          const wait = mirror?.(chunk);
          if (wait) wait.then(() => callback(null, chunk));
          else callback(null, chunk);
        },
      });
      try {
        await pipeline(body, counter, createWriteStream(path, { flags: 'r+', start: offset, highWaterMark: 1024 * 1024 }));
      } catch (error) {
        // The running hash saw bytes that may not all be on disk: rehash at commit instead.
        this.running.delete(id);
        throw error;
      }
      if (running) running.offset = offset + written;
      if (flusher) {
        // Flushed in the background from now on: the commit that follows (PUT) then rarely waits for the disk.
        const flushed = (flushing ?? Promise.resolve()).then(() => flusher.datasync()).then(
          () => true,
          () => false,
        );
        this.flushes.set(id, flushed);
        void flushed.finally(() => flusher.close().catch(() => undefined));
      }
      return offset + written;
    } catch (error) {
      await flushing;
      await flusher?.close();
      throw error;
    }
  }

  /** The digest of the whole buffer, from the running hash when it is complete. */
  async digest(id: string, algorithm: DigestAlgorithm): Promise<string> {
    const size = await this.size(id);
    const running = this.running.get(id);
    if (algorithm === 'sha256' && running && running.offset === size) {
      // Copy, so that a failed commit can still be retried with more chunks.
      return `sha256:${running.hash.copy().digest('hex')}`;
    }
    const hash = createHash(algorithm);
    for await (const chunk of createReadStream(this.pathOf(id), { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
    return `${algorithm}:${hash.digest('hex')}`;
  }

  /** Flushes the buffer to disk, or waits for the flush its last body started. */
  async sync(id: string): Promise<void> {
    if (await this.flushes.get(id)) return;
    await fsyncFile(this.pathOf(id));
  }

  open(id: string): Readable {
    return createReadStream(this.pathOf(id), { highWaterMark: 1024 * 1024 });
  }

  async remove(id: string): Promise<void> {
    this.running.delete(id);
    this.flushes.delete(id);
    await fs.rm(this.pathOf(id), { force: true });
  }
}
