import { computed, inject, Injectable, signal } from '@angular/core';
import { Router } from '@angular/router';
import { AuthService, UserDto } from '@refity/api-client';
import { Observable, tap } from 'rxjs';

/** What is kept in sessionStorage (per browser tab, gone when the tab closes). */
interface StoredSession {
  token: string;
  user: UserDto;
}

export const SESSION_KEY = 'refity.session';

/**
 * The logged-in session: the JWT and the user, in memory (signals) and mirrored to sessionStorage
 * so a reload keeps the tab logged in. Never localStorage: the token does not outlive the tab.
 */
@Injectable({ providedIn: 'root' })
export class AuthSession {
  private readonly api = inject(AuthService);
  private readonly router = inject(Router);
  private readonly state = signal<StoredSession | null>(readStored());

  readonly token = computed(() => this.state()?.token ?? null);
  readonly user = computed(() => this.state()?.user ?? null);
  readonly loggedIn = computed(() => !!this.state()?.token);
  readonly isAdmin = computed(() => this.state()?.user.role === 'admin');
  readonly mustChangePassword = computed(() => !!this.state()?.user.mustChangePassword);

  login(username: string, password: string): Observable<unknown> {
    return this.api.login({ body: { username, password } }).pipe(tap((res) => this.set({ token: res.token, user: res.user })));
  }

  /** Revokes the token on the server (best effort), forgets it here and goes to the login page. */
  logout(): void {
    const hadToken = this.loggedIn();
    const done = () => {
      this.clear();
      void this.router.navigate(['/login']);
    };
    if (!hadToken) return done();
    this.api.logout().subscribe({ next: done, error: done });
  }

  /** Re-reads the user (role, mustChangePassword) from GET /api/auth/me. */
  refreshUser(): Observable<UserDto> {
    return this.api.me().pipe(tap((user) => this.updateUser(user)));
  }

  changePassword(currentPassword: string, newPassword: string): Observable<unknown> {
    // The admin API revokes every earlier token and answers a fresh one.
    return this.api.changePassword({ body: { currentPassword, newPassword } }).pipe(tap((res) => this.set({ token: res.token, user: res.user })));
  }

  /** Called when the API answers 403 "change your password first". */
  requirePasswordChange(): void {
    const user = this.user();
    if (user && !user.mustChangePassword) this.updateUser({ ...user, mustChangePassword: true });
  }

  clear(): void {
    this.state.set(null);
    try {
      sessionStorage.removeItem(SESSION_KEY);
    } catch {
      /* storage unavailable: memory only */
    }
  }

  private updateUser(user: UserDto): void {
    const s = this.state();
    if (s) this.set({ ...s, user });
  }

  private set(s: StoredSession): void {
    this.state.set(s);
    try {
      sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
    } catch {
      /* storage unavailable: memory only */
    }
  }
}

function readStored(): StoredSession | null {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as StoredSession;
    return typeof s?.token === 'string' && s.user ? s : null;
  } catch {
    return null;
  }
}
