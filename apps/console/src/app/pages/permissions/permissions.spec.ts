import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { MatDialog } from '@angular/material/dialog';
import { provideRouter } from '@angular/router';
import { GrantDto, provideApiConfiguration, RobotDto, UserDto } from '@refity/api-client';
import { of } from 'rxjs';
import { authInterceptor } from '../../core/auth.interceptor';
import { SESSION_KEY } from '../../core/auth-session';
import { provideIcons } from '../../shared/icons';
import { PermissionsPage } from './permissions';

const user = (id: number, username: string): UserDto =>
  ({ id, username, role: 'user', disabled: false, mustChangePassword: false, createdAt: '2026-01-01T00:00:00Z', lastLoginAt: null }) as UserDto;
const robot = (id: number, name: string): RobotDto =>
  ({ id, name, username: `robot$${name}`, description: '', disabled: false, expiresAt: null, lastUsedAt: null, createdAt: '', createdBy: null, permissions: [] }) as RobotDto;
const grant = (id: number, subject: string, pattern: string, action: GrantDto['action'], extra: Partial<GrantDto> = {}): GrantDto => ({
  id,
  subject,
  subjectType: subject.startsWith('robot$') ? 'robot' : 'user',
  userId: subject.startsWith('robot$') ? null : 2,
  robotId: subject.startsWith('robot$') ? 5 : null,
  scope: 'repository',
  pattern,
  action,
  createdAt: '2026-01-01T00:00:00Z',
  createdBy: 'admin',
  ...extra,
});

async function render() {
  sessionStorage.setItem(
    SESSION_KEY,
    JSON.stringify({ token: 't', user: { id: 1, username: 'admin', role: 'admin', disabled: false, mustChangePassword: false, createdAt: '', lastLoginAt: null } }),
  );
  TestBed.configureTestingModule({
    imports: [PermissionsPage],
    providers: [provideRouter([]), provideHttpClient(withInterceptors([authInterceptor])), provideHttpClientTesting(), provideApiConfiguration(''), provideIcons()],
  });
  const fixture = TestBed.createComponent(PermissionsPage);
  const ctrl = TestBed.inject(HttpTestingController);
  fixture.detectChanges();
  return { fixture, ctrl, el: fixture.nativeElement as HTMLElement };
}

async function settle(fixture: { whenStable(): Promise<unknown>; detectChanges(): void }) {
  fixture.detectChanges();
  await fixture.whenStable();
}

function flushAll(ctrl: HttpTestingController, grants: GrantDto[], url = '/api/permissions') {
  ctrl.expectOne((r) => r.url === '/api/permissions' && r.urlWithParams === url).flush(grants);
  ctrl.expectOne('/api/users').flush([user(2, 'alice')]);
  ctrl.expectOne('/api/robots').flush([robot(5, 'ci')]);
}

describe('PermissionsPage', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('lists the grants sorted by user or robot', async () => {
    const { fixture, ctrl, el } = await render();
    expect(el.textContent).toContain('Loading permissions');
    flushAll(ctrl, [grant(1, 'robot$ci', 'myteam/*', 'push'), grant(2, 'alice', 'base', 'pull', { scope: 'group' })]);
    await settle(fixture);
    const rows = Array.from(el.querySelectorAll('tr[data-grant]'));
    expect(rows.map((r) => r.getAttribute('data-grant'))).toEqual(['2', '1']);
    expect(rows[0].textContent).toContain('group');
    expect(rows[1].textContent).toContain('myteam/*');
    expect(rows[1].textContent).toContain('push');
  });

  it('shows the empty state, and the API error with a retry', async () => {
    const { fixture, ctrl, el } = await render();
    ctrl.expectOne('/api/permissions').flush({ message: 'metadata store unavailable' }, { status: 503, statusText: 'Service Unavailable' });
    ctrl.match('/api/users');
    ctrl.match('/api/robots');
    await settle(fixture);
    expect(el.querySelector('[role=alert]')?.textContent).toContain('metadata store unavailable');
    (Array.from(el.querySelectorAll('button')).find((b) => b.textContent?.includes('Try again')) as HTMLButtonElement).click();
    flushAll(ctrl, []);
    await settle(fixture);
    expect(el.textContent).toContain('No grants');
  });

  it('adds a grant to a robot and reloads', async () => {
    const { fixture, ctrl, el } = await render();
    flushAll(ctrl, []);
    await settle(fixture);
    const page = fixture.componentInstance as unknown as { form: { patchValue(v: object): void } };
    page.form.patchValue({ subject: 'robot:5', pattern: 'myteam/**', action: 'push' });
    (el.querySelector('form.create') as HTMLFormElement).dispatchEvent(new Event('submit'));
    const post = ctrl.expectOne((r) => r.method === 'POST' && r.url === '/api/permissions');
    expect(post.request.body).toEqual({ scope: 'repository', pattern: 'myteam/**', action: 'push', robotId: 5 });
    post.flush(grant(9, 'robot$ci', 'myteam/**', 'push'), { status: 201, statusText: 'Created' });
    flushAll(ctrl, [grant(9, 'robot$ci', 'myteam/**', 'push')]);
    await settle(fixture);
    expect(el.querySelector('tr[data-grant="9"]')).not.toBeNull();
  });

  it('filters by user through the query', async () => {
    const { fixture, ctrl } = await render();
    flushAll(ctrl, []);
    await settle(fixture);
    (fixture.componentInstance as unknown as { show(k: string): void }).show('user:2');
    flushAll(ctrl, [], '/api/permissions?userId=2');
  });

  it('removes a grant only after confirmation', async () => {
    const { fixture, ctrl, el } = await render();
    const open = jest.spyOn(TestBed.inject(MatDialog), 'open').mockReturnValue({ afterClosed: () => of(true) } as ReturnType<MatDialog['open']>);
    flushAll(ctrl, [grant(1, 'alice', 'myteam/*', 'pull')]);
    await settle(fixture);
    (el.querySelector('button[aria-label="Remove grant pull on myteam/* of alice"]') as HTMLButtonElement).click();
    expect(open).toHaveBeenCalled();
    ctrl.expectOne((r) => r.method === 'DELETE' && r.url === '/api/permissions/1').flush(null, { status: 204, statusText: 'No Content' });
    flushAll(ctrl, []);
  });
});
