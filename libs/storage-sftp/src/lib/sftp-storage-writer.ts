import { finished } from 'node:stream/promises';
import { AbortedError, isStorageError, StorageWriter } from '@refity/storage-api';
import { translateSftpError } from './sftp-errors';
import { SessionLease } from './sftp-connection-pool';
import { SftpSession } from './sftp-session';
import { PipelinedWriteStream } from './pipelined-write-stream';

export interface SftpStorageWriterOptions {
  /** The driver path, for errors. */
  path: string;
  lease: SessionLease;
  /** Remote temporary file, open as `handle`. */
  temporary: string;
  stream: PipelinedWriteStream;
  /** Moves the finished temporary file to its final name. */
  placeFile: (session: SftpSession) => Promise<void>;
}

/**
 * A write into a temporary file on the server, made visible under its final name by `commit()`.
 * The temporary file is removed on abort, on a failed commit, and when the stream is destroyed
 * before it finished (e.g. a failing source in `pipeline`), so nothing is left behind.
 */
export class SftpStorageWriter implements StorageWriter {
  readonly stream: PipelinedWriteStream;
  private state: 'open' | 'committing' | 'committed' | 'aborted' = 'open';
  private committing: Promise<void> | undefined;
  private discarding: Promise<void> | undefined;

  constructor(private readonly options: SftpStorageWriterOptions) {
    this.stream = options.stream;
    // Errors reach the caller through commit() or pipeline(); one nobody listens to must not crash the process.
    this.stream.on('error', () => undefined);
    this.stream.once('close', () => {
      if (this.state === 'open' && !this.stream.writableFinished) void this.discard();
    });
  }

  commit(): Promise<void> {
    this.committing ??= this.place();
    return this.committing;
  }

  async abort(): Promise<void> {
    if (this.committing) {
      // Too late to abort: the commit either placed the file or already cleaned up after itself.
      await this.committing.catch(() => undefined);
      return;
    }
    this.stream.destroy();
    await this.discard();
  }

  private async place(): Promise<void> {
    const { path, lease, placeFile } = this.options;
    if (this.state === 'aborted' || (this.stream.destroyed && !this.stream.writableFinished)) {
      await this.discard();
      // A storage failure (e.g. Unavailable) says more than "aborted"; anything else came from the caller's side.
      const failure = this.stream.errored;
      throw isStorageError(failure) ? failure : new AbortedError(path, { cause: failure ?? undefined });
    }
    this.state = 'committing';
    try {
      if (!this.stream.writableEnded) this.stream.end();
      await finished(this.stream);
      await placeFile(lease.session);
      this.state = 'committed';
      lease.release();
    } catch (error) {
      await this.discard();
      throw translateSftpError(error, path);
    }
  }

  private discard(): Promise<void> {
    this.state = 'aborted';
    this.discarding ??= (async () => {
      const { lease, temporary } = this.options;
      // The stream closes the handle while being destroyed; remove the file only after that.
      if (!this.stream.closed) await new Promise((resolve) => this.stream.once('close', resolve));
      await lease.session.unlink(temporary).catch(() => undefined);
      lease.release();
    })();
    return this.discarding;
  }
}
