/** Typed storage errors: drivers translate their native errors into these, never leak them. */
export type StorageErrorCode = 'NotFound' | 'AlreadyExists' | 'Unavailable' | 'InvalidPath' | 'Aborted' | 'Internal';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = `Storage${code}Error`;
  }
}

export class NotFoundError extends StorageError {
  constructor(path: string, options?: { cause?: unknown }) {
    super('NotFound', path, `not found: ${path}`, options);
  }
}

export class AlreadyExistsError extends StorageError {
  constructor(path: string, options?: { cause?: unknown }) {
    super('AlreadyExists', path, `already exists: ${path}`, options);
  }
}

/** The backend cannot be reached (connection lost, server down); the operation may be retried. */
export class UnavailableError extends StorageError {
  constructor(path: string, detail: string, options?: { cause?: unknown }) {
    super('Unavailable', path, `storage unavailable (${detail}) for ${path}`, options);
  }
}

export class InvalidPathError extends StorageError {
  constructor(path: string, reason: string) {
    super('InvalidPath', path, `invalid storage path "${path}": ${reason}`);
  }
}

/** A write was aborted before commit; nothing was stored. */
export class AbortedError extends StorageError {
  constructor(path: string, options?: { cause?: unknown }) {
    super('Aborted', path, `write aborted: ${path}`, options);
  }
}

export function isStorageError(error: unknown, code?: StorageErrorCode): error is StorageError {
  return error instanceof StorageError && (code === undefined || error.code === code);
}
