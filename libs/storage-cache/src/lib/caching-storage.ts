import { createHash, Hash, randomUUID } from 'node:crypto';
import { createWriteStream, promises as fs, WriteStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pipeline, Readable, Transform, TransformCallback } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Digest, digestOf, digestsEqual, isValidDigest, parseDigest } from '@refity/digest';
import { ByteRange, FileInfo, fsyncFile, isTemporaryName, splitStoragePath, StorageDriver, StorageWriter, temporaryNameFor, WriteOptions } from '@refity/storage-api';

export interface CachingStorageOptions {
  /** Local folder of the cache; nothing else should live in it. */
  dir: string;
  /** Upper bound of the cached bytes (least recently used copies are evicted first). */
  maxBytes: number;
  logger?: { log(message: string): void; warn(message: string): void };
}

/** Counters since start, and the cache's current size. */
export interface CacheStats {
  hits: number;
  misses: number;
  /** Bytes answered from the cache (the requested length of each hit). */
  hitBytes: number;
  /** Copies added, and their bytes. */
  fills: number;
  fillBytes: number;
  /** Backend reads whose bytes did not match their digest: never cached. */
  rejected: number;
  evictions: number;
  entries: number;
  bytes: number;
}

interface Entry {
  file: string;
  size: number;
}

/** A copy being made of one path; `cancelled` when the path changed meanwhile (it must not land). */
interface Fill {
  cancelled: boolean;
}

// Hits are plain file reads. Bigger chunks than 1 MiB save no CPU: each one is a fresh
// off-heap buffer, and many large ones alive at once make V8 run full GCs more often.
const HIT_CHUNK_BYTES = 1024 * 1024;
const TEE_CHUNK_BYTES = 1024 * 1024;

/**
 * The digest a path is addressed by, when its content can never change: `.../blobs/<digest>`
 * and `.../manifests/<digest>` (tag files, `.../manifests/<tag>`, are mutable and never cached).
 */
export function contentDigestOf(path: string): Digest | undefined {
  const segments = splitStoragePath(path);
  const name = segments[segments.length - 1];
  const parent = segments[segments.length - 2];
  if ((parent !== 'blobs' && parent !== 'manifests') || !isValidDigest(name)) return undefined;
  return parseDigest(name);
}

/**
 * Passes a backend stream through to the reader while hashing it into a temporary file; gives up
 * the copy (never the read) when the file fails or grows past `limit`. The reader's pace follows
 * the disk's, so no more than a chunk or two is ever held in memory.
 */
class TeeToFile extends Transform {
  private file?: WriteStream;
  private readonly hash: Hash;
  private bytes = 0;
  private waiting?: TransformCallback;

  constructor(
    file: WriteStream,
    algorithm: string,
    private readonly limit: number,
    private readonly done: (result: { file: WriteStream; digest: string; size: number } | { file: WriteStream; failed: true }) => void,
  ) {
    super({ highWaterMark: TEE_CHUNK_BYTES });
    this.file = file;
    this.hash = createHash(algorithm);
    file.on('drain', () => this.release());
    file.on('error', () => this.giveUp());
  }

  private release(): void {
    const callback = this.waiting;
    this.waiting = undefined;
    callback?.();
  }

  private giveUp(): void {
    const file = this.file;
    if (!file) return;
    this.file = undefined;
    file.destroy();
    this.release();
    this.done({ file, failed: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.file) {
      this.bytes += chunk.length;
      if (this.bytes > this.limit) {
        this.giveUp();
      } else {
        this.hash.update(chunk);
        if (!this.file.write(chunk)) {
          this.push(chunk);
          this.waiting = callback;
          return;
        }
      }
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const file = this.file;
    if (file) {
      this.file = undefined;
      file.end();
      this.done({ file, digest: `${this.hash.digest('hex')}`, size: this.bytes });
    }
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // The reader went away or the backend failed: an incomplete copy never lands.
    this.giveUp();
    callback(error);
  }
}

/**
 * A size-bounded local read cache in front of a storage driver (a decorator, as in CNCF
 * distribution). Only content-addressed paths are cached, so a cached copy is always the right
 * content; a copy enters the cache only when its bytes match the digest of its name.
 *
 * - A miss streams from the backend to the reader and, unless another fill of the path runs or the
 *   read is ranged, into a temporary file renamed into place once complete and verified.
 * - A hit is a plain local file read (ranges too); the backend is not asked at all, so pulls of
 *   cached images work while the backend is down.
 * - The least recently used copies are evicted to stay within `maxBytes`; unlinking never breaks a
 *   reader that already has the file open. Copies being filled come on top of the bound.
 * - Deletes, moves and writes through the cache drop its copy of the paths they change.
 */
export class CachingStorage implements StorageDriver {
  readonly name: string;
  /** Cached copies by storage path, least recently used first (Map keeps insertion order). */
  private readonly index = new Map<string, Entry>();
  private readonly fills = new Map<string, Fill>();
  private readonly inFlight = new Set<Promise<void>>();
  private bytes = 0;
  private readonly counters = { hits: 0, misses: 0, hitBytes: 0, fills: 0, fillBytes: 0, rejected: 0, evictions: 0 };

  constructor(
    private readonly backend: StorageDriver,
    private readonly options: CachingStorageOptions,
  ) {
    this.name = `${backend.name}+cache`;
  }

  /**
   * Rebuilds the index from the cache folder (oldest copies first in line for eviction) and
   * removes temporary files a previous run left.
   */
  async start(): Promise<void> {
    await fs.mkdir(this.options.dir, { recursive: true });
    const found: { path: string; entry: Entry; mtimeMs: number }[] = [];
    let temporaries = 0;
    const walk = async (segments: string[]): Promise<void> => {
      for (const dirent of await fs.readdir(join(this.options.dir, ...segments), { withFileTypes: true })) {
        const path = [...segments, dirent.name];
        const file = join(this.options.dir, ...path);
        if (dirent.isDirectory()) {
          await walk(path);
        } else if (isTemporaryName(dirent.name)) {
          await fs.rm(file, { force: true });
          temporaries++;
        } else if (dirent.isFile() && this.cacheable(path.join('/'))) {
          const info = await fs.stat(file);
          found.push({ path: path.join('/'), entry: { file, size: info.size }, mtimeMs: info.mtimeMs });
        }
      }
    };
    await walk([]);
    found.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const { path, entry } of found) {
      this.index.set(path, entry);
      this.bytes += entry.size;
    }
    this.evict(0);
    this.options.logger?.log(
      `read cache in ${this.options.dir}: ${this.index.size} cached file(s), ${this.bytes} of ${this.options.maxBytes} bytes` +
        (temporaries > 0 ? `, ${temporaries} unfinished copy(ies) removed` : ''),
    );
  }

  stats(): CacheStats {
    return { ...this.counters, entries: this.index.size, bytes: this.bytes };
  }

  /** Resolves once every copy being written has landed or been dropped (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private cacheable(path: string): Digest | undefined {
    try {
      return contentDigestOf(path);
    } catch {
      return undefined;
    }
  }

  private fileOf(path: string): string {
    return join(this.options.dir, ...splitStoragePath(path));
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: Error) => this.options.logger?.warn(`read cache: ${error.message}`)).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Drops the entry if it is still the current one (its file vanished or cannot be read). */
  private forget(path: string, entry: Entry): void {
    if (this.index.get(path) !== entry) return;
    this.index.delete(path);
    this.bytes -= entry.size;
  }

  /** Evicts least recently used copies until `incoming` more bytes fit. */
  private evict(incoming: number): void {
    for (const [path, entry] of this.index) {
      if (this.bytes + incoming <= this.options.maxBytes) return;
      this.forget(path, entry);
      this.counters.evictions++;
      void fs.rm(entry.file, { force: true }).catch(() => undefined);
    }
  }

  /** Marks `path` as most recently used and returns its entry. */
  private lookup(path: string): Entry | undefined {
    const entry = this.index.get(path);
    if (!entry) return undefined;
    this.index.delete(path);
    this.index.set(path, entry);
    return entry;
  }

  /** Starts a fill of `path` unless one runs; the backend must be read only after this. */
  private beginFill(path: string): Fill | undefined {
    if (this.fills.has(path)) return undefined;
    const fill: Fill = { cancelled: false };
    this.fills.set(path, fill);
    return fill;
  }

  private endFill(path: string, fill: Fill): void {
    if (this.fills.get(path) === fill) this.fills.delete(path);
  }

  /** Renames a complete, verified temporary file into place and indexes it. */
  private async install(path: string, fill: Fill, temporary: string, size: number): Promise<void> {
    const file = this.fileOf(path);
    try {
      await fsyncFile(temporary);
      if (fill.cancelled) return;
      await fs.rename(temporary, file);
      if (fill.cancelled) {
        await fs.rm(file, { force: true });
        return;
      }
      const previous = this.index.get(path);
      if (previous) this.forget(path, previous);
      this.evict(size);
      this.index.set(path, { file, size });
      this.bytes += size;
      this.counters.fills++;
      this.counters.fillBytes += size;
    } finally {
      await fs.rm(temporary, { force: true });
      this.endFill(path, fill);
    }
  }

  /** Drops the cached copies of `path` (or everything below it) and cancels their fills. */
  private async invalidate(path: string, folder = false): Promise<void> {
    const matches = (key: string) => (folder ? key.startsWith(`${path}/`) : key === path);
    for (const [key, fill] of this.fills) if (matches(key)) fill.cancelled = true;
    const removed: Entry[] = [];
    for (const [key, entry] of this.index) {
      if (!matches(key)) continue;
      this.forget(key, entry);
      removed.push(entry);
    }
    await Promise.all(removed.map((entry) => fs.rm(entry.file, { force: true })));
  }

  // StorageDriver

  async createReadStream(path: string, range?: ByteRange): Promise<Readable> {
    const digest = this.cacheable(path);
    if (!digest) return this.backend.createReadStream(path, range);
    const entry = this.lookup(path);
    if (entry) {
      try {
        const handle = await fs.open(entry.file, 'r');
        this.counters.hits++;
        const last = Math.min(range?.end ?? entry.size - 1, entry.size - 1);
        this.counters.hitBytes += Math.max(last - (range?.start ?? 0) + 1, 0);
        // The handle closes itself when the stream ends or is destroyed.
        return handle.createReadStream({ start: range?.start, end: range?.end, highWaterMark: HIT_CHUNK_BYTES });
      } catch {
        // Evicted or removed meanwhile: a miss.
        this.forget(path, entry);
      }
    }
    this.counters.misses++;
    const fill = range ? undefined : this.beginFill(path);
    if (!fill) return this.backend.createReadStream(path, range);
    let source: Readable;
    try {
      source = await this.backend.createReadStream(path);
    } catch (error) {
      this.endFill(path, fill);
      throw error;
    }
    return this.tee(path, digest, fill, source);
  }

  private async tee(path: string, digest: Digest, fill: Fill, source: Readable): Promise<Readable> {
    const file = this.fileOf(path);
    const temporary = join(dirname(file), temporaryNameFor(digest.value, randomUUID()));
    let output: WriteStream;
    try {
      await fs.mkdir(dirname(file), { recursive: true });
      output = createWriteStream(temporary, { flags: 'wx', highWaterMark: TEE_CHUNK_BYTES });
    } catch (error) {
      this.endFill(path, fill);
      this.options.logger?.warn(`read cache: cannot cache ${path}: ${(error as Error).message}`);
      return source;
    }
    const tee = new TeeToFile(output, digest.algorithm, this.options.maxBytes, (result) => {
      const work = (async () => {
        const written = await finished(result.file).then(
          () => true,
          () => false,
        );
        if ('failed' in result || !written) {
          await fs.rm(temporary, { force: true });
          this.endFill(path, fill);
          return;
        }
        if (!digestsEqual(`${digest.algorithm}:${result.digest}`, digest.value)) {
          this.counters.rejected++;
          this.options.logger?.warn(`read cache: ${path} read from ${this.backend.name} does not match its digest; not cached`);
          await fs.rm(temporary, { force: true });
          this.endFill(path, fill);
          return;
        }
        await this.install(path, fill, temporary, result.size);
      })();
      this.track(work);
    });
    // Errors reach the reader through the tee; the callback only has to exist.
    pipeline(source, tee, () => undefined);
    return tee;
  }

  async readFile(path: string): Promise<Buffer> {
    const digest = this.cacheable(path);
    if (!digest) return this.backend.readFile(path);
    const entry = this.lookup(path);
    if (entry) {
      try {
        const data = await fs.readFile(entry.file);
        this.counters.hits++;
        this.counters.hitBytes += data.length;
        return data;
      } catch {
        this.forget(path, entry);
      }
    }
    this.counters.misses++;
    const fill = this.beginFill(path);
    if (!fill) return this.backend.readFile(path);
    let data: Buffer;
    try {
      data = await this.backend.readFile(path);
    } catch (error) {
      this.endFill(path, fill);
      throw error;
    }
    if (data.length > this.options.maxBytes) {
      this.endFill(path, fill);
    } else if (!digestsEqual(digestOf(data, digest.algorithm), digest.value)) {
      this.counters.rejected++;
      this.options.logger?.warn(`read cache: ${path} read from ${this.backend.name} does not match its digest; not cached`);
      this.endFill(path, fill);
    } else {
      this.track(this.store(path, digest, fill, data));
    }
    return data;
  }

  private async store(path: string, digest: Digest, fill: Fill, data: Buffer): Promise<void> {
    const file = this.fileOf(path);
    const temporary = join(dirname(file), temporaryNameFor(digest.value, randomUUID()));
    try {
      await fs.mkdir(dirname(file), { recursive: true });
      await fs.writeFile(temporary, data, { flag: 'wx' });
    } catch (error) {
      await fs.rm(temporary, { force: true });
      this.endFill(path, fill);
      throw error;
    }
    await this.install(path, fill, temporary, data.length);
  }

  /**
   * Write-through: keeps a hard link to a local file the upload queue just put on the backend
   * (its digest was verified when it was pushed), so a pull right after a push reads local disk.
   * Skipped when the file does not fit or lives on another file system; never copies.
   */
  async admitLocalCopy(path: string, localFile: string): Promise<void> {
    if (!this.cacheable(path) || this.index.has(path)) return;
    const fill = this.beginFill(path);
    if (!fill) return;
    const file = this.fileOf(path);
    const temporary = join(dirname(file), temporaryNameFor(basename(file), randomUUID()));
    try {
      const { size } = await fs.stat(localFile);
      if (size > this.options.maxBytes) return;
      await fs.mkdir(dirname(file), { recursive: true });
      await fs.link(localFile, temporary);
      // Usually durable already (the queue fsyncs what it accepts); a cached copy must never be torn.
      await fsyncFile(temporary);
      await fs.rename(temporary, file);
      if (fill.cancelled) {
        await fs.rm(file, { force: true });
        return;
      }
      this.evict(size);
      this.index.set(path, { file, size });
      this.bytes += size;
      this.counters.fills++;
      this.counters.fillBytes += size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') this.options.logger?.warn(`read cache: cannot keep ${path}: ${(error as Error).message}`);
    } finally {
      await fs.rm(temporary, { force: true });
      this.endFill(path, fill);
    }
  }

  stat(path: string): Promise<FileInfo> {
    return this.backend.stat(path);
  }

  exists(path: string): Promise<boolean> {
    return this.backend.exists(path);
  }

  async createWriter(path: string, options?: WriteOptions): Promise<StorageWriter> {
    const writer = await this.backend.createWriter(path, options);
    if (!this.cacheable(path)) return writer;
    return {
      stream: writer.stream,
      commit: async () => {
        await writer.commit();
        await this.invalidate(path);
      },
      abort: (reason?: unknown) => writer.abort(reason),
    };
  }

  async writeFile(path: string, data: Buffer, options?: WriteOptions): Promise<void> {
    await this.backend.writeFile(path, data, options);
    if (this.cacheable(path)) await this.invalidate(path);
  }

  list(path: string): Promise<string[]> {
    return this.backend.list(path);
  }

  // The backend changes first, then the copies go: a fill that raced the change is cancelled.
  async delete(path: string): Promise<void> {
    try {
      await this.backend.delete(path);
    } finally {
      await this.invalidate(path);
    }
  }

  async deleteFolder(path: string): Promise<void> {
    try {
      await this.backend.deleteFolder(path);
    } finally {
      await this.invalidate(path, true);
      await fs.rm(this.fileOf(path), { recursive: true, force: true });
    }
  }

  async move(from: string, to: string): Promise<void> {
    try {
      await this.backend.move(from, to);
    } finally {
      await this.invalidate(from);
      await this.invalidate(to);
    }
  }

  async linkOrCopy(from: string, to: string): Promise<void> {
    try {
      await this.backend.linkOrCopy(from, to);
    } finally {
      await this.invalidate(to);
    }
  }

  /** The backend's leftovers: the cache keeps its own files in its folder, not under storage paths. */
  removeStaleTemporaries(folder: string, olderThan: Date, options?: { dryRun?: boolean }): Promise<string[]> {
    return this.backend.removeStaleTemporaries(folder, olderThan, options);
  }

  ping(): Promise<void> {
    return this.backend.ping();
  }

  async close(): Promise<void> {
    await this.settled();
    await this.backend.close();
  }
}
