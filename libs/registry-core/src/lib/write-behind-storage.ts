import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { basename, join } from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { RefityConfig } from '@refity/config';
import { MetadataStore, UploadJobEntity, WriteTransaction } from '@refity/metadata';
import {
  AbortedError,
  AlreadyExistsError,
  ByteRange,
  FileInfo,
  fsyncFile,
  fsyncFolder,
  isStorageError,
  makeFolderDurably,
  parentOf,
  splitStoragePath,
  StorageDriver,
  StorageWriter,
  temporaryNameFor,
  WriteOptions,
} from '@refity/storage-api';

export interface WriteBehindOptions {
  /** Local folder holding files until they are on the backend (on the same disk as DATA_DIR). */
  queueDir: string;
  /** Uploads running at once. */
  concurrency: number;
  /** Longest wait between retries of a failing upload. */
  maxBackoffMs?: number;
  /**
   * While clients stream uploads in, background uploads pause (they compete for the same CPU);
   * each job pauses at most this long in total, so the queue always drains.
   */
  maxYieldMs?: number;
  /**
   * `worker` (the registry) uploads the queue; `observer` (admin API, CLI) only reads queued
   * files from the database and drops queued writes of paths it deletes.
   */
  role?: 'worker' | 'observer';
  logger?: { log(message: string): void; warn(message: string): void; error(message: string): void };
}

export interface UploadJobView {
  id: number;
  path: string;
  size: number;
  bytesDone: number;
  attempts: number;
  lastError: string | null;
  running: boolean;
  createdAt: Date;
}

interface PendingJob {
  entity: UploadJobEntity;
  running: boolean;
  bytesDone: number;
  nextAttemptAt: number;
  /** Set when the path was deleted or rewritten while this job ran: do not commit its result. */
  superseded: boolean;
  /** Time spent paused for client uploads (bounded by `maxYieldMs`). */
  yieldedMs: number;
  /** Settles when the running upload ends (however it ends). */
  done?: Promise<void>;
}

/** A complete local file to queue for upload to `path`; `synced` when it is fsynced already. */
interface QueuedFile {
  path: string;
  localFile: string;
  size: number;
  synced?: boolean;
}

/** Creates `file` (it must not exist) with `data`, on disk when this resolves. */
async function writeDurably(file: string, data: Buffer): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A queue file this old without a job row or a writer is what a crash mid-write left behind. */
const ORPHAN_AGE_MS = 60 * 60_000;

/** How long after the last client transfer background uploads stay paused (the rest of the push or pull follows). */
const TRANSFER_LINGER_MS = 250;

/**
 * Asynchronous upload mode: a storage driver that accepts writes into a durable local queue
 * (fsynced file + `upload_jobs` row) and copies them to the real backend (SFTP) in the
 * background with bounded concurrency, retry and exponential backoff. Until a file is on the
 * backend, reads are served from the local copy, so a pull right after a push never misses.
 * Jobs survive restarts; the newest write of a path wins; a path is never uploaded by two
 * workers at once, so writes land in order.
 */
export class WriteBehindStorage implements StorageDriver {
  readonly name: string;
  private readonly pending = new Map<string, PendingJob[]>();
  private running = 0;
  private started = false;
  private closed = false;
  private timer?: NodeJS.Timeout;
  private readonly maxBackoffMs: number;
  private readonly maxYieldMs: number;
  /** Client transfers (upload bodies, blob downloads) running now, and background uploads waiting for them to end. */
  private transfers = 0;
  /** A push or pull is a burst of requests: background uploads stay paused until this long after the last transfer. */
  private quietAt = 0;
  private readonly transferWaiters = new Set<() => void>();
  /** Queue files of writes not committed (nor aborted) yet, with the storage path each is for. */
  private readonly unfinished = new Map<string, string>();
  /** The queue folder, created once (not on every write). */
  private queueDirReady?: Promise<void>;

  constructor(
    private readonly backend: StorageDriver,
    private readonly metadata: MetadataStore,
    private readonly options: WriteBehindOptions,
  ) {
    this.name = `${backend.name}+write-behind`;
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.maxYieldMs = options.maxYieldMs ?? 30_000;
  }

  /**
   * Marks a client transfer (an upload body streaming in, a blob streaming out) until the
   * returned function is called. Background uploads yield meanwhile: on a small machine they
   * would take CPU from the client's push or pull, which someone is waiting for.
   */
  clientTransferStarted(): () => void {
    this.transfers++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      if (--this.transfers > 0) return;
      this.quietAt = Date.now() + TRANSFER_LINGER_MS;
      for (const wake of [...this.transferWaiters]) wake();
    };
  }

  private clientsTransferring(): boolean {
    return this.transfers > 0 || Date.now() < this.quietAt;
  }

  /** Waits while clients upload (and shortly after), up to the job's remaining share of `maxYieldMs`. */
  private async yieldToClients(job: PendingJob): Promise<void> {
    while (this.clientsTransferring() && job.yieldedMs < this.maxYieldMs && !this.closed) {
      const started = Date.now();
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.transferWaiters.delete(wake);
          resolve();
        };
        const left = this.maxYieldMs - job.yieldedMs;
        // While a transfer runs, its end wakes us; after it, the linger runs out by itself.
        const timer = setTimeout(wake, this.transfers > 0 ? left : Math.min(left, this.quietAt - Date.now() + 1));
        this.transferWaiters.add(wake);
      });
      job.yieldedMs += Date.now() - started;
    }
  }

  /** Creates the queue folder on first use; a failure is tried again next time. */
  private async ensureQueueDir(): Promise<void> {
    this.queueDirReady ??= makeFolderDurably(this.options.queueDir);
    await this.queueDirReady.catch((error: unknown) => {
      this.queueDirReady = undefined;
      throw error;
    });
  }

  /** A fresh file name in the queue folder. */
  private async newQueueFile(): Promise<string> {
    await this.ensureQueueDir();
    return join(this.options.queueDir, randomUUID());
  }

  /** Loads the jobs a previous run left and starts the workers. */
  async start(): Promise<void> {
    await this.ensureQueueDir();
    const jobs = await this.metadata.dataSource.getRepository(UploadJobEntity).find({ order: { id: 'ASC' } });
    await this.removeOrphans(new Set(jobs.map((job) => job.localFile)));
    const known = new Set([...this.pending.values()].flat().map((job) => job.entity.id));
    for (const entity of jobs) if (!known.has(entity.id)) this.track(entity);
    this.started = true;
    if (jobs.length > 0) this.options.logger?.log(`resuming ${jobs.length} queued upload(s) to ${this.backend.name}`);
    this.timer = setInterval(() => this.schedule(), 1000);
    this.timer.unref();
    this.schedule();
  }

  /**
   * Removes queue files a crash left between writing and committing (no job row refers to them).
   * Only old ones: another process sharing the queue (admin API, CLI) may be writing one now.
   */
  private async removeOrphans(queued: Set<string>): Promise<void> {
    const cutoff = Date.now() - ORPHAN_AGE_MS;
    let removed = 0;
    for (const name of await fs.readdir(this.options.queueDir)) {
      const file = join(this.options.queueDir, name);
      if (queued.has(file) || this.unfinished.has(file)) continue;
      const info = await fs.stat(file).catch(() => undefined);
      if (!info?.isFile() || info.mtimeMs >= cutoff) continue;
      await fs.rm(file, { force: true });
      removed++;
    }
    if (removed > 0) this.options.logger?.log(`removed ${removed} file(s) of unfinished writes from the upload queue`);
  }

  /** Queued uploads, oldest first, for the dashboard and metrics. */
  jobs(): UploadJobView[] {
    return [...this.pending.values()]
      .flat()
      .map((job) => ({
        id: job.entity.id,
        path: job.entity.path,
        size: job.entity.size,
        bytesDone: job.bytesDone,
        attempts: job.entity.attempts,
        lastError: job.entity.lastError,
        running: job.running,
        createdAt: job.entity.createdAt,
      }))
      .sort((a, b) => a.id - b.id);
  }

  /** Resolves once every queued upload has reached the backend (tests, graceful shutdown). */
  async drain(timeoutMs = 60_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0 && Date.now() < deadline) {
      this.schedule();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.pending.size === 0;
  }

  private jobRows() {
    return this.metadata.dataSource.getRepository(UploadJobEntity);
  }

  /** Observer side of `settle`: removes queued writes of `path` (or below it) from the shared queue. */
  private async dropQueuedRows(path: string, folder: boolean): Promise<boolean> {
    const rows = (await this.jobRows().find()).filter((row) => (folder ? row.path.startsWith(`${path}/`) : row.path === path));
    if (rows.length === 0) return false;
    await this.metadata.transaction((manager) => manager.delete(UploadJobEntity, rows.map((row) => row.id)));
    for (const row of rows) await fs.rm(row.localFile, { force: true });
    return true;
  }

  /** The newest write of `path` still waiting for the backend, if any. */
  private latest(path: string): PendingJob | undefined {
    const jobs = (this.pending.get(path) ?? []).filter((job) => !job.superseded);
    return jobs[jobs.length - 1];
  }

  private track(entity: UploadJobEntity): void {
    const job: PendingJob = { entity, running: false, bytesDone: 0, nextAttemptAt: 0, superseded: false, yieldedMs: 0 };
    const jobs = this.pending.get(entity.path) ?? [];
    jobs.push(job);
    this.pending.set(entity.path, jobs);
  }

  private async untrack(job: PendingJob): Promise<void> {
    const jobs = (this.pending.get(job.entity.path) ?? []).filter((other) => other !== job);
    if (jobs.length > 0) this.pending.set(job.entity.path, jobs);
    else this.pending.delete(job.entity.path);
    await this.metadata.statement((manager) => manager.delete(UploadJobEntity, { id: job.entity.id }));
    await fs.rm(job.entity.localFile, { force: true });
  }

  /**
   * Before the backend's copy of `path` is changed directly (delete, link, move): drops queued
   * writes of it and waits for a running one, which then does not commit. Returns whether any
   * write was queued.
   */
  private async settle(path: string): Promise<boolean> {
    const jobs = this.pending.get(path) ?? [];
    for (const job of jobs) {
      job.superseded = true;
      if (job.running) await job.done;
      else await this.untrack(job);
    }
    return jobs.length > 0;
  }

  private schedule(): void {
    if (!this.started || this.closed) return;
    for (const jobs of this.pending.values()) {
      if (this.running >= this.options.concurrency) return;
      // Only the oldest job of a path may run: later writes wait, so they land in order.
      const job = jobs[0];
      if (job.running || job.nextAttemptAt > Date.now()) continue;
      this.running++;
      job.running = true;
      job.done = this.upload(job).finally(() => {
        this.running--;
        job.running = false;
        this.schedule();
      });
    }
  }

  private async upload(job: PendingJob): Promise<void> {
    const { path, localFile } = job.entity;
    // An observer (admin API) deletes a path by dropping the job's row: nothing to upload then.
    const dropped = async () => !(await this.jobRows().exists({ where: { id: job.entity.id } }));
    if (await dropped()) {
      await this.untrack(job);
      return;
    }
    try {
      await this.yieldToClients(job);
      const writer = await this.backend.createWriter(path);
      try {
        const source = createReadStream(localFile, { highWaterMark: 1024 * 1024 });
        const pause = new Transform({
          transform: (chunk: Buffer, _encoding, callback) => {
            job.bytesDone += chunk.length;
            if (!this.clientsTransferring()) return callback(null, chunk);
            this.yieldToClients(job).then(() => callback(null, chunk), callback);
          },
        });
        await pipeline(source, pause, writer.stream);
        if (!job.superseded && (await dropped())) job.superseded = true;
        if (job.superseded) throw new AbortedError(path);
        await writer.commit();
      } catch (error) {
        await writer.abort(error);
        throw error;
      }
      // A read cache below may keep the local copy (a hard link): a pull right after a push reads local disk.
      await this.backend.admitLocalCopy?.(path, localFile);
      await this.untrack(job);
    } catch (error) {
      if (job.superseded) {
        await this.untrack(job);
        return;
      }
      job.bytesDone = 0;
      job.entity.attempts += 1;
      job.entity.lastError = (error as Error).message;
      job.nextAttemptAt = Date.now() + Math.min(1000 * 2 ** Math.min(job.entity.attempts - 1, 16), this.maxBackoffMs);
      this.options.logger?.warn(`upload of ${path} failed (attempt ${job.entity.attempts}), retrying: ${job.entity.lastError}`);
      await this.metadata
        .transaction((manager) => manager.update(UploadJobEntity, { id: job.entity.id }, { attempts: job.entity.attempts, lastError: job.entity.lastError }))
        .catch(() => undefined);
    }
  }

  /**
   * Queues local files (complete and closed) for upload to their paths: fsynced with their folder,
   * then their job rows commit in one transaction, together with `alongside`. If that throws,
   * nothing is queued.
   */
  private async enqueue<T>(files: QueuedFile[], alongside?: (manager: WriteTransaction) => Promise<T>): Promise<T | undefined> {
    // Their names too (the folder): no job row may outlive its file across a power cut.
    await Promise.all([...files.filter((file) => !file.synced).map((file) => fsyncFile(file.localFile)), fsyncFolder(this.options.queueDir)]);
    const { jobs, result } = await this.insertJobs(files, alongside);
    await this.trackInserted(jobs);
    return result;
  }

  private insertJobs<T>(files: QueuedFile[], alongside?: (manager: WriteTransaction) => Promise<T>): Promise<{ jobs: UploadJobEntity[]; result: T | undefined }> {
    return this.metadata.transaction(async (manager) => {
      const jobs = [];
      for (const { path, localFile, size } of files) {
        // insert rather than save: save reads the row back before and after writing it.
        const job = manager.create(UploadJobEntity, { path, localFile, size, bytesDone: 0, attempts: 0, lastError: null });
        const inserted = await manager.insert(UploadJobEntity, job);
        jobs.push(Object.assign(job, inserted.identifiers[0], inserted.generatedMaps[0]));
      }
      return { jobs, result: await alongside?.(manager) };
    });
  }

  private async trackInserted(jobs: UploadJobEntity[]): Promise<void> {
    // Older queued writes of the same paths are obsolete now that these are durable. Track every
    // new one first (before any await), so a reader always finds a copy of what was committed.
    const older = jobs.flatMap((entity) => {
      const jobsBefore = [...(this.pending.get(entity.path) ?? [])];
      this.track(entity);
      return jobsBefore;
    });
    for (const job of older) if (!job.running) await this.untrack(job);
    this.schedule();
  }

  /**
   * Writes small files as one unit (a manifest and its tag): each is written and fsynced into the
   * queue, and their job rows commit in one transaction with `alongside` (the metadata that lists
   * them) once the files are on disk. If anything fails, including `alongside`, nothing is queued
   * and the files are gone.
   */
  async writeFilesTogether<T>(files: Array<{ path: string; data: Buffer }>, alongside: (manager: WriteTransaction) => Promise<T>): Promise<T> {
    for (const { path } of files) splitStoragePath(path);
    const queued = await Promise.all(files.map(async ({ path, data }) => ({ path, localFile: await this.newQueueFile(), size: data.length })));
    for (const file of queued) this.unfinished.set(file.localFile, file.path);
    let inserted: { jobs: UploadJobEntity[]; result: T | undefined };
    const written = Promise.all(queued.map(({ localFile }, index) => writeDurably(localFile, files[index].data))).then(() => fsyncFolder(this.options.queueDir));
    written.catch(() => undefined); // awaited below; a failure before that must not count as unhandled
    try {
      // The transaction's statements run while the files are written; it commits only once they are on disk.
      inserted = await this.insertJobs(queued, async (manager) => {
        const result = await alongside(manager);
        await written;
        return result;
      });
    } catch (error) {
      await written.catch(() => undefined);
      await Promise.all(queued.map(({ localFile }) => fs.rm(localFile, { force: true })));
      throw error;
    } finally {
      for (const file of queued) this.unfinished.delete(file.localFile);
    }
    await this.trackInserted(inserted.jobs);
    return inserted.result as T;
  }

  /**
   * Takes over a complete local file (an upload buffer on the same disk) as the write of `path`:
   * a rename instead of a copy, so a pushed layer is written to local disk once. `alongside`
   * (e.g. recording the blob) commits together with the job row. `synced`: the caller fsynced
   * `file` already.
   */
  async adoptFile(path: string, file: string, size: number, alongside?: (manager: WriteTransaction) => Promise<void>, synced = false): Promise<void> {
    splitStoragePath(path);
    const localFile = await this.newQueueFile();
    let copied = false;
    try {
      await fs.rename(file, localFile);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      await fs.copyFile(file, localFile);
      copied = true;
    }
    await this.enqueue([{ path, localFile, size, synced: synced && !copied }], alongside);
  }

  // StorageDriver

  /**
   * Runs `read` on the local copy of the newest queued write of `path`. A copy can be removed
   * right after it was looked up (uploaded, or replaced by a newer write), so look again; only
   * when nothing is queued any more does the backend answer.
   */
  private async readLocal<T>(path: string, read: (localFile: string) => Promise<T>, fromBackend: () => Promise<T>): Promise<T> {
    if (this.options.role === 'observer') {
      const queued = await this.jobRows().findOne({ where: { path }, order: { id: 'DESC' } });
      if (queued) {
        try {
          return await read(queued.localFile);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      }
      return fromBackend();
    }
    for (let job = this.latest(path); job; job = this.latest(path)) {
      try {
        return await read(job.entity.localFile);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        if (this.latest(path) === job) break;
      }
    }
    return fromBackend();
  }

  async stat(path: string): Promise<FileInfo> {
    const prefix = `${path}/`;
    if ([...this.pending.keys()].some((key) => key.startsWith(prefix))) {
      return { path, size: 0, modifiedAt: new Date(), isDirectory: true };
    }
    return this.readLocal(
      path,
      async (localFile) => {
        const info = await fs.stat(localFile);
        return { path, size: info.size, modifiedAt: info.mtime, isDirectory: false };
      },
      () => this.backend.stat(path),
    );
  }

  async exists(path: string): Promise<boolean> {
    return this.latest(path) !== undefined || this.backend.exists(path);
  }

  async createReadStream(path: string, range?: ByteRange): Promise<Readable> {
    return this.readLocal(
      path,
      async (localFile) => {
        const handle = await fs.open(localFile, 'r');
        return handle.createReadStream({ start: range?.start, end: range?.end, highWaterMark: 1024 * 1024 });
      },
      () => this.backend.createReadStream(path, range),
    );
  }

  async readFile(path: string): Promise<Buffer> {
    return this.readLocal(path, (localFile) => fs.readFile(localFile), () => this.backend.readFile(path));
  }

  async createWriter(path: string, options: WriteOptions = {}): Promise<StorageWriter> {
    splitStoragePath(path);
    if (options.exclusive && (await this.exists(path))) throw new AlreadyExistsError(path);
    const localFile = await this.newQueueFile();
    const stream: Writable = createWriteStream(localFile, { flags: 'wx', highWaterMark: 1024 * 1024 });
    this.unfinished.set(localFile, path);
    let state: 'open' | 'committed' | 'aborted' = 'open';
    return {
      stream,
      commit: async () => {
        if (state === 'aborted') throw new AbortedError(path);
        if (state === 'committed') return;
        if (!stream.writableEnded) stream.end();
        await finished(stream);
        const size = (await fs.stat(localFile)).size;
        await this.enqueue([{ path, localFile, size }]);
        this.unfinished.delete(localFile);
        state = 'committed';
      },
      abort: async () => {
        if (state !== 'open') return;
        state = 'aborted';
        stream.destroy();
        await finished(stream).catch(() => undefined);
        await fs.rm(localFile, { force: true });
        this.unfinished.delete(localFile);
      },
    };
  }

  async writeFile(path: string, data: Buffer, options?: WriteOptions): Promise<void> {
    const writer = await this.createWriter(path, options);
    writer.stream.end(data);
    await writer.commit();
  }

  async list(path: string): Promise<string[]> {
    const prefix = `${path}/`;
    const queued = [...this.pending.keys()].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length).split('/')[0]);
    let stored: string[] = [];
    try {
      stored = await this.backend.list(path);
    } catch (error) {
      if (!isStorageError(error, 'NotFound') || queued.length === 0) throw error;
    }
    return [...new Set([...stored, ...queued])].sort();
  }

  async delete(path: string): Promise<void> {
    const wasQueued = this.options.role === 'observer' ? await this.dropQueuedRows(path, false) : await this.settle(path);
    try {
      await this.backend.delete(path);
    } catch (error) {
      if (!(wasQueued && isStorageError(error, 'NotFound'))) throw error;
    }
  }

  async deleteFolder(path: string): Promise<void> {
    let queued = this.options.role === 'observer' ? await this.dropQueuedRows(path, true) : false;
    for (const key of [...this.pending.keys()]) {
      if (key.startsWith(`${path}/`)) queued = (await this.settle(key)) || queued;
    }
    try {
      await this.backend.deleteFolder(path);
    } catch (error) {
      if (!(queued && isStorageError(error, 'NotFound'))) throw error;
    }
  }

  async move(from: string, to: string): Promise<void> {
    if (this.latest(from)) {
      await this.linkOrCopy(from, to);
      await this.delete(from);
      return;
    }
    await this.settle(to);
    await this.backend.move(from, to);
  }

  async linkOrCopy(from: string, to: string): Promise<void> {
    const job = this.latest(from);
    if (job) {
      const localFile = await this.newQueueFile();
      try {
        await fs.link(job.entity.localFile, localFile);
        await this.enqueue([{ path: to, localFile, size: job.entity.size }]);
        return;
      } catch (error) {
        // Uploaded and removed meanwhile: the backend has it now.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    await this.settle(to);
    await this.backend.linkOrCopy(from, to);
  }

  /**
   * The backend's leftovers, and the queue files of this process's writes to `folder` that were
   * neither committed nor aborted (reported under the temporary name such a write has on storage).
   */
  async removeStaleTemporaries(folder: string, olderThan: Date, options: { dryRun?: boolean } = {}): Promise<string[]> {
    const removed = await this.backend.removeStaleTemporaries(folder, olderThan, options);
    for (const [localFile, path] of [...this.unfinished]) {
      if (parentOf(path) !== folder) continue;
      const modifiedAt = await fs.stat(localFile).then((info) => info.mtime, () => undefined);
      if (modifiedAt && modifiedAt >= olderThan) continue;
      if (!options.dryRun) {
        this.unfinished.delete(localFile);
        await fs.rm(localFile, { force: true });
      }
      removed.push(temporaryNameFor(path, basename(localFile)));
    }
    return removed;
  }

  ping(): Promise<void> {
    return this.backend.ping();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const wake of [...this.transferWaiters]) wake();
    await this.backend.close();
  }
}

/**
 * The storage every process must use for registry files: the backend itself, or, in asynchronous
 * upload mode (SFTP without SFTP_SYNC_UPLOAD), the shared upload queue in front of it — the
 * registry as its worker, the admin API and CLI as observers that see queued files and drop
 * queued writes of what they delete.
 */
export function withUploadQueue(
  config: RefityConfig,
  backend: StorageDriver,
  metadata: MetadataStore,
  role: 'worker' | 'observer',
  logger?: WriteBehindOptions['logger'],
): StorageDriver | WriteBehindStorage {
  if (!config.sftp || config.env.SFTP_SYNC_UPLOAD) return backend;
  if (role === 'worker' && config.env.DATABASE_URL?.startsWith('postgres')) {
    logger?.warn(
      'asynchronous uploads with PostgreSQL: queued files live in this replica\'s DATA_DIR, where other replicas cannot read them; with more than one replica set SFTP_SYNC_UPLOAD=true',
    );
  }
  return new WriteBehindStorage(backend, metadata, { queueDir: join(config.dataDir, 'upload-queue'), concurrency: config.env.UPLOAD_CONCURRENCY, role, logger });
}
