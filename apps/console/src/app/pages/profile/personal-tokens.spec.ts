import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { MatDialog } from '@angular/material/dialog';
import { provideRouter } from '@angular/router';
import { PersonalTokenDto, provideApiConfiguration } from '@refity/api-client';
import { of } from 'rxjs';
import { authInterceptor } from '../../core/auth.interceptor';
import { SESSION_KEY } from '../../core/auth-session';
import { provideIcons } from '../../shared/icons';
import { PersonalTokens } from './personal-tokens';

const token = (id: number, name: string, extra: Partial<PersonalTokenDto> = {}): PersonalTokenDto => ({
  id,
  name,
  prefix: `rfy_pat_${id}`,
  userId: 2,
  active: true,
  createdAt: `2026-01-0${id}T00:00:00Z`,
  expiresAt: null,
  lastUsedAt: null,
  revokedAt: null,
  ...extra,
});

async function render() {
  sessionStorage.setItem(
    SESSION_KEY,
    JSON.stringify({ token: 't', user: { id: 2, username: 'alice', role: 'user', disabled: false, mustChangePassword: false, createdAt: '', lastLoginAt: null } }),
  );
  TestBed.configureTestingModule({
    imports: [PersonalTokens],
    providers: [provideRouter([]), provideHttpClient(withInterceptors([authInterceptor])), provideHttpClientTesting(), provideApiConfiguration(''), provideIcons()],
  });
  const fixture = TestBed.createComponent(PersonalTokens);
  const ctrl = TestBed.inject(HttpTestingController);
  fixture.detectChanges();
  return { fixture, ctrl, el: fixture.nativeElement as HTMLElement };
}

async function settle(fixture: { whenStable(): Promise<unknown>; detectChanges(): void }) {
  fixture.detectChanges();
  await fixture.whenStable();
}

describe('PersonalTokens', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('lists your tokens, newest first, with expiry, last use and status', async () => {
    const { fixture, ctrl, el } = await render();
    expect(el.textContent).toContain('Loading your access tokens');
    ctrl.expectOne('/api/personal-tokens').flush([token(1, 'old', { revokedAt: '2026-01-02T00:00:00Z', active: false }), token(2, 'laptop', { expiresAt: '2999-01-01T00:00:00Z' })]);
    await settle(fixture);
    const rows = Array.from(el.querySelectorAll('tr[data-token]'));
    expect(rows.map((r) => r.getAttribute('data-token'))).toEqual(['laptop', 'old']);
    expect(rows[0].textContent).toContain('2999');
    expect(rows[0].textContent).toContain('active');
    expect(rows[1].textContent).toContain('revoked');
    expect(rows[1].querySelector('button[aria-label="Revoke token old"]')).toBeNull();
  });

  it('creates a token and shows its secret once', async () => {
    const { fixture, ctrl, el } = await render();
    ctrl.expectOne('/api/personal-tokens').flush([]);
    await settle(fixture);
    expect(el.textContent).toContain('No access tokens');
    const input = el.querySelector('input[name=tokenName]') as HTMLInputElement;
    input.value = 'laptop';
    input.dispatchEvent(new Event('input'));
    (el.querySelector('form.create') as HTMLFormElement).dispatchEvent(new Event('submit'));
    const post = ctrl.expectOne((r) => r.method === 'POST' && r.url === '/api/personal-tokens');
    expect(post.request.body).toEqual({ name: 'laptop' });
    post.flush({ secret: 'rfy_pat_secret', username: 'alice', token: token(3, 'laptop') }, { status: 201, statusText: 'Created' });
    ctrl.expectOne('/api/personal-tokens').flush([token(3, 'laptop')]);
    await settle(fixture);
    const panel = el.querySelector('[data-testid=token-secret]') as HTMLElement;
    expect(panel.querySelector('[data-testid=secret-value]')?.textContent).toBe('rfy_pat_secret');
    expect(panel.querySelector('button[aria-label="Copy the token"]')?.getAttribute('data-copy-text')).toBe('rfy_pat_secret');
    (Array.from(panel.querySelectorAll('button')).find((b) => b.textContent?.includes('I have copied it')) as HTMLButtonElement).click();
    await settle(fixture);
    expect(el.textContent).not.toContain('rfy_pat_secret');
  });

  it('revokes a token after confirmation', async () => {
    const { fixture, ctrl, el } = await render();
    jest.spyOn(TestBed.inject(MatDialog), 'open').mockReturnValue({ afterClosed: () => of(true) } as ReturnType<MatDialog['open']>);
    ctrl.expectOne('/api/personal-tokens').flush([token(1, 'laptop')]);
    await settle(fixture);
    (el.querySelector('button[aria-label="Revoke token laptop"]') as HTMLButtonElement).click();
    ctrl.expectOne((r) => r.method === 'DELETE' && r.url === '/api/personal-tokens/1').flush(token(1, 'laptop', { revokedAt: '2026-02-01T00:00:00Z', active: false }));
    ctrl.expectOne('/api/personal-tokens').flush([]);
  });

  it('shows the API error and retries', async () => {
    const { fixture, ctrl, el } = await render();
    ctrl.expectOne('/api/personal-tokens').flush({ message: 'metadata store unavailable' }, { status: 503, statusText: 'Service Unavailable' });
    await settle(fixture);
    expect(el.querySelector('[role=alert]')?.textContent).toContain('metadata store unavailable');
    (Array.from(el.querySelectorAll('button')).find((b) => b.textContent?.includes('Try again')) as HTMLButtonElement).click();
    ctrl.expectOne('/api/personal-tokens').flush([]);
  });
});
