import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { ActivatedRouteSnapshot, Router, RouterStateSnapshot, UrlTree, provideRouter } from '@angular/router';
import { provideApiConfiguration, UserDto } from '@refity/api-client';
import { firstValueFrom } from 'rxjs';
import { adminGuard, authGuard, guestGuard } from './auth.guards';
import { authInterceptor, isApiUrl, isMustChangePassword } from './auth.interceptor';
import { AuthSession, SESSION_KEY } from './auth-session';
import { HttpErrorResponse } from '@angular/common/http';

const admin: UserDto = { id: 1, username: 'admin', role: 'admin', disabled: false, mustChangePassword: false, createdAt: '2026-01-01T00:00:00Z', lastLoginAt: null };

function setup(stored?: { token: string; user: UserDto }) {
  sessionStorage.clear();
  if (stored) sessionStorage.setItem(SESSION_KEY, JSON.stringify(stored));
  TestBed.resetTestingModule();
  TestBed.configureTestingModule({
    providers: [
      provideRouter([]),
      provideHttpClient(withInterceptors([authInterceptor])),
      provideHttpClientTesting(),
      provideApiConfiguration(''),
    ],
  });
  const router = TestBed.inject(Router);
  const navigate = jest.spyOn(router, 'navigate').mockResolvedValue(true);
  return { session: TestBed.inject(AuthSession), http: TestBed.inject(HttpClient), ctrl: TestBed.inject(HttpTestingController), router, navigate };
}

function runGuard(guard: typeof authGuard, url = '/groups'): boolean | UrlTree {
  return TestBed.runInInjectionContext(() => guard({} as ActivatedRouteSnapshot, { url } as RouterStateSnapshot)) as boolean | UrlTree;
}

describe('AuthSession', () => {
  it('keeps the token in memory and sessionStorage after login, and forgets both on logout', async () => {
    const { session, ctrl } = setup();
    const done = firstValueFrom(session.login('admin', 'admin'));
    const req = ctrl.expectOne('/api/auth/login');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ username: 'admin', password: 'admin' });
    req.flush({ token: 'jwt-1', user: { ...admin, mustChangePassword: true } });
    await done;
    expect(session.token()).toBe('jwt-1');
    expect(session.mustChangePassword()).toBe(true);
    expect(JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? '{}').token).toBe('jwt-1');
    expect(localStorage.length).toBe(0);

    session.logout();
    const out = ctrl.expectOne('/api/auth/logout');
    expect(out.request.headers.get('Authorization')).toBe('Bearer jwt-1');
    out.flush(null, { status: 204, statusText: 'No Content' });
    expect(session.token()).toBeNull();
    expect(sessionStorage.getItem(SESSION_KEY)).toBeNull();
  });

  it('replaces the token with the fresh one the password change answers (earlier tokens are revoked)', async () => {
    const { session, ctrl } = setup({ token: 'old', user: { ...admin, mustChangePassword: true } });
    const done = firstValueFrom(session.changePassword('admin', 'Violet-Harbour-42'));
    const req = ctrl.expectOne('/api/auth/password');
    expect(req.request.method).toBe('PUT');
    expect(req.request.headers.get('Authorization')).toBe('Bearer old');
    expect(req.request.body).toEqual({ currentPassword: 'admin', newPassword: 'Violet-Harbour-42' });
    req.flush({ token: 'fresh', expiresAt: '2026-01-02T00:00:00Z', user: admin });
    await done;
    expect(session.token()).toBe('fresh');
    expect(session.mustChangePassword()).toBe(false);
    expect(JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? '{}').token).toBe('fresh');
  });

  it('restores the session of this tab after a reload', () => {
    const { session } = setup({ token: 'jwt-2', user: admin });
    expect(session.loggedIn()).toBe(true);
    expect(session.isAdmin()).toBe(true);
  });
});

describe('authInterceptor', () => {
  it('adds the bearer token to admin API calls only', () => {
    const { http, ctrl } = setup({ token: 'jwt-3', user: admin });
    http.get('/api/groups').subscribe();
    http.get('https://elsewhere.example.com/api/groups').subscribe();
    expect(ctrl.expectOne('/api/groups').request.headers.get('Authorization')).toBe('Bearer jwt-3');
    expect(ctrl.expectOne('https://elsewhere.example.com/api/groups').request.headers.has('Authorization')).toBe(false);
  });

  it('sends no header without a session', () => {
    const { http, ctrl } = setup();
    http.get('/api/config').subscribe();
    expect(ctrl.expectOne('/api/config').request.headers.has('Authorization')).toBe(false);
  });

  it('on 401 drops the session and goes to the login page', () => {
    const { http, ctrl, session, navigate } = setup({ token: 'expired', user: admin });
    const errors: unknown[] = [];
    http.get('/api/groups').subscribe({ error: (e) => errors.push(e) });
    ctrl.expectOne('/api/groups').flush({ statusCode: 401, error: 'Unauthorized', message: 'token revoked' }, { status: 401, statusText: 'Unauthorized' });
    expect(session.loggedIn()).toBe(false);
    expect(navigate).toHaveBeenCalledWith(['/login'], expect.anything());
    expect(errors).toHaveLength(1);
  });

  it('does not redirect on a failed login (the page shows the error)', () => {
    const { http, ctrl, navigate } = setup();
    http.post('/api/auth/login', {}).subscribe({ error: () => undefined });
    ctrl.expectOne('/api/auth/login').flush({ message: 'wrong' }, { status: 401, statusText: 'Unauthorized' });
    expect(navigate).not.toHaveBeenCalled();
  });

  it('on 403 "change your password" goes to the password page', () => {
    const { http, ctrl, session, navigate } = setup({ token: 't', user: admin });
    http.get('/api/groups').subscribe({ error: () => undefined });
    ctrl
      .expectOne('/api/groups')
      .flush({ statusCode: 403, error: 'Forbidden', message: 'You must change your password first' }, { status: 403, statusText: 'Forbidden' });
    expect(session.mustChangePassword()).toBe(true);
    expect(navigate).toHaveBeenCalledWith(['/password']);
  });

  it('leaves other 403s (a missing role) alone', () => {
    const { http, ctrl, navigate } = setup({ token: 't', user: admin });
    http.get('/api/users').subscribe({ error: () => undefined });
    ctrl.expectOne('/api/users').flush({ statusCode: 403, error: 'Forbidden', message: 'admin role required' }, { status: 403, statusText: 'Forbidden' });
    expect(navigate).not.toHaveBeenCalled();
  });

  it('recognises the API URLs and the must-change-password answer', () => {
    expect(isApiUrl('/api/groups')).toBe(true);
    expect(isApiUrl('/assets/x')).toBe(false);
    expect(isMustChangePassword(new HttpErrorResponse({ status: 403, error: { mustChangePassword: true } }))).toBe(true);
    expect(isMustChangePassword(new HttpErrorResponse({ status: 401, error: { message: 'must change password' } }))).toBe(false);
  });
});

describe('guards', () => {
  it('authGuard sends a visitor to the login page, remembering where they were going', () => {
    setup();
    const r = runGuard(authGuard, '/groups/myteam');
    expect(r).toBeInstanceOf(UrlTree);
    expect(TestBed.inject(Router).serializeUrl(r as UrlTree)).toBe('/login?returnUrl=%2Fgroups%2Fmyteam');
  });

  it('authGuard sends a user who must change the password to /password', () => {
    setup({ token: 't', user: { ...admin, mustChangePassword: true } });
    expect(TestBed.inject(Router).serializeUrl(runGuard(authGuard) as UrlTree)).toBe('/password');
  });

  it('authGuard lets a logged-in user through', () => {
    setup({ token: 't', user: admin });
    expect(runGuard(authGuard)).toBe(true);
  });

  it('adminGuard keeps users with role user out', () => {
    setup({ token: 't', user: { ...admin, role: 'user' } });
    expect(TestBed.inject(Router).serializeUrl(runGuard(adminGuard) as UrlTree)).toBe('/dashboard');
    setup({ token: 't', user: admin });
    expect(runGuard(adminGuard)).toBe(true);
  });

  it('guestGuard skips the login page when already logged in', () => {
    setup({ token: 't', user: admin });
    expect(TestBed.inject(Router).serializeUrl(runGuard(guestGuard) as UrlTree)).toBe('/dashboard');
    setup();
    expect(runGuard(guestGuard)).toBe(true);
  });
});
