import { isStorageError, NotFoundError, StorageError, UnavailableError } from '@refity/storage-api';
import { utils } from 'ssh2';

const STATUS = utils.sftp.STATUS_CODE;

/** The SSH connection could not be opened or is gone; the message says why. Reported as Unavailable. */
export class SftpConnectionError extends Error {
  override readonly name = 'SftpConnectionError';
}

/** The SFTP status code of a failed request (ssh2 puts it in `code`), if it is one. */
function sftpStatusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function isNoSuchFile(error: unknown): boolean {
  return sftpStatusOf(error) === STATUS.NO_SUCH_FILE;
}

/** OpenSSH answers FAILURE for EEXIST, among others: callers check what is there before saying so. */
export function isFailure(error: unknown): boolean {
  return sftpStatusOf(error) === STATUS.FAILURE;
}

export function isConnectionError(error: unknown): boolean {
  if (error instanceof SftpConnectionError) return true;
  const status = sftpStatusOf(error);
  return status === STATUS.NO_CONNECTION || status === STATUS.CONNECTION_LOST;
}

/** Translates an ssh2 error into the contract's typed errors; ssh2 errors never leave the driver. */
export function translateSftpError(error: unknown, path: string): StorageError {
  if (isStorageError(error)) return error;
  if (isConnectionError(error)) return new UnavailableError(path, (error as Error).message, { cause: error });
  const status = sftpStatusOf(error);
  if (status === STATUS.NO_SUCH_FILE) return new NotFoundError(path, { cause: error });
  const detail = error instanceof Error ? error.message : String(error);
  const kind = status === STATUS.PERMISSION_DENIED ? 'permission denied' : `sftp failed: ${detail}`;
  return new StorageError('Internal', path, `${kind} for ${path}`, { cause: error });
}
