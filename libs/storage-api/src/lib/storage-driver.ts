import type { Readable, Writable } from 'node:stream';

export interface FileInfo {
  path: string;
  size: number;
  modifiedAt: Date;
  isDirectory: boolean;
}

/** Inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end?: number;
}

/**
 * A write in progress. Bytes land under a temporary name; `commit()` moves them into place
 * atomically (readers see the old file or the new one, never a partial one); `abort()` removes
 * every trace. Ending the stream alone commits nothing.
 */
export interface StorageWriter {
  readonly stream: Writable;
  /** Waits for the stream to finish, flushes it and renames it into place. */
  commit(): Promise<void>;
  /** Destroys the stream and removes the temporary file. Safe to call more than once. */
  abort(reason?: unknown): Promise<void>;
}

export interface WriteOptions {
  /** Refuse to replace an existing file (AlreadyExists). Default false: replace atomically. */
  exclusive?: boolean;
}

/**
 * The one contract every storage backend implements. Paths are relative, slash-separated,
 * and validated with `splitStoragePath`. Every failure is a `StorageError`.
 */
export interface StorageDriver {
  /** A short name for logs and metrics, e.g. `local` or `sftp`. */
  readonly name: string;
  stat(path: string): Promise<FileInfo>;
  exists(path: string): Promise<boolean>;
  /** Streams a file, or the inclusive byte range of it. */
  createReadStream(path: string, range?: ByteRange): Promise<Readable>;
  createWriter(path: string, options?: WriteOptions): Promise<StorageWriter>;
  /** Convenience: writes a whole buffer atomically. */
  writeFile(path: string, data: Buffer, options?: WriteOptions): Promise<void>;
  /** Convenience for small files (manifests, tags): reads a whole file. */
  readFile(path: string): Promise<Buffer>;
  /** Names of the entries directly under a folder, sorted; NotFound when the folder is missing. */
  list(path: string): Promise<string[]>;
  /** Deletes one file; NotFound when missing. */
  delete(path: string): Promise<void>;
  /** Deletes a folder and everything below it; NotFound when missing. */
  deleteFolder(path: string): Promise<void>;
  /** Moves a file, replacing the destination atomically. */
  move(from: string, to: string): Promise<void>;
  /** Makes `to` hold the same bytes as `from`: a hard link when the backend can, else a copy. */
  linkOrCopy(from: string, to: string): Promise<void>;
  /**
   * Removes what writes that never finished left directly under `folder`: temporary files (see
   * `temporaryNameFor`) not modified since `olderThan`, e.g. after a crash or a connection lost
   * between writing and renaming into place. A write in progress keeps its file's time fresh.
   * Returns the paths removed; a missing folder has none. With `dryRun`, removes nothing and
   * returns the paths it would remove.
   */
  removeStaleTemporaries(folder: string, olderThan: Date, options?: { dryRun?: boolean }): Promise<string[]>;
  /** Checks the backend answers; throws Unavailable if not. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Optional, for drivers that keep local copies (the read cache): `localFile` is a complete,
   * durable local file with exactly the bytes of `path`, which was just written through this
   * driver. The driver may keep it (by hard link; the caller still owns and removes `localFile`).
   */
  admitLocalCopy?(path: string, localFile: string): Promise<void>;
  /**
   * Optional, for drivers on the local file system: makes the complete, durable local file
   * `localFile` the file at `path` by renaming it (atomically replacing what was there), so its
   * bytes are not written a second time. Returns false and leaves `localFile` alone when it cannot
   * be renamed there (another file system); the caller then writes it as usual.
   */
  adoptLocalFile?(path: string, localFile: string): Promise<boolean>;
}
