import { Writable } from 'node:stream';
import { StorageError } from '@refity/storage-api';
import { SftpSession } from './sftp-session';

export interface PipelinedWriteOptions {
  session: SftpSession;
  handle: Buffer;
  chunkBytes: number;
  /** Bytes sent but not yet acknowledged before the stream applies backpressure. */
  maxBytesInFlight: number;
  /**
   * With fsync@openssh.com: after this many bytes sent, an fsync goes out behind them (not
   * waited for), so the server writes to disk while more bytes arrive and the fsync that ends
   * the file has little left to do.
   */
  flushEveryBytes?: number;
  translateError: (error: unknown) => StorageError;
}

interface InFlightWaiter {
  limit: number;
  stopOnFailure: boolean;
  resolve: () => void;
}

/**
 * Writes a file sequentially through an open SFTP handle with many WRITE requests outstanding,
 * so throughput is not bound by one round trip per chunk. Ending the stream waits for every
 * acknowledgement, fsyncs (when the server offers fsync@openssh.com) and closes the handle;
 * destroying it closes the handle too.
 */
export class PipelinedWriteStream extends Writable {
  private position = 0;
  private bytesInFlight = 0;
  private failure: unknown;
  private handleOpen = true;
  private readonly waiters: InFlightWaiter[] = [];
  /** Bytes written but not yet sent: smaller than a chunk, waiting for more. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Bytes sent since the last fsync went out. */
  private unflushed = 0;
  /** The fsync sent in the background, if one is outstanding. */
  private flushing?: Promise<void>;

  constructor(private readonly options: PipelinedWriteOptions) {
    super({ highWaterMark: options.chunkBytes * 4 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.failure !== undefined) return callback(this.options.translateError(this.failure));
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes >= this.options.chunkBytes) this.sendHeld(false);
    this.inFlightBelow(this.options.maxBytesInFlight, true).then(() =>
      callback(this.failure === undefined ? null : this.options.translateError(this.failure)),
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    const { session, handle } = this.options;
    if (this.failure === undefined) this.sendHeld(true);
    this.inFlightBelow(1, true)
      .then(async () => {
        await this.flushing;
        if (this.failure !== undefined) throw this.failure;
        // As the local driver does: the bytes are on the server's disk before a rename shows them.
        if (session.capabilities.fsync) await session.fsync(handle);
        this.handleOpen = false;
        await session.close(handle);
      })
      .then(
        () => callback(),
        (error: unknown) => callback(this.options.translateError(error)),
      );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Let outstanding WRITEs settle first, so none lands after the caller removed the file.
    this.inFlightBelow(1, false)
      .then(async () => {
        await this.flushing;
        if (!this.handleOpen) return;
        this.handleOpen = false;
        await this.options.session.close(this.options.handle).catch(() => undefined);
      })
      .then(() => callback(error));
  }

  /**
   * Sends the held bytes as WRITEs of a whole chunk each (HTTP bodies arrive in 64 KiB pieces or
   * less: one message per chunk halves the WRITEs and STATUS replies); the rest stays held unless
   * `all`.
   */
  private sendHeld(all: boolean): void {
    const { chunkBytes } = this.options;
    const data = this.held.length === 1 ? this.held[0] : Buffer.concat(this.held, this.heldBytes);
    let start = 0;
    for (; data.length - start >= chunkBytes || (all && start < data.length); start += chunkBytes) {
      this.send(data.subarray(start, start + chunkBytes));
    }
    this.held = start < data.length ? [data.subarray(start)] : [];
    this.heldBytes = data.length - start;
  }

  private send(piece: Buffer): void {
    const { session, handle, flushEveryBytes } = this.options;
    const position = this.position;
    this.position += piece.length;
    this.bytesInFlight += piece.length;
    session.write(handle, piece, position).then(
      () => this.settle(piece.length),
      (error: unknown) => {
        this.failure ??= error;
        this.settle(piece.length);
      },
    );
    this.unflushed += piece.length;
    if (flushEveryBytes && session.capabilities.fsync && this.unflushed >= flushEveryBytes && !this.flushing) {
      this.unflushed = 0;
      this.flushing = session.fsync(handle).then(
        () => (this.flushing = undefined),
        (error: unknown) => {
          this.failure ??= error;
          this.flushing = undefined;
        },
      );
    }
  }

  private settle(length: number): void {
    this.bytesInFlight -= length;
    for (const waiter of [...this.waiters]) {
      if (this.bytesInFlight < waiter.limit || (waiter.stopOnFailure && this.failure !== undefined)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  private inFlightBelow(limit: number, stopOnFailure: boolean): Promise<void> {
    if (this.bytesInFlight < limit || (stopOnFailure && this.failure !== undefined)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ limit, stopOnFailure, resolve }));
  }
}
