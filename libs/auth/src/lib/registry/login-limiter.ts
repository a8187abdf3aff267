import type { LoginLimitSettings } from '@refity/config';

export type LoginLimitVerdict = { limited: false } | { limited: true; by: 'account' | 'address'; retryAfterSeconds: number };

interface Window {
  failures: number;
  resetAt: number;
}

const MAX_TRACKED = 100_000;

/**
 * Counts failed logins per account and per client address in fixed windows (LOGIN_LIMIT_*, the
 * numbers the admin API's login throttler uses). Once either count reaches its limit, every
 * attempt for that account or from that address is refused until the window ends, whatever the
 * password. In-process memory: each process (and each replica) counts on its own, and a restart
 * forgets.
 */
export class LoginLimiter {
  private readonly accounts = new Map<string, Window>();
  private readonly addresses = new Map<string, Window>();

  constructor(
    private readonly settings: LoginLimitSettings,
    private readonly now: () => number = Date.now,
  ) {}

  check(account: string, address: string): LoginLimitVerdict {
    const now = this.now();
    const byAccount = this.current(this.accounts, this.accountKey(account), now);
    if (byAccount && byAccount.failures >= this.settings.perAccount) return this.limited('account', byAccount, now);
    const byAddress = this.current(this.addresses, address, now);
    if (byAddress && byAddress.failures >= this.settings.perAddress) return this.limited('address', byAddress, now);
    return { limited: false };
  }

  /** Records a failed attempt. */
  fail(account: string, address: string): void {
    const now = this.now();
    this.count(this.accounts, this.accountKey(account), now);
    this.count(this.addresses, address, now);
  }

  private accountKey(account: string): string {
    return account.trim().toLowerCase();
  }

  private limited(by: 'account' | 'address', window: Window, now: number): LoginLimitVerdict {
    return { limited: true, by, retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - now) / 1000)) };
  }

  private current(windows: Map<string, Window>, key: string, now: number): Window | undefined {
    const window = windows.get(key);
    if (window && window.resetAt <= now) {
      windows.delete(key);
      return undefined;
    }
    return window;
  }

  private count(windows: Map<string, Window>, key: string, now: number): void {
    const window = this.current(windows, key, now);
    if (window) {
      window.failures += 1;
      return;
    }
    if (windows.size >= MAX_TRACKED) this.sweep(windows, now);
    windows.set(key, { failures: 1, resetAt: now + this.settings.windowMs });
  }

  /** Drops ended windows; if still full, the oldest half (an attacker spraying addresses cannot grow memory without bound). */
  private sweep(windows: Map<string, Window>, now: number): void {
    for (const [key, window] of windows) if (window.resetAt <= now) windows.delete(key);
    if (windows.size < MAX_TRACKED) return;
    let drop = Math.floor(windows.size / 2);
    for (const key of windows.keys()) {
      if (drop-- <= 0) break;
      windows.delete(key);
    }
  }
}
