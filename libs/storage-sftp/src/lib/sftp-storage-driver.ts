import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AlreadyExistsError,
  ByteRange,
  FileInfo,
  isStorageError,
  isTemporaryName,
  NotFoundError,
  splitStoragePath,
  StorageDriver,
  StorageWriter,
  temporaryNameFor,
  WriteOptions,
} from '@refity/storage-api';
import { Stats } from 'ssh2';
import { PipelinedReadStream } from './pipelined-read-stream';
import { PipelinedWriteStream } from './pipelined-write-stream';
import { SessionLease, SftpConnectionPool } from './sftp-connection-pool';
import { SftpConnector } from './sftp-connector';
import { isConnectionError, isFailure, isNoSuchFile, translateSftpError } from './sftp-errors';
import { SftpStorageOptions } from './sftp-options';
import { SftpSession } from './sftp-session';
import { SftpStorageWriter } from './sftp-storage-writer';

const MiB = 1024 * 1024;
const DEFAULT_POOL_SIZE = 4;
// Tuned with tools/bench (1 GiB over loopback): 128 KiB requests beat 32/64 KiB ones (fewer
// messages to build and parse in JavaScript); 16 READs in flight = 2 MiB, ssh2's fixed receive
// window, which is what keeps a long-RTT link busy. Capped by the server's limits@openssh.com.
const READ_CHUNK_BYTES = 128 * 1024;
const READS_IN_FLIGHT = 16;
const WRITE_CHUNK_BYTES = 128 * 1024;
const WRITE_BYTES_IN_FLIGHT = 4 * MiB;
const WRITE_FLUSH_EVERY_BYTES = 32 * MiB;

/** `/srv/data/` → `/srv/data`, `data/` → `data`; '' stays '' (the login folder) and '/' stays '/'. */
function normalizeRoot(root: string): string {
  const trimmed = root.replace(/\/+$/, '');
  return trimmed === '' && root.startsWith('/') ? '/' : trimmed;
}

function joinRemote(folder: string, relative: string): string {
  if (folder === '') return relative;
  return folder.endsWith('/') ? `${folder}${relative}` : `${folder}/${relative}`;
}

/** The folder holding a remote path; '' is the login folder. */
function remoteParentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  if (slash === -1) return '';
  return slash === 0 ? '/' : path.slice(0, slash);
}

function toFileInfo(path: string, stats: Stats): FileInfo {
  return { path, size: stats.size, modifiedAt: new Date(stats.mtime * 1000), isDirectory: stats.isDirectory() };
}

/**
 * The storage contract on an SFTP server (OpenSSH or any SFTP v3 server), over a pool of SSH
 * connections. Writes go to a temporary sibling and are renamed into place (posix-rename when
 * offered), so readers never see a partial file; reads and writes keep many requests in flight.
 */
export class SftpStorageDriver implements StorageDriver {
  readonly name = 'sftp';
  private readonly pool: SftpConnectionPool;
  private readonly root: string;

  constructor(options: SftpStorageOptions) {
    const logger = options.logger ?? console;
    const connector = new SftpConnector(options, logger);
    this.pool = new SftpConnectionPool(options.poolSize ?? DEFAULT_POOL_SIZE, () => connector.connect(), logger);
    this.root = normalizeRoot(options.root);
  }

  async stat(path: string): Promise<FileInfo> {
    const remote = this.remote(path);
    return this.withSession(path, async (session) => toFileInfo(path, await session.stat(remote)));
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.stat(path);
      return true;
    } catch (error) {
      if (isStorageError(error, 'NotFound')) return false;
      throw error;
    }
  }

  async createReadStream(path: string, range?: ByteRange): Promise<Readable> {
    const remote = this.remote(path);
    const lease = await this.acquire(path);
    const { session } = lease;
    const first = range?.start ?? 0;
    const chunkBytes = Math.min(READ_CHUNK_BYTES, session.capabilities.maxReadBytes);
    try {
      const handle = await session.open(remote, 'r');
      let stats: Stats;
      let firstRead: { buffer: Buffer; data: Buffer } | undefined;
      try {
        // The size and the first chunk in one round trip: a manifest or a config blob is then
        // read with two (open; read + fstat) instead of three.
        const wanted = range?.end === undefined ? chunkBytes : Math.min(chunkBytes, range.end - first + 1);
        const buffer = Buffer.allocUnsafe(Math.max(wanted, 0));
        const reading = wanted > 0 ? session.read(handle, buffer, first) : undefined;
        reading?.catch(() => undefined); // reading a directory fails; fstat says why
        stats = await session.fstat(handle);
        if (stats.isDirectory()) throw new NotFoundError(path);
        if (reading) firstRead = { buffer, data: await reading };
      } catch (error) {
        await session.close(handle).catch(() => undefined);
        throw error;
      }
      return new PipelinedReadStream({
        session,
        handle,
        first,
        last: Math.min(range?.end ?? stats.size - 1, stats.size - 1),
        chunkBytes,
        readsInFlight: READS_IN_FLIGHT,
        firstRead,
        translateError: (error) => translateSftpError(error, path),
        onRelease: lease.release,
      });
    } catch (error) {
      lease.release();
      throw translateSftpError(error, path);
    }
  }

  async createWriter(path: string, options: WriteOptions = {}): Promise<StorageWriter> {
    const target = this.remote(path);
    const temporary = this.remote(temporaryNameFor(path, randomUUID()));
    const lease = await this.acquire(path);
    const { session } = lease;
    let handle: Buffer;
    try {
      handle = await this.openNewFile(session, temporary);
    } catch (error) {
      lease.release();
      throw translateSftpError(error, path);
    }
    const stream = new PipelinedWriteStream({
      session,
      handle,
      chunkBytes: Math.min(WRITE_CHUNK_BYTES, session.capabilities.maxWriteBytes),
      maxBytesInFlight: WRITE_BYTES_IN_FLIGHT,
      flushEveryBytes: WRITE_FLUSH_EVERY_BYTES,
      translateError: (error) => translateSftpError(error, path),
    });
    return new SftpStorageWriter({
      path,
      lease,
      temporary,
      stream,
      placeFile: (placing) =>
        options.exclusive ? this.placeExclusively(placing, temporary, target, path) : this.replace(placing, temporary, target),
    });
  }

  async writeFile(path: string, data: Buffer, options?: WriteOptions): Promise<void> {
    const writer = await this.createWriter(path, options);
    writer.stream.end(data);
    await writer.commit();
  }

  async readFile(path: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.createReadStream(path)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async list(path: string): Promise<string[]> {
    const remote = this.remote(path);
    return this.withSession(path, async (session) => {
      const entries = await session.readdir(remote);
      return entries
        .map((entry) => entry.filename)
        .filter((name) => name !== '.' && name !== '..' && !isTemporaryName(name))
        .sort();
    });
  }

  async removeStaleTemporaries(folder: string, olderThan: Date, options: { dryRun?: boolean } = {}): Promise<string[]> {
    const remote = this.remote(folder);
    try {
      return await this.withSession(folder, async (session) => {
        const stale = (await session.readdir(remote))
          // SFTP v3 times are whole seconds.
          .filter((entry) => isTemporaryName(entry.filename) && entry.attrs.isFile() && entry.attrs.mtime * 1000 < olderThan.getTime())
          .map((entry) => entry.filename)
          .sort();
        for (const name of options.dryRun ? [] : stale) {
          await session.unlink(joinRemote(remote, name)).catch((error: unknown) => {
            if (!isNoSuchFile(error)) throw error;
          });
        }
        return stale.map((name) => `${folder}/${name}`);
      });
    } catch (error) {
      if (isStorageError(error, 'NotFound')) return [];
      throw error;
    }
  }

  async delete(path: string): Promise<void> {
    const remote = this.remote(path);
    await this.withSession(path, (session) => session.unlink(remote));
  }

  async deleteFolder(path: string): Promise<void> {
    const remote = this.remote(path);
    await this.withSession(path, async (session) => {
      if (!(await session.stat(remote)).isDirectory()) throw new NotFoundError(path);
      await this.removeTree(session, remote);
    });
  }

  async move(from: string, to: string): Promise<void> {
    const source = this.remote(from);
    const target = this.remote(to);
    await this.withSession(from, async (session) => {
      try {
        await this.replace(session, source, target);
      } catch (error) {
        // No such file: the source is missing (NotFound) or the target's folder is.
        if (!isNoSuchFile(error)) throw error;
        await session.stat(source);
        await this.ensureFolder(session, remoteParentOf(target));
        await this.replace(session, source, target);
      }
    });
  }

  async linkOrCopy(from: string, to: string): Promise<void> {
    const source = this.remote(from);
    const target = this.remote(to);
    const linked = await this.withSession(from, async (session) => {
      if (!session.capabilities.hardlink) return false;
      const temporary = this.remote(temporaryNameFor(to, randomUUID()));
      try {
        await this.hardlinkCreatingFolder(session, source, temporary);
      } catch (error) {
        if (isNoSuchFile(error) || isConnectionError(error)) throw error;
        return false; // e.g. a file system without hard links: copy instead
      }
      try {
        await this.replace(session, temporary, target);
      } catch (error) {
        await session.unlink(temporary).catch(() => undefined);
        throw error;
      }
      return true;
    });
    if (!linked) await this.copy(from, to);
  }

  async ping(): Promise<void> {
    await this.withSession('.', async (session) => {
      try {
        await session.stat(this.root === '' ? '.' : this.root);
      } catch (error) {
        if (!isNoSuchFile(error)) throw error;
        await this.ensureFolder(session, this.root);
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** The server path of a driver path; throws InvalidPath for anything `splitStoragePath` rejects. */
  private remote(path: string): string {
    return joinRemote(this.root, splitStoragePath(path).join('/'));
  }

  private async acquire(path: string): Promise<SessionLease> {
    try {
      return await this.pool.acquire();
    } catch (error) {
      throw translateSftpError(error, path);
    }
  }

  private async withSession<T>(path: string, work: (session: SftpSession) => Promise<T>): Promise<T> {
    const lease = await this.acquire(path);
    try {
      return await work(lease.session);
    } catch (error) {
      throw translateSftpError(error, path);
    } finally {
      lease.release();
    }
  }

  /** Creates a file that must not exist yet, creating its folders when they are missing. */
  private async openNewFile(session: SftpSession, path: string): Promise<Buffer> {
    try {
      return await session.open(path, 'wx');
    } catch (error) {
      if (!isNoSuchFile(error)) throw error;
      await this.ensureFolder(session, remoteParentOf(path));
      return session.open(path, 'wx');
    }
  }

  private async hardlinkCreatingFolder(session: SftpSession, existing: string, link: string): Promise<void> {
    try {
      await session.hardlink(existing, link);
    } catch (error) {
      if (!isNoSuchFile(error)) throw error;
      await session.stat(existing);
      await this.ensureFolder(session, remoteParentOf(link));
      await session.hardlink(existing, link);
    }
  }

  /** mkdir -p; tolerates folders that exist already or that a concurrent writer just created. */
  private async ensureFolder(session: SftpSession, folder: string): Promise<void> {
    try {
      await session.mkdir(folder);
    } catch (error) {
      const parent = remoteParentOf(folder);
      if (isNoSuchFile(error) && parent !== '' && parent !== '/') {
        await this.ensureFolder(session, parent);
        await session.mkdir(folder).catch(async (retryError: unknown) => {
          if (!(await this.isFolder(session, folder))) throw retryError;
        });
      } else if (!(await this.isFolder(session, folder))) {
        throw error;
      }
    }
  }

  private async isFolder(session: SftpSession, path: string): Promise<boolean> {
    return session.stat(path).then(
      (stats) => stats.isDirectory(),
      () => false,
    );
  }

  /** Renames `from` over `to`, atomically when the server offers posix-rename. */
  private async replace(session: SftpSession, from: string, to: string): Promise<void> {
    if (session.capabilities.posixRename) return session.posixRename(from, to);
    try {
      await session.rename(from, to);
    } catch (error) {
      // Plain SFTP v3 rename refuses an existing target. Removing it first leaves a moment
      // without the file (never a partial one); only servers without posix-rename get here.
      if (!isFailure(error) || !(await this.isPresent(session, to))) throw error;
      await session.unlink(to).catch((unlinkError: unknown) => {
        if (!isNoSuchFile(unlinkError)) throw unlinkError; // a concurrent replace got there first
      });
      await session.rename(from, to);
    }
  }

  /** Moves a finished temporary file to `target` only if nothing is there yet. */
  private async placeExclusively(session: SftpSession, temporary: string, target: string, path: string): Promise<void> {
    try {
      await this.renameWithoutReplacing(session, temporary, target);
    } catch (error) {
      if (!isConnectionError(error) && (await this.isPresent(session, target))) throw new AlreadyExistsError(path, { cause: error });
      throw error;
    }
  }

  /** link() and plain SFTP v3 rename both refuse an existing target, unlike posix-rename. */
  private async renameWithoutReplacing(session: SftpSession, from: string, to: string): Promise<void> {
    if (session.capabilities.hardlink) {
      const linked = await session.hardlink(from, to).then(
        () => true,
        async (error: unknown) => {
          if (isConnectionError(error) || (await this.isPresent(session, to))) throw error;
          return false; // the file system has no hard links: rename instead
        },
      );
      if (linked) return session.unlink(from);
    }
    await session.rename(from, to);
  }

  private async isPresent(session: SftpSession, path: string): Promise<boolean> {
    return session.stat(path).then(
      () => true,
      () => false,
    );
  }

  private async removeTree(session: SftpSession, folder: string): Promise<void> {
    const entries = await session.readdir(folder);
    await Promise.all(
      entries
        .filter((entry) => entry.filename !== '.' && entry.filename !== '..')
        .map((entry) => {
          const child = `${folder}/${entry.filename}`;
          return entry.attrs.isDirectory() ? this.removeTree(session, child) : session.unlink(child);
        }),
    );
    await session.rmdir(folder);
  }

  /** Streams `from` into a new file at `to` (for servers or file systems without hard links). */
  private async copy(from: string, to: string): Promise<void> {
    const source = await this.createReadStream(from);
    let writer: StorageWriter;
    try {
      writer = await this.createWriter(to);
    } catch (error) {
      source.destroy();
      throw error;
    }
    try {
      await pipeline(source, writer.stream);
      await writer.commit();
    } catch (error) {
      await writer.abort();
      throw translateSftpError(error, from);
    }
  }
}
