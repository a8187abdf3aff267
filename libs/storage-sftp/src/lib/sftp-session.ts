import { Client, ConnectConfig, FileEntryWithStats, SFTPWrapper, Stats } from 'ssh2';
import { SftpConnectionError } from './sftp-errors';

/** What the server offers, read once per session. */
export interface SessionCapabilities {
  /** posix-rename@openssh.com: rename that atomically replaces the target. */
  posixRename: boolean;
  /** hardlink@openssh.com. */
  hardlink: boolean;
  /** fsync@openssh.com. */
  fsync: boolean;
  /** Largest READ / WRITE payload the server accepts (limits@openssh.com). */
  maxReadBytes: number;
  maxWriteBytes: number;
}

/** ssh2 keeps the server's extensions and limits private; this is the one place that reads them. */
interface Ssh2SftpInternals {
  _extensions?: Record<string, string>;
  _maxReadLen?: number;
  _maxWriteLen?: number;
}

/** The payload size plain SFTP v3 servers are required to accept. */
const SFTP_V3_SAFE_PAYLOAD = 32 * 1024;

function capabilitiesOf(sftp: SFTPWrapper): SessionCapabilities {
  const internals = sftp as unknown as Ssh2SftpInternals;
  const offers = (name: string) => internals._extensions?.[name] === '1';
  return {
    posixRename: offers('posix-rename@openssh.com'),
    hardlink: offers('hardlink@openssh.com'),
    fsync: offers('fsync@openssh.com'),
    maxReadBytes: internals._maxReadLen ?? SFTP_V3_SAFE_PAYLOAD,
    maxWriteBytes: internals._maxWriteLen ?? SFTP_V3_SAFE_PAYLOAD,
  };
}

type Done<T> = (error: Error | null | undefined, result: T) => void;

/**
 * One SSH connection with its SFTP channel, with promise-returning operations. Errors are left
 * as ssh2 reports them (SFTP status in `code`), except a lost connection, which becomes an
 * SftpConnectionError. Once closed, every operation fails at once rather than waiting forever.
 */
export class SftpSession {
  /** Operations and streams using this session now; the pool hands out the least busy one. */
  leases = 0;
  readonly capabilities: SessionCapabilities;
  private closedBecause: string | undefined;
  private readonly closeListeners: Array<(reason: string) => void> = [];
  private readonly closed: Promise<void>;

  constructor(
    private readonly client: Client,
    private readonly sftp: SFTPWrapper,
    private readonly label: string,
  ) {
    this.capabilities = capabilitiesOf(sftp);
    this.closed = new Promise((resolve) => {
      const markClosed = (reason: string) => {
        if (this.closedBecause !== undefined) return;
        this.closedBecause = reason;
        for (const listener of this.closeListeners) listener(reason);
        resolve();
      };
      client.on('error', (error: Error) => markClosed(error.message));
      client.on('close', () => markClosed('connection closed'));
      sftp.on('error', (error: Error) => markClosed(error.message));
      sftp.on('close', () => markClosed('sftp channel closed'));
    });
  }

  get isOpen(): boolean {
    return this.closedBecause === undefined;
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListeners.push(listener);
  }

  /** Ends the connection and waits until it is closed (at most `timeoutMs`). */
  async end(timeoutMs = 2_000): Promise<void> {
    if (this.isOpen) this.client.end();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.client.destroy();
        resolve();
      }, timeoutMs);
    });
    await Promise.race([this.closed, timedOut]);
    clearTimeout(timer);
  }

  private call<T>(invoke: (done: Done<T>) => void): Promise<T> {
    if (this.closedBecause !== undefined) {
      // ssh2 would queue a request on a closed channel and never answer it.
      return Promise.reject(new SftpConnectionError(`${this.label}: ${this.closedBecause}`));
    }
    return new Promise<T>((resolve, reject) => {
      const done: Done<T> = (error, result) => {
        if (!error) resolve(result);
        else if (error.message === 'No response from server') reject(new SftpConnectionError(`${this.label}: connection lost`, { cause: error }));
        else reject(error);
      };
      try {
        invoke(done);
      } catch (error) {
        reject(error);
      }
    });
  }

  stat(path: string): Promise<Stats> {
    return this.call((done) => this.sftp.stat(path, done));
  }

  open(path: string, flags: 'r' | 'wx'): Promise<Buffer> {
    return this.call((done) => this.sftp.open(path, flags, done));
  }

  fstat(handle: Buffer): Promise<Stats> {
    return this.call((done) => this.sftp.fstat(handle, done));
  }

  close(handle: Buffer): Promise<void> {
    return this.call<void>((done) => this.sftp.close(handle, (error) => done(error, undefined)));
  }

  /** Reads up to `buffer.length` bytes at `position`; an empty result means end of file. */
  read(handle: Buffer, buffer: Buffer, position: number): Promise<Buffer> {
    return this.call((done) =>
      this.sftp.read(handle, buffer, 0, buffer.length, position, (error, bytesRead) => done(error, buffer.subarray(0, bytesRead ?? 0))),
    );
  }

  write(handle: Buffer, data: Buffer, position: number): Promise<void> {
    return this.call<void>((done) => this.sftp.write(handle, data, 0, data.length, position, (error) => done(error, undefined)));
  }

  fsync(handle: Buffer): Promise<void> {
    return this.call<void>((done) => this.sftp.ext_openssh_fsync(handle, (error) => done(error, undefined)));
  }

  readdir(path: string): Promise<FileEntryWithStats[]> {
    return this.call((done) => this.sftp.readdir(path, done));
  }

  mkdir(path: string): Promise<void> {
    return this.call<void>((done) => this.sftp.mkdir(path, (error) => done(error, undefined)));
  }

  rmdir(path: string): Promise<void> {
    return this.call<void>((done) => this.sftp.rmdir(path, (error) => done(error, undefined)));
  }

  unlink(path: string): Promise<void> {
    return this.call<void>((done) => this.sftp.unlink(path, (error) => done(error, undefined)));
  }

  /** Plain SFTP v3 rename: fails when the target exists. */
  rename(from: string, to: string): Promise<void> {
    return this.call<void>((done) => this.sftp.rename(from, to, (error) => done(error, undefined)));
  }

  /** posix-rename@openssh.com: atomically replaces the target. */
  posixRename(from: string, to: string): Promise<void> {
    return this.call<void>((done) => this.sftp.ext_openssh_rename(from, to, (error) => done(error, undefined)));
  }

  /** hardlink@openssh.com: `link` becomes a second name of `existing`; fails when `link` exists. */
  hardlink(existing: string, link: string): Promise<void> {
    return this.call<void>((done) => this.sftp.ext_openssh_hardlink(existing, link, (error) => done(error, undefined)));
  }
}

/** Opens an SSH connection with Nagle's algorithm off (reads are many times faster) and an SFTP channel. */
export function openSftpSession(config: ConnectConfig, label: string): Promise<SftpSession> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      client.destroy();
      reject(error);
    };
    client.on('error', fail);
    client.on('close', () => fail(new SftpConnectionError(`${label}: connection closed before the SFTP channel opened`)));
    client.once('ready', () => {
      client.sftp((error, sftp) => {
        if (error) return fail(error);
        if (settled) return;
        settled = true;
        resolve(new SftpSession(client, sftp, label));
      });
    });
    try {
      client.connect(config);
      client.setNoDelay(true);
    } catch (error) {
      fail(error as Error);
    }
  });
}
