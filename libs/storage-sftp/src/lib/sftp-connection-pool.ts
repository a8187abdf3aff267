import { SftpConnectionError } from './sftp-errors';
import { SftpLogger } from './sftp-options';
import { SftpSession } from './sftp-session';

const FIRST_RETRY_DELAY_MS = 250;
const MAX_RETRY_DELAY_MS = 5_000;

/** A session handed out by the pool; release it exactly once when done. */
export interface SessionLease {
  readonly session: SftpSession;
  release(): void;
}

interface Slot {
  session?: SftpSession;
  connecting?: Promise<SftpSession>;
}

/**
 * Up to `size` SSH connections, opened on demand and spread by load. A dropped connection is
 * replaced on next use; after a failed attempt the pool waits (250 ms doubling to 5 s) before
 * dialling again and meanwhile fails fast, so callers get Unavailable quickly instead of piling
 * up on a dead server.
 */
export class SftpConnectionPool {
  private readonly slots: Slot[];
  private failedAttempts = 0;
  private retryAt = 0;
  private lastFailure: SftpConnectionError | undefined;
  private closed = false;

  constructor(
    size: number,
    private readonly connect: () => Promise<SftpSession>,
    private readonly logger: SftpLogger,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`SFTP pool size must be a positive integer, got ${size}`);
    this.slots = Array.from({ length: size }, () => ({}));
  }

  async acquire(): Promise<SessionLease> {
    if (this.closed) throw new SftpConnectionError('the SFTP storage driver is closed');
    const ready = this.slots.flatMap((slot) => (slot.session?.isOpen ? [slot.session] : []));
    const idle = ready.find((session) => session.leases === 0);
    if (idle) return this.lease(idle);

    // Everything is busy (or nothing is connected): open another connection if there is room.
    const empty = this.slots.find((slot) => !slot.session?.isOpen && !slot.connecting);
    if (empty && Date.now() >= this.retryAt) {
      try {
        return this.lease(await this.fill(empty));
      } catch (error) {
        if (ready.length === 0) throw error;
      }
    }
    if (ready.length > 0) return this.lease(ready.reduce((least, session) => (session.leases < least.leases ? session : least)));
    const connecting = this.slots.find((slot) => slot.connecting)?.connecting;
    if (connecting) return this.lease(await connecting);
    const waitMs = Math.max(0, this.retryAt - Date.now());
    throw new SftpConnectionError(`${this.lastFailure?.message ?? 'not connected'} (next attempt in ${waitMs} ms)`, { cause: this.lastFailure });
  }

  /** Runs `work` with a session and releases it afterwards. */
  async use<T>(work: (session: SftpSession) => Promise<T>): Promise<T> {
    const lease = await this.acquire();
    try {
      return await work(lease.session);
    } finally {
      lease.release();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = this.slots.map(async (slot) => {
      const session = slot.session ?? (await slot.connecting?.catch(() => undefined));
      await session?.end();
    });
    await Promise.all(pending);
  }

  private lease(session: SftpSession): SessionLease {
    session.leases++;
    let released = false;
    return {
      session,
      release: () => {
        if (released) return;
        released = true;
        session.leases--;
      },
    };
  }

  private fill(slot: Slot): Promise<SftpSession> {
    const attempt = this.connect().then(
      async (session) => {
        this.failedAttempts = 0;
        this.retryAt = 0;
        slot.session = session;
        session.onClose((reason) => {
          if (!this.closed) this.logger.warn(`SFTP connection lost (${reason}); it is reopened on next use`);
        });
        if (this.closed) {
          await session.end();
          throw new SftpConnectionError('the SFTP storage driver is closed');
        }
        return session;
      },
      (error: SftpConnectionError) => {
        this.failedAttempts++;
        this.retryAt = Date.now() + Math.min(FIRST_RETRY_DELAY_MS * 2 ** (this.failedAttempts - 1), MAX_RETRY_DELAY_MS);
        this.lastFailure = error;
        this.logger.error(`SFTP connection failed: ${error.message}`);
        throw error;
      },
    );
    slot.connecting = attempt;
    const clear = () => {
      slot.connecting = undefined;
    };
    attempt.then(clear, clear);
    return attempt;
  }
}
