export interface SftpLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** How to reach the SFTP server. Plain values: the caller reads env/config files, not the driver. */
export interface SftpStorageOptions {
  host: string;
  port: number;
  username: string;
  password?: string;
  /** Private key contents (OpenSSH or PEM format), not a path. */
  privateKey?: Buffer | string;
  /** Passphrase of an encrypted `privateKey`. */
  passphrase?: string;
  /** Base folder on the server ('' = the login folder); every driver path is relative to it. */
  root: string;
  /**
   * OpenSSH known_hosts file to verify the server's host key against. Unset: any key is accepted
   * and a warning with its fingerprint is logged.
   */
  knownHostsPath?: string;
  /** Number of SSH connections kept (default 4). */
  poolSize?: number;
  /** Defaults to the console. */
  logger?: SftpLogger;
  /** Time allowed for TCP connect + SSH handshake + authentication (default 10 s). */
  connectTimeoutMs?: number;
  /** SSH keepalive interval; 3 unanswered keepalives close the connection (default 10 s). */
  keepaliveIntervalMs?: number;
}
