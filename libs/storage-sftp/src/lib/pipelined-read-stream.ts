import { Readable } from 'node:stream';
import { StorageError } from '@refity/storage-api';
import { SftpSession } from './sftp-session';

interface PendingRead {
  position: number;
  length: number;
  data?: Buffer;
  error?: unknown;
}

export interface PipelinedReadOptions {
  session: SftpSession;
  handle: Buffer;
  /** First and last byte to read, inclusive; `last < first` reads nothing. */
  first: number;
  last: number;
  chunkBytes: number;
  readsInFlight: number;
  translateError: (error: unknown) => StorageError;
  /** Called once the handle is closed (or the stream failed), to give the session back. */
  onRelease: () => void;
}

/**
 * Streams a byte range of an open SFTP handle, keeping `readsInFlight` READ requests of
 * `chunkBytes` outstanding and passing their answers on in offset order. One request at a time
 * (ssh2's own read stream) waits a full round trip per chunk.
 */
export class PipelinedReadStream extends Readable {
  private readonly pending: PendingRead[] = [];
  private nextPosition: number;
  private wantsData = false;
  private ended = false;
  private released = false;

  constructor(private readonly options: PipelinedReadOptions) {
    // Answers waiting in the request queue already buffer ahead; a few chunks more smooth the flow.
    super({ highWaterMark: options.chunkBytes * 4 });
    this.nextPosition = options.first;
  }

  override _read(): void {
    this.wantsData = true;
    this.pump();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Late answers to outstanding requests are ignored; closing the handle ends them server-side.
    this.pending.length = 0;
    this.release();
    callback(error);
  }

  private send(request: PendingRead): void {
    const { session, handle } = this.options;
    session.read(handle, Buffer.allocUnsafe(request.length), request.position).then(
      (data) => {
        request.data = data;
        this.pump();
      },
      (error: unknown) => {
        request.error = error;
        this.pump();
      },
    );
  }

  /** Passes on answered requests in order while the consumer wants data, then tops the queue up. */
  private pump(): void {
    if (this.destroyed || this.ended) return;
    while (this.wantsData && this.pending.length > 0) {
      const head = this.pending[0];
      if (head.error !== undefined) return void this.destroy(this.options.translateError(head.error));
      if (!head.data) break;
      this.pending.shift();
      if (head.data.length === 0) {
        return void this.destroy(this.options.translateError(new Error(`file ended at byte ${head.position}, before the expected end`)));
      }
      if (head.data.length < head.length) {
        // A short read (server limit or a concurrent change): ask again for the gap, in front.
        const rest = { position: head.position + head.data.length, length: head.length - head.data.length };
        this.pending.unshift(rest);
        this.send(rest);
      }
      this.wantsData = this.push(head.data);
    }
    const { last, chunkBytes, readsInFlight } = this.options;
    while (this.pending.length < readsInFlight && this.nextPosition <= last) {
      const request = { position: this.nextPosition, length: Math.min(chunkBytes, last + 1 - this.nextPosition) };
      this.nextPosition += request.length;
      this.pending.push(request);
      this.send(request);
    }
    if (this.pending.length === 0 && this.nextPosition > last) this.finish();
  }

  private finish(): void {
    this.ended = true;
    this.push(null);
    this.release();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    const { session, handle, onRelease } = this.options;
    session.close(handle).catch(() => undefined).finally(onRelease);
  }
}
