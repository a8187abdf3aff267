import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { MatDialog } from '@angular/material/dialog';
import { provideRouter } from '@angular/router';
import { provideApiConfiguration, RobotDto } from '@refity/api-client';
import { of } from 'rxjs';
import { authInterceptor } from '../../core/auth.interceptor';
import { SESSION_KEY } from '../../core/auth-session';
import { provideIcons } from '../../shared/icons';
import { RobotsPage } from './robots';

const robot = (id: number, name: string, extra: Partial<RobotDto> = {}): RobotDto => ({
  id,
  name,
  username: `robot$${name}`,
  description: '',
  disabled: false,
  expiresAt: null,
  lastUsedAt: null,
  createdAt: '2026-01-01T00:00:00Z',
  createdBy: 'admin',
  permissions: [],
  ...extra,
});

async function render() {
  sessionStorage.setItem(
    SESSION_KEY,
    JSON.stringify({ token: 't', user: { id: 1, username: 'admin', role: 'admin', disabled: false, mustChangePassword: false, createdAt: '', lastLoginAt: null } }),
  );
  TestBed.configureTestingModule({
    imports: [RobotsPage],
    providers: [provideRouter([]), provideHttpClient(withInterceptors([authInterceptor])), provideHttpClientTesting(), provideApiConfiguration(''), provideIcons()],
  });
  const fixture = TestBed.createComponent(RobotsPage);
  const ctrl = TestBed.inject(HttpTestingController);
  fixture.detectChanges();
  return { fixture, ctrl, el: fixture.nativeElement as HTMLElement };
}

async function settle(fixture: { whenStable(): Promise<unknown>; detectChanges(): void }) {
  fixture.detectChanges();
  await fixture.whenStable();
}

function type(el: HTMLElement, name: string, value: string) {
  const input = el.querySelector(`input[name=${name}]`) as HTMLInputElement;
  input.value = value;
  input.dispatchEvent(new Event('input'));
}

describe('RobotsPage', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('lists the robots with their grants, expiry and last use', async () => {
    const { fixture, ctrl, el } = await render();
    expect(el.textContent).toContain('Loading robot accounts');
    ctrl.expectOne('/api/robots').flush([
      robot(2, 'zeta', { disabled: true }),
      robot(1, 'ci', {
        expiresAt: '2999-12-31T23:59:59Z',
        lastUsedAt: new Date().toISOString(),
        permissions: [
          { id: 7, action: 'push', scope: 'repository', pattern: 'myteam/*', subject: 'robot$ci', subjectType: 'robot', robotId: 1, userId: null, createdAt: '', createdBy: 'admin' },
        ],
      }),
    ]);
    await settle(fixture);
    const rows = Array.from(el.querySelectorAll('tr[data-robot]'));
    expect(rows.map((r) => r.getAttribute('data-robot'))).toEqual(['ci', 'zeta']);
    expect(rows[0].textContent).toContain('robot$ci');
    expect(rows[0].textContent).toContain('repository myteam/* → push');
    expect(rows[0].textContent).toContain('2999');
    expect(rows[0].textContent).toContain('just now');
    expect(rows[1].textContent).toContain('revoked');
    expect(rows[1].textContent).toContain('never');
  });

  it('says what to do next when there is no robot, and retries after an error', async () => {
    const { fixture, ctrl, el } = await render();
    ctrl.expectOne('/api/robots').flush({ statusCode: 503, error: 'Service Unavailable', message: 'metadata store unavailable' }, { status: 503, statusText: 'Service Unavailable' });
    await settle(fixture);
    expect(el.querySelector('[role=alert]')?.textContent).toContain('metadata store unavailable');
    (Array.from(el.querySelectorAll('button')).find((b) => b.textContent?.includes('Try again')) as HTMLButtonElement).click();
    ctrl.expectOne('/api/robots').flush([]);
    await settle(fixture);
    expect(el.textContent).toContain('No robot accounts');
  });

  it('creates a robot with a grant and an expiry, and shows the secret once with a copy button', async () => {
    const { fixture, ctrl, el } = await render();
    ctrl.expectOne('/api/robots').flush([]);
    await settle(fixture);
    type(el, 'robotName', 'ci');
    type(el, 'robotPattern', 'myteam/*');
    type(el, 'robotExpires', '2027-01-31');
    (el.querySelector('form.create') as HTMLFormElement).dispatchEvent(new Event('submit'));
    const post = ctrl.expectOne((r) => r.method === 'POST' && r.url === '/api/robots');
    expect(post.request.body).toEqual({
      name: 'ci',
      permissions: [{ scope: 'repository', pattern: 'myteam/*', action: 'pull' }],
      expiresAt: '2027-01-31T23:59:59.999Z',
    });
    post.flush({ robot: robot(1, 'ci'), secret: 's3cr3t-once' }, { status: 201, statusText: 'Created' });
    ctrl.expectOne((r) => r.method === 'GET' && r.url === '/api/robots').flush([robot(1, 'ci')]);
    await settle(fixture);

    const panel = el.querySelector('[data-testid=robot-secret]') as HTMLElement;
    expect(panel).not.toBeNull();
    expect(panel.textContent).toContain('will not be shown again');
    expect(panel.querySelector('[data-testid=secret-value]')?.textContent).toBe('s3cr3t-once');
    expect(panel.querySelector('button[aria-label="Copy the secret"]')?.getAttribute('data-copy-text')).toBe('s3cr3t-once');
    // The table never carries the secret.
    expect(el.querySelector('tr[data-robot=ci]')?.textContent).not.toContain('s3cr3t-once');

    (Array.from(panel.querySelectorAll('button')).find((b) => b.textContent?.includes('I have copied it')) as HTMLButtonElement).click();
    await settle(fixture);
    expect(el.querySelector('[data-testid=robot-secret]')).toBeNull();
    expect(el.textContent).not.toContain('s3cr3t-once');
  });

  it('creates a robot without grants nor expiry', async () => {
    const { fixture, ctrl, el } = await render();
    ctrl.expectOne('/api/robots').flush([]);
    await settle(fixture);
    type(el, 'robotName', 'reader');
    (el.querySelector('form.create') as HTMLFormElement).dispatchEvent(new Event('submit'));
    const post = ctrl.expectOne((r) => r.method === 'POST');
    expect(post.request.body).toEqual({ name: 'reader', permissions: [] });
    post.flush({ message: 'robot reader exists' }, { status: 409, statusText: 'Conflict' });
    await settle(fixture);
    expect(el.textContent).toContain('robot reader exists');
    expect(el.querySelector('[data-testid=robot-secret]')).toBeNull();
  });

  it('revokes and deletes only after confirmation', async () => {
    const { fixture, ctrl, el } = await render();
    const dialog = TestBed.inject(MatDialog);
    const open = jest.spyOn(dialog, 'open').mockReturnValue({ afterClosed: () => of(true) } as ReturnType<MatDialog['open']>);
    ctrl.expectOne('/api/robots').flush([robot(1, 'ci')]);
    await settle(fixture);
    (el.querySelector('button[aria-label="Revoke robot ci"]') as HTMLButtonElement).click();
    expect(open).toHaveBeenCalledTimes(1);
    const patch = ctrl.expectOne((r) => r.method === 'PATCH' && r.url === '/api/robots/1');
    expect(patch.request.body).toEqual({ disabled: true });
    patch.flush(robot(1, 'ci', { disabled: true }));
    ctrl.expectOne('/api/robots').flush([robot(1, 'ci', { disabled: true })]);
    await settle(fixture);

    open.mockReturnValue({ afterClosed: () => of(false) } as ReturnType<MatDialog['open']>);
    (el.querySelector('button[aria-label="Delete robot ci"]') as HTMLButtonElement).click();
    ctrl.expectNone((r) => r.method === 'DELETE');

    open.mockReturnValue({ afterClosed: () => of(true) } as ReturnType<MatDialog['open']>);
    (el.querySelector('button[aria-label="Delete robot ci"]') as HTMLButtonElement).click();
    ctrl.expectOne((r) => r.method === 'DELETE' && r.url === '/api/robots/1').flush(null, { status: 204, statusText: 'No Content' });
    ctrl.expectOne('/api/robots').flush([]);
  });
});
