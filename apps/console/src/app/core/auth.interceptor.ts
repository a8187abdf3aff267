import { HttpErrorResponse, HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { catchError, throwError } from 'rxjs';
import { AuthSession } from './auth-session';

const LOGIN_PATH = '/api/auth/login';

/** True for calls to the admin API on this origin (relative `/api/...` or same-origin absolute). */
export function isApiUrl(url: string): boolean {
  if (url.startsWith('/api/') || url === '/api') return true;
  try {
    const u = new URL(url, window.location.href);
    return u.origin === window.location.origin && u.pathname.startsWith('/api/');
  } catch {
    return false;
  }
}

/** The admin API's 403 for a user flagged mustChangePassword (issue 4: "change your password first"). */
export function isMustChangePassword(e: HttpErrorResponse): boolean {
  if (e.status !== 403) return false;
  const body = e.error as { mustChangePassword?: boolean; message?: unknown; code?: string } | null;
  if (body && (body.mustChangePassword === true || body.code === 'MUST_CHANGE_PASSWORD')) return true;
  const msg = Array.isArray(body?.message) ? body?.message.join(' ') : String(body?.message ?? '');
  return /must change|change (your|the) (default )?password/i.test(msg);
}

/**
 * Adds `Authorization: Bearer <token>` to admin API calls; a 401 (expired or revoked token) drops
 * the session and goes to the login page (coming back afterwards); a "must change password" 403
 * goes to the password page.
 */
export const authInterceptor: HttpInterceptorFn = (req, next) => {
  const session = inject(AuthSession);
  const router = inject(Router);
  const token = session.token();
  const api = isApiUrl(req.url);
  const request = token && api ? req.clone({ setHeaders: { Authorization: `Bearer ${token}` } }) : req;
  return next(request).pipe(
    catchError((e: unknown) => {
      if (api && e instanceof HttpErrorResponse) {
        const isLogin = req.url.endsWith(LOGIN_PATH);
        if (e.status === 401 && !isLogin) {
          const returnUrl = router.url.startsWith('/login') ? undefined : router.url;
          session.clear();
          void router.navigate(['/login'], { queryParams: returnUrl && returnUrl !== '/' ? { returnUrl } : {} });
        } else if (isMustChangePassword(e)) {
          session.requirePasswordChange();
          void router.navigate(['/password']);
        }
      }
      return throwError(() => e);
    }),
  );
};
