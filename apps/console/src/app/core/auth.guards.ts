import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';
import { AuthSession } from './auth-session';

/** Pages of the console: logged in, and the first-login password change done. */
export const authGuard: CanActivateFn = (_route, state) => {
  const session = inject(AuthSession);
  const router = inject(Router);
  if (!session.loggedIn()) {
    return router.createUrlTree(['/login'], { queryParams: state.url && state.url !== '/' ? { returnUrl: state.url } : {} });
  }
  if (session.mustChangePassword()) return router.createUrlTree(['/password']);
  return true;
};

/** The forced password page: only with a session. */
export const sessionGuard: CanActivateFn = () => {
  const session = inject(AuthSession);
  return session.loggedIn() ? true : inject(Router).createUrlTree(['/login']);
};

/** Admin-only pages (users, permissions, robots, audit log). */
export const adminGuard: CanActivateFn = () => {
  const session = inject(AuthSession);
  return session.isAdmin() ? true : inject(Router).createUrlTree(['/dashboard']);
};

/** The login page: already logged in → straight to the console. */
export const guestGuard: CanActivateFn = () => {
  const session = inject(AuthSession);
  if (!session.loggedIn()) return true;
  return inject(Router).createUrlTree([session.mustChangePassword() ? '/password' : '/dashboard']);
};
